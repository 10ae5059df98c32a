package synthesized

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A plan of a cdktf stack: a key whose ARN is known after apply, a log group that references
// it, a bucket on the aliased provider, and a data source.
const planJSON = `{
  "format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_kms_key.logs_key_1A2B3C4D", "mode": "managed", "type": "aws_kms_key", "name": "logs_key_1A2B3C4D",
     "values": {"enable_key_rotation": true, "description": "logs", "policy": null}},
    {"address": "aws_cloudwatch_log_group.logs_group_0F0F0F0F", "mode": "managed", "type": "aws_cloudwatch_log_group", "name": "logs_group_0F0F0F0F",
     "values": {"name": "/sp/prod/api", "retention_in_days": 365, "tags": {"Name": "/sp/prod/api"}}},
    {"address": "aws_cloudwatch_log_subscription_filter.logs_filter_12345678", "mode": "managed", "type": "aws_cloudwatch_log_subscription_filter", "name": "logs_filter_12345678",
     "values": {"log_group_name": "/sp/prod/api", "destination_arn": null, "pattern": [null, "x"]}},
    {"address": "aws_s3_bucket.backup_dr-bucket_ABCDEF12", "mode": "managed", "type": "aws_s3_bucket", "name": "backup_dr-bucket_ABCDEF12",
     "values": {"bucket": "sp-dr"}},
    {"address": "data.aws_partition.partition", "mode": "data", "type": "aws_partition", "name": "partition", "values": {"partition": "aws"}}
  ]}},
  "resource_changes": [
    {"address": "aws_kms_key.logs_key_1A2B3C4D", "change": {"after_unknown": {"arn": true, "id": true, "policy": true}}},
    {"address": "aws_cloudwatch_log_group.logs_group_0F0F0F0F", "change": {"after_unknown": {"kms_key_id": true, "arn": true, "tags": {}}}},
    {"address": "aws_cloudwatch_log_subscription_filter.logs_filter_12345678", "change": {"after_unknown": {"destination_arn": true, "pattern": [true, false]}}}
  ],
  "configuration": {
    "provider_config": {
      "aws": {"name": "aws", "expressions": {"region": {"constant_value": "us-east-1"}, "allowed_account_ids": {"constant_value": ["111122223333"]},
        "default_tags": [{"tags": {"constant_value": {"Stack": "scalepayments-prod"}}}]}},
      "aws.dr": {"name": "aws", "alias": "dr", "expressions": {"region": {"constant_value": "us-west-2"}}}
    },
    "root_module": {"resources": [
      {"address": "aws_kms_key.logs_key_1A2B3C4D", "provider_config_key": "aws", "expressions": {"enable_key_rotation": {"constant_value": true}}},
      {"address": "aws_cloudwatch_log_group.logs_group_0F0F0F0F", "provider_config_key": "aws", "expressions": {
        "name": {"constant_value": "/sp/prod/api"},
        "kms_key_id": {"constant_value": "${aws_kms_key.logs_key_1A2B3C4D.arn}", "references": ["aws_kms_key.logs_key_1A2B3C4D.arn", "aws_kms_key.logs_key_1A2B3C4D"]}}},
      {"address": "aws_cloudwatch_log_subscription_filter.logs_filter_12345678", "provider_config_key": "aws", "expressions": {
        "log_group_name": {"references": ["aws_cloudwatch_log_group.logs_group_0F0F0F0F.name", "aws_cloudwatch_log_group.logs_group_0F0F0F0F"]},
        "destination_arn": {"references": ["aws_kms_key.logs_key_1A2B3C4D.arn", "aws_kms_key.logs_key_1A2B3C4D", "aws_cloudwatch_log_group.logs_group_0F0F0F0F.arn"]}}},
      {"address": "aws_s3_bucket.backup_dr-bucket_ABCDEF12", "provider_config_key": "aws.dr", "expressions": {"bucket": {"constant_value": "sp-dr"}}}
    ]}
  }
}`

func TestAPlanReadsAsTheConfigurationItApplies(t *testing.T) {
	_, err := FromPlan([]byte(`{"resource":{},"terraform":{}}`))
	require.ErrorIs(t, err, ErrNotPlan, "a synthesized stack is not a plan")
	c, err := FromPlan([]byte(planJSON))
	require.NoError(t, err)
	assert.True(t, c.Plan)
	assert.Equal(t, []string{"aws_cloudwatch_log_group.logs_group_0F0F0F0F", "aws_cloudwatch_log_subscription_filter.logs_filter_12345678",
		"aws_kms_key.logs_key_1A2B3C4D", "aws_s3_bucket.backup_dr-bucket_ABCDEF12"}, c.Addresses(), "managed resources only")

	group := c.Of("aws_cloudwatch_log_group")[0]
	assert.Equal(t, "${aws_kms_key.logs_key_1A2B3C4D.arn}", group.Body["kms_key_id"], "unknown: the JSON configuration's own template")
	assert.NotContains(t, group.Body, "arn", "a computed attribute the configuration does not set stays unset")
	assert.Equal(t, 365.0, group.Body["retention_in_days"], "known values as planned")
	assert.Equal(t, "logs/group", group.Path(), "the construct path from cdktf's logical name")
	key, ok := c.Ref(group.Body["kms_key_id"])
	require.True(t, ok)
	assert.Equal(t, true, key.Body["enable_key_rotation"])
	assert.NotContains(t, key.Body, "policy", "unknown and unset in the configuration")

	filter := c.Of("aws_cloudwatch_log_subscription_filter")[0].Body
	assert.Equal(t, "${aws_cloudwatch_log_group.logs_group_0F0F0F0F.name}", filter["log_group_name"], "a known value that is its reference becomes the reference again")
	assert.Equal(t, Unknown, filter["destination_arn"], "unknown, and more than one reference: Unknown")
	assert.False(t, c.Known(filter["destination_arn"]))
	assert.False(t, c.Known(filter["log_group_name"]), "a whole reference where a plan leaves a document unknown")
	assert.True(t, c.Known(`{"Statement":[]}`))

	assert.Equal(t, "aws.dr", c.Of("aws_s3_bucket")[0].Body["provider"], "the aliased provider, as cdktf writes it")
	assert.Equal(t, map[string]string{"Stack": "scalepayments-prod"}, c.DefaultTags())
	providers := c.Root["provider"].(Body)["aws"].([]any)
	require.Len(t, providers, 2)
	assert.Equal(t, []any{"111122223333"}, providers[0].(Body)["allowed_account_ids"])
	assert.Equal(t, "dr", providers[1].(Body)["alias"])
}

