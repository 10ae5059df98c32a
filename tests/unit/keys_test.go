package unit

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/keys"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/tests"
)

// keysOf is the keys construct of env alone, configured as the stack configures it.
func keysOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("keys", env, func(stack cdktf.TerraformStack) {
		keys.New(stack, "keys", &keys.Props{Namer: stacks.EnvNamer(env), Account: tests.TestAccount, DeletionWindowDays: env.KMSDeletionWindowDays})
	})
}

// keysAccountOf are the account-level keys of the account stack of h, made with the keys
// helpers as the baseline makes them (constructs/baseline): the audit key (with CloudTrail's
// statements, for its trail, where h is the account's home region), the account's logs key and
// the findings topic's key, in a "baseline" scope as in the account stack. The trail is given
// as its plain ARN.
func keysAccountOf(h judge.Host) *tests.Doc {
	a := h.Account
	return tests.Minimal("account-keys", envconfig.Environment{Name: a.Name, Region: h.Region}, func(stack cdktf.TerraformStack) {
		window := 7
		for _, e := range h.Envs {
			window = max(window, e.KMSDeletionWindowDays)
		}
		scope := constructs.NewConstruct(stack, jsii.String("baseline"))
		props := &keys.Props{Namer: naming.Namer{Env: a.Name, Code: a.Name, Region: h.Region, Home: a.Home()}, Account: tests.TestAccount, DeletionWindowDays: window}
		var trail []iam.Statement
		if h.Region == a.Home() {
			trail = keys.TrailStatements(tests.TestAccount, "arn:aws:cloudtrail:us-east-1:111122223333:trail/scalepayments-"+a.Name+"-trail")
		}
		keys.Key(scope, props, "audit", "CloudTrail and AWS Config deliveries", trail...)
		keys.Key(scope, props, "logs", "CloudWatch Logs log groups", keys.LogsStatement(tests.TestAccount))
		keys.Key(scope, props, "findings", "Security findings in SNS", keys.Publishers(false)...)
	})
}

// keysAccounts runs f as one subtest per shipped account stack, named after the account.
func keysAccounts(t *testing.T, f func(t *testing.T, h judge.Host)) {
	for _, h := range judge.Hosts(envconfig.Accounts(), envconfig.All()) {
		name := h.Account.Name
		if h.Region != h.Account.Home() {
			name += "-" + h.Region
		}
		t.Run(name, func(t *testing.T) { f(t, h) })
	}
}

// keysPolicies are the statements of each key's policy, by the key's domain (its Name tag
// without "scalepayments-<owner>-").
func keysPolicies(t *testing.T, d *tests.Doc, owner string) map[string][]iam.Statement {
	t.Helper()
	out := map[string][]iam.Statement{}
	for _, k := range d.List("aws_kms_key") {
		name := k["tags"].(tests.Body)["Name"].(string)
		require.True(t, strings.HasPrefix(name, "scalepayments-"+owner+"-"), name)
		out[strings.TrimPrefix(name, "scalepayments-"+owner+"-")] = tests.Statements(k["policy"])
	}
	return out
}

// keysServices are the service principals each key's policy lets in, by domain.
func keysServices(policies map[string][]iam.Statement) map[string][]any {
	out := map[string][]any{}
	for domain, statements := range policies {
		out[domain] = nil
		for _, s := range statements {
			if svc, ok := s.Principal["Service"]; ok {
				out[domain] = append(out[domain], svc)
			}
		}
	}
	return out
}

// keysRoot is the first statement of every key policy: the account root administers the key, so
// IAM policies can delegate.
var keysRoot = iam.Statement{Sid: "AccountAdministersKey", Effect: "Allow", Principal: map[string]any{"AWS": "arn:aws:iam::111122223333:root"},
	Action: []string{"kms:*"}, Resource: []string{"*"}}

func TestKeysPerDataDomainWithRotationAndAlias(t *testing.T) {
	window := map[string]int{"dev": 7, "staging": 7, "prod": 30}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := keysOf(env)
		domains := []string{"database", "cache", "logs", "secrets", "images", "alarms", "backup"}
		assert.Equal(t, len(domains), d.Count("aws_kms_key"))
		assert.Equal(t, len(domains), d.Count("aws_kms_alias"))
		for _, domain := range domains {
			name := "scalepayments-" + env.Name + "-" + domain
			tests.Has(t, d, "aws_kms_key", map[string]any{
				"enable_key_rotation": true, "deletion_window_in_days": window[env.Name], "tags": map[string]any{"Name": name},
			})
			tests.Has(t, d, "aws_kms_alias", map[string]any{
				"name": "alias/" + name, "target_key_id": tests.RefTo("aws_kms_key", d.NameOf("aws_kms_key", name), "key_id"),
			})
		}
		for name, k := range d.Resources("aws_kms_key") {
			assert.Equal(t, true, k["enable_key_rotation"], name)
			assert.EqualValues(t, window[env.Name], k["deletion_window_in_days"], name)
		}
	})
}

