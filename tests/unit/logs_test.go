package unit

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/tests"
)

// The logs key the constructs pass, as a plain value.
const logsGroupKey = "arn:aws:kms:us-east-1:111122223333:key/logs"

// logsOf is a log group of env alone: a service's (masking card numbers, as every service asks)
// or, unmasked, the log group of any other construct.
func logsOf(env envconfig.Environment, mask bool) *tests.Doc {
	name := map[bool]string{false: "logs", true: "logs-masked"}[mask]
	return tests.Minimal(name, env, func(stack cdktf.TerraformStack) {
		logs.New(stack, "logs", &logs.Props{
			Name: "/scalepayments/" + env.Name + "/ecs/payment", RetentionDays: env.LogRetentionDays,
			KMSKeyARN: jsii.String(logsGroupKey), MaskCardNumbers: mask,
		})
	})
}

func TestLogGroupIsEncryptedAndRetained(t *testing.T) {
	retention := map[string]int{"dev": 7, "staging": 30, "prod": 365}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		for _, mask := range []bool{false, true} {
			d := logsOf(env, mask)
			name := "/scalepayments/" + env.Name + "/ecs/payment"
			tests.Has(t, d, "aws_cloudwatch_log_group", map[string]any{
				"name": name, "kms_key_id": logsGroupKey, "retention_in_days": retention[env.Name], "tags": map[string]any{"Name": name},
			})
			assert.Equal(t, 1, d.Count("aws_cloudwatch_log_group"))
		}
	})
}

// A log group asked to mask card numbers audits and masks them with AWS's managed data
// identifier (PCI-DSS 3.4); any other log group has no data-protection policy. Which log groups
// ask (every service's) is tested on the whole stacks: integration TestServiceLogsMaskCardNumbers.
func TestLogGroupMasksCardNumbersWhenAsked(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		assert.Zero(t, logsOf(env, false).Count("aws_cloudwatch_log_data_protection_policy"), "unmasked unless asked")

		d := logsOf(env, true)
		p := d.One("aws_cloudwatch_log_data_protection_policy")
		lg, ok := d.Ref(p["log_group_name"])
		require.True(t, ok)
		assert.Equal(t, tests.RefTo("aws_cloudwatch_log_group", d.OneName("aws_cloudwatch_log_group"), "name"), p["log_group_name"])
		assert.Equal(t, "/scalepayments/"+env.Name+"/ecs/payment", lg.Body["name"])
		assert.JSONEq(t, `{
			"Name": "mask-card-numbers", "Version": "2021-06-01",
			"Description": "Mask payment card numbers in /scalepayments/`+env.Name+`/ecs/payment",
			"Statement": [
				{"Sid": "audit", "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"],
				 "Operation": {"Audit": {"FindingsDestination": {}}}},
				{"Sid": "redact", "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"],
				 "Operation": {"Deidentify": {"MaskConfig": {}}}}
			]}`, p["policy_document"].(string))
		assert.Contains(t, p["policy_document"], `"Deidentify":{"MaskConfig":{}}`)
	})
}