func TestNotAPlanIsRefused(t *testing.T) {
	_, err := FromPlan([]byte(`{"planned_values":{}}`))
	assert.EqualError(t, err, "parse plan: no format_version: not `terraform show -json` output of a plan")
	_, err = FromPlan([]byte(`[`))
	assert.ErrorContains(t, err, "parse plan: ")
}

// In a synthesized stack nothing is unknown: a reference where a document belongs is read.
func TestASynthesizedStackHasNoUnknowns(t *testing.T) {
	assert.True(t, (&Config{}).Known("${aws_iam_policy_document.p.json}"))
}

// A plain Terraform plan: counted instances, a child module, data-source and nested references,
// another provider whose name starts with aws, and a variable where a constant is expected.
const hclPlanJSON = `{
  "format_version": "1.2",
  "planned_values": {"root_module": {
    "resources": [
      {"address": "aws_kms_key.k[0]", "mode": "managed", "type": "aws_kms_key", "name": "k", "index": 0, "values": {"enable_key_rotation": false}},
      {"address": "aws_kms_key.k[1]", "mode": "managed", "type": "aws_kms_key", "name": "k", "index": 1, "values": {"enable_key_rotation": true}},
      {"address": "aws_iam_role_policy.p", "mode": "managed", "type": "aws_iam_role_policy", "name": "p", "values": {}},
      {"address": "aws_s3_bucket_policy.b", "mode": "managed", "type": "aws_s3_bucket_policy", "name": "b", "values": {}}
    ],
    "child_modules": [{"address": "module.m", "resources": [
      {"address": "module.m.aws_kms_key.k", "mode": "managed", "type": "aws_kms_key", "name": "k", "values": {"enable_key_rotation": false}}
    ]}]
  }},
  "resource_changes": [
    {"address": "aws_iam_role_policy.p", "change": {"after_unknown": {"policy": true, "role": true}}},
    {"address": "aws_s3_bucket_policy.b", "change": {"after_unknown": {"policy": true}}}
  ],
  "configuration": {
    "provider_config": {
      "aws": {"name": "aws", "expressions": {"allowed_account_ids": {"references": ["var.account"]}}},
      "awscc": {"name": "awscc", "expressions": {"region": {"constant_value": "us-east-1"}}}
    },
    "root_module": {"resources": [
      {"address": "aws_iam_role_policy.p", "provider_config_key": "aws", "expressions": {
        "policy": {"references": ["data.aws_iam_policy_document.p.json", "data.aws_iam_policy_document.p"]},
        "role": {"references": ["aws_rds_cluster.c.master_user_secret[0].secret_arn", "aws_rds_cluster.c.master_user_secret[0]", "aws_rds_cluster.c.master_user_secret", "aws_rds_cluster.c"]}}},
      {"address": "aws_s3_bucket_policy.b", "provider_config_key": "aws", "expressions": {
        "policy": {"references": ["aws_s3_bucket.b.arn", "aws_s3_bucket.b"]}}}
    ]}
  }
}`

func TestAPlainTerraformPlanKeepsEveryInstance(t *testing.T) {
	c, err := FromPlan([]byte(hclPlanJSON))
	require.NoError(t, err)
	assert.Equal(t, []string{"aws_iam_role_policy.p", "aws_kms_key.k[0]", "aws_kms_key.k[1]", "aws_kms_key.module.m.k", "aws_s3_bucket_policy.b"}, c.Addresses(),
		"counted instances and module resources are judged one by one")
	p := c.Of("aws_iam_role_policy")[0].Body
	assert.Equal(t, Unknown, p["policy"], "a data source is not a resource reference")
	assert.Equal(t, Unknown, p["role"], "a nested attribute is not a top-level one")
	assert.Equal(t, "${aws_s3_bucket.b.arn}", c.Of("aws_s3_bucket_policy")[0].Body["policy"], "the one resource attribute an HCL expression references")
	providers := c.Root["provider"].(Body)["aws"].([]any)
	require.Len(t, providers, 1, "awscc is not the aws provider")
	assert.NotContains(t, providers[0], "allowed_account_ids", "a variable is not a constant")
}
