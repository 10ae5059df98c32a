package stacks

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawscalleridentity"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawspartition"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// foundation is what every stack starts with: the Terraform and provider version floors, its
// state backend, and an AWS provider pinned to its one account (allowed_account_ids: the stack
// refuses any other) with the common tags. It returns the stack and its account facts.
func foundation(scope constructs.Construct, name string, acct envconfig.Account, region string, tags map[string]string, backend envconfig.Backend, stateKey string) (cdktf.TerraformStack, iam.Account) {
	stack := cdktf.NewTerraformStack(scope, jsii.String(name))
	stack.AddOverride(jsii.String("terraform.required_version"), RequiredTerraform)
	stack.AddOverride(jsii.String("terraform.required_providers.aws.version"), AWSProviderVersion)
	applyBackend(backend, stack, name, stateKey, region)
	awsProvider(stack, "", name, acct, region, tags)
	return stack, iam.Account{
		ID:        *dataawscalleridentity.NewDataAwsCallerIdentity(stack, jsii.String("caller"), nil).AccountId(),
		Partition: *dataawspartition.NewDataAwsPartition(stack, jsii.String("partition"), nil).Partition(),
		Region:    region,
	}
}

// awsProvider is an AWS provider of the stack pinned to its account, with the common tags: the
// default one (alias ""), or an aliased one for resources in a second region.
func awsProvider(stack cdktf.TerraformStack, alias, name string, acct envconfig.Account, region string, tags map[string]string) provider.AwsProvider {
	defaults := map[string]*string{}
	for k, v := range naming.CommonTags(name, tags) {
		defaults[k] = jsii.String(v)
	}
	id, cfg := "aws", &provider.AwsProviderConfig{
		Region:            jsii.String(region),
		AllowedAccountIds: jsii.Strings(acct.ID),
		DefaultTags:       &[]*provider.AwsProviderDefaultTags{{Tags: &defaults}},
	}
	if alias != "" {
		id, cfg.Alias = "aws-"+alias, jsii.String(alias)
	}
	return provider.NewAwsProvider(stack, jsii.String(id), cfg)
}

// legacyBaseline are the account-wide resources that staging and prod held before they moved to
// the account stacks. The environment stacks forget them (a removed block with destroy = false):
// nothing is destroyed, and the README says how the account stack adopts them.
var legacyBaseline = []string{
	"aws_cloudtrail.baseline_trail_85FB6F02",
	"aws_cloudwatch_log_group.baseline_trail-logs_4934B646",
	"aws_config_configuration_recorder.baseline_config-recorder_8BE1F799",
	"aws_config_configuration_recorder_status.baseline_config-status_3514C562",
	"aws_config_delivery_channel.baseline_config-delivery_6951E795",
	"aws_guardduty_detector.baseline_guardduty_7D383795",
	"aws_guardduty_detector_feature.baseline_guardduty-RDS_LOGIN_EVENTS_4BF9F755",
	"aws_guardduty_detector_feature.baseline_guardduty-S3_DATA_EVENTS_A135ACC9",
	"aws_iam_role.baseline_config-role_583FA236",
	"aws_iam_role.baseline_trail-role_DB1D6A09",
	"aws_iam_role_policy.baseline_config-role-deliver_826FF3FB",
	"aws_iam_role_policy.baseline_trail-role-deliver_7A59C6E7",
	"aws_iam_role_policy_attachment.baseline_config-role-service-role--AWS_ConfigRole_119BA13D",
	"aws_kms_alias.keys_audit-alias_968DECBD",
	"aws_kms_key.keys_audit_FEDFE2BF",
	"aws_s3_bucket.baseline_audit-bucket_07181944",
	"aws_s3_bucket_lifecycle_configuration.baseline_audit-bucket_lifecycle_5F1CD192",
	"aws_s3_bucket_ownership_controls.baseline_audit-bucket_ownership_8E9C78E7",
	"aws_s3_bucket_policy.baseline_audit-bucket_policy_73C95D7D",
	"aws_s3_bucket_public_access_block.baseline_audit-bucket_public-access_8D5FAA70",
	"aws_s3_bucket_server_side_encryption_configuration.baseline_audit-bucket_encryption_906EB1C8",
	"aws_s3_bucket_versioning.baseline_audit-bucket_versioning_AD907BA3",
}

// LegacyBaseline lists the addresses the environment stacks forget (README "Moving to account stacks").
func LegacyBaseline() []string { return legacyBaseline }

func forgetLegacyBaseline(stack cdktf.TerraformStack) {
	var removed []map[string]any
	for _, addr := range legacyBaseline {
		removed = append(removed, map[string]any{"from": addr, "lifecycle": map[string]any{"destroy": false}})
	}
	stack.AddOverride(jsii.String("removed"), removed)
}