func TestKeyPoliciesLetInOnlyTheServicesThatNeedThem(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := keysOf(env)
		policies := keysPolicies(t, d, env.Name)
		assert.Equal(t, map[string][]any{
			"database": nil, "cache": nil, "secrets": nil, "images": nil, "backup": nil,
			"logs":   {"logs.us-east-1.amazonaws.com"},
			"alarms": {"cloudwatch.amazonaws.com", "events.amazonaws.com"},
		}, keysServices(policies))
		for domain, statements := range policies {
			assert.Equal(t, keysRoot, statements[0], domain)
			for _, s := range statements[1:] {
				// CloudWatch and EventBridge send no condition key for SNS's KMS calls (AWS's documented statements have none).
				if domain != "alarms" {
					assert.NotEmpty(t, s.Condition, "%s: service access is conditioned", domain)
				}
			}
		}
		require.Len(t, policies["logs"], 2)
		assert.Equal(t, map[string]map[string]any{"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:111122223333:log-group:*"}},
			policies["logs"][1].Condition, "scoped to this account's log groups")
		assert.Equal(t, []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"}, policies["logs"][1].Action)
		require.Len(t, policies["alarms"], 3)
		assert.Equal(t, []string{"kms:Decrypt", "kms:GenerateDataKey*"}, policies["alarms"][1].Action, "CloudWatch alarms publish")
		assert.Equal(t, []string{"kms:Decrypt", "kms:GenerateDataKey"}, policies["alarms"][2].Action, "EventBridge rules publish")
	})
}

// The account-level keys: the account's logs key as the environments', the findings key lets
// in only EventBridge (no alarms publish to it).
func TestAccountKeysLetInOnlyTheServicesThatNeedThem(t *testing.T) {
	window := map[string]int{"nonprod": 7, "prod": 30}
	keysAccounts(t, func(t *testing.T, h judge.Host) {
		d := keysAccountOf(h)
		for _, domain := range []string{"audit", "logs", "findings"} {
			name := "scalepayments-" + h.Account.Name + "-" + domain
			tests.Has(t, d, "aws_kms_key", map[string]any{"enable_key_rotation": true, "deletion_window_in_days": window[h.Account.Name], "tags": map[string]any{"Name": name}})
			tests.Has(t, d, "aws_kms_alias", map[string]any{"name": "alias/" + name, "target_key_id": tests.RefTo("aws_kms_key", d.NameOf("aws_kms_key", name), "key_id")})
		}
		assert.Equal(t, 3, d.Count("aws_kms_key"))
		policies := keysPolicies(t, d, h.Account.Name)
		assert.Equal(t, map[string][]any{
			"audit":    {"cloudtrail.amazonaws.com", "cloudtrail.amazonaws.com", "cloudtrail.amazonaws.com"},
			"logs":     {"logs.us-east-1.amazonaws.com"},
			"findings": {"events.amazonaws.com"},
		}, keysServices(policies))
		for domain, statements := range policies {
			assert.Equal(t, keysRoot, statements[0], domain)
		}
		assert.Equal(t, map[string]map[string]any{"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:111122223333:log-group:*"}},
			policies["logs"][1].Condition)
	})
}

// Regression: DescribeKey carries no encryption context, so a statement that conditions it on
// kms:EncryptionContext makes CreateTrail fail (InsufficientEncryptionPolicyException). That the
// statements name the account's own trail is asserted on the account stacks
// (tests/integration/wiring_network_test.go).
func TestAuditKeyFollowsCloudTrailsDocumentedPolicy(t *testing.T) {
	keysAccounts(t, func(t *testing.T, h judge.Host) {
		d := keysAccountOf(h)
		trail := "arn:aws:cloudtrail:us-east-1:111122223333:trail/scalepayments-" + h.Account.Name + "-trail"
		statements := tests.Statements(d.Resources("aws_kms_key")[d.NameOf("aws_kms_key", "scalepayments-"+h.Account.Name+"-audit")]["policy"])
		bySid := map[string]iam.Statement{}
		for _, s := range statements {
			bySid[s.Sid] = s
		}
		source := map[string]any{"aws:SourceArn": trail}
		assert.Equal(t, []string{"kms:GenerateDataKey*"}, bySid["CloudTrailEncryptsLogs"].Action)
		assert.Equal(t, map[string]map[string]any{
			"StringEquals": source,
			"StringLike":   {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:111122223333:trail/*"},
		}, bySid["CloudTrailEncryptsLogs"].Condition)
		assert.Equal(t, []string{"kms:DescribeKey"}, bySid["CloudTrailDescribesKey"].Action)
		assert.Equal(t, map[string]map[string]any{"StringEquals": source}, bySid["CloudTrailDescribesKey"].Condition, "no encryption context on DescribeKey")
		assert.Equal(t, []string{"kms:Decrypt"}, bySid["CloudTrailDecryptsWithBucketKey"].Action, "the audit bucket uses an S3 Bucket Key")
		assert.Equal(t, map[string]map[string]any{"StringEquals": source}, bySid["CloudTrailDecryptsWithBucketKey"].Condition)
		describe := 0
		for _, s := range statements {
			assert.Equal(t, []string{"*"}, s.Resource, "a key policy's \"*\" is the key itself")
			if s.Principal["Service"] == "cloudtrail.amazonaws.com" && slices.Contains(s.Action, "kms:DescribeKey") {
				describe++
			}
		}
		assert.Equal(t, 1, describe, "DescribeKey in its own statement only")
		assert.Len(t, statements, 4, "the root and CloudTrail's three")
	})
}
