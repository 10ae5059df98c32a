// Package keys creates the customer-managed KMS keys, one per data domain (PCI-DSS 3.5, 3.6).
package keys

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmsalias"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// Props configures the keys of one environment.
type Props struct {
	Namer              naming.Namer
	Account            iam.Account
	DeletionWindowDays int
	// Provider creates the keys in another region (an aliased provider); nil for the stack's.
	Provider cdktf.TerraformProvider
}

// Keys are the customer-managed keys of an environment, each with rotation on and an alias.
type Keys struct {
	Database kmskey.KmsKey // Aurora storage, Performance Insights, the master secret
	Cache    kmskey.KmsKey // ElastiCache at rest and snapshots
	Logs     kmskey.KmsKey // every CloudWatch log group
	Secrets  kmskey.KmsKey // application secrets in Secrets Manager
	Images   kmskey.KmsKey // ECR repositories
	Alarms   kmskey.KmsKey // the alarm SNS topic
	Backup   kmskey.KmsKey // the AWS Backup vault's recovery points
}

// New creates the keys.
func New(scope constructs.Construct, id string, props *Props) *Keys {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	key := func(domain, description string, statements ...iam.Statement) kmskey.KmsKey {
		return Key(scope, props, domain, description, statements...)
	}
	return &Keys{
		Database: key("database", "Aurora PostgreSQL storage, Performance Insights and master secret"),
		Cache:    key("cache", "ElastiCache Redis data at rest and snapshots"),
		Logs:     key("logs", "CloudWatch Logs log groups", LogsStatement(props.Account)),
		Secrets:  key("secrets", "Application secrets in Secrets Manager"),
		Images:   key("images", "ECR container images"),
		Alarms:   key("alarms", "Alarm notifications in SNS", Publishers(true)...),
		// AWS Backup uses the key through grants it creates with the backup role's permissions,
		// which the account root's statement delegates to IAM.
		// https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
		Backup: key("backup", "AWS Backup recovery points"),
	}
}

// Key creates one customer-managed key in scope: rotation on, an alias, the account root as
// administrator (so IAM policies can delegate) and the given service statements.
func Key(scope constructs.Construct, props *Props, domain, description string, statements ...iam.Statement) kmskey.KmsKey {
	root := iam.Allow("AccountAdministersKey", []string{"kms:*"}, []string{"*"})
	root.Principal = map[string]any{"AWS": props.Account.Root()}
	name := props.Namer.Name(naming.MaxKMSAliasName-len("alias/"), domain)
	k := kmskey.NewKmsKey(scope, jsii.String(domain), &kmskey.KmsKeyConfig{
		Description:          jsii.String(description),
		EnableKeyRotation:    jsii.Bool(true),
		DeletionWindowInDays: jsii.Number(float64(props.DeletionWindowDays)),
		// In a key policy "*" as resource means "this key": a key policy cannot name its own ARN.
		Policy:   jsii.String(iam.Policy(append([]iam.Statement{root}, statements...)...)),
		Tags:     naming.NameTag(name),
		Provider: props.Provider,
	})
	kmsalias.NewKmsAlias(scope, jsii.String(domain+"-alias"), &kmsalias.KmsAliasConfig{
		Name:        jsii.String("alias/" + name),
		TargetKeyId: k.KeyId(),
		Provider:    props.Provider,
	})
	return k
}

// LogsStatement lets CloudWatch Logs encrypt this account's log groups with the key:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
func LogsStatement(a iam.Account) iam.Statement {
	logs := iam.ServiceAllow("CloudWatchLogsUsesKey", a.ServiceHost("logs"),
		[]string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"}, []string{"*"})
	logs.Condition = map[string]map[string]any{
		"ArnLike": {"kms:EncryptionContext:aws:logs:arn": a.ARN("logs", "log-group:*")},
	}
	return logs
}

// Publishers let EventBridge rules (and CloudWatch alarms, with alarms) publish to a topic
// encrypted with the key, as AWS documents them (neither service sends a condition key these
// statements could check):
// CloudWatch: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
// EventBridge: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html
// ("If your SNS topic is encrypted, you must include the following section in your KMS key policy").
func Publishers(alarms bool) []iam.Statement {
	events := iam.ServiceAllow("EventBridgeRulesPublish", "events.amazonaws.com", []string{"kms:Decrypt", "kms:GenerateDataKey"}, []string{"*"})
	if !alarms {
		return []iam.Statement{events}
	}
	cw := iam.ServiceAllow("CloudWatchAlarmsPublish", "cloudwatch.amazonaws.com", []string{"kms:Decrypt", "kms:GenerateDataKey*"}, []string{"*"})
	return []iam.Statement{cw, events}
}

// TrailStatements are AWS's documented key policy for CloudTrail, each scoped to our trail:
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
// DescribeKey carries no encryption context, so it has its own statement. Decrypt, because the
// audit bucket uses an S3 Bucket Key: "If you are using an existing S3 bucket with an S3 Bucket
// Key, kms:Decrypt permissions are required to create or update a trail with SSE-KMS encryption".
func TrailStatements(a iam.Account, trailARN string) []iam.Statement {
	trail := func(sid string, actions []string, condition map[string]map[string]any) iam.Statement {
		s := iam.ServiceAllow(sid, "cloudtrail.amazonaws.com", actions, []string{"*"})
		s.Condition = condition
		return s
	}
	source := map[string]any{"aws:SourceArn": trailARN}
	return []iam.Statement{
		trail("CloudTrailEncryptsLogs", []string{"kms:GenerateDataKey*"}, map[string]map[string]any{
			"StringEquals": source,
			"StringLike":   {"kms:EncryptionContext:aws:cloudtrail:arn": fmt.Sprintf("arn:%s:cloudtrail:*:%s:trail/*", a.Partition, a.ID)},
		}),
		trail("CloudTrailDescribesKey", []string{"kms:DescribeKey"}, map[string]map[string]any{"StringEquals": source}),
		trail("CloudTrailDecryptsWithBucketKey", []string{"kms:Decrypt"}, map[string]map[string]any{"StringEquals": source}),
	}
}
