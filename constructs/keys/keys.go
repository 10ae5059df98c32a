// Package keys creates the customer-managed KMS keys, one per data domain (PCI-DSS 3.5, 3.6).
package keys

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmsalias"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"

	"github.com/scalepayments/infra/help"
)

// Props configures the keys of one environment.
type Props struct {
	Namer              help.Namer
	Account            help.Account
	DeletionWindowDays int
	AccountBaseline    bool // adds the audit key for CloudTrail and AWS Config
}

// Keys are the customer-managed keys, each with rotation on and an alias.
type Keys struct {
	Database kmskey.KmsKey // Aurora storage, Performance Insights, the master secret
	Cache    kmskey.KmsKey // ElastiCache at rest and snapshots
	Logs     kmskey.KmsKey // every CloudWatch log group
	Secrets  kmskey.KmsKey // application secrets in Secrets Manager
	Images   kmskey.KmsKey // ECR repositories
	Alarms   kmskey.KmsKey // the alarm SNS topic
	Audit    kmskey.KmsKey // CloudTrail and AWS Config deliveries; nil without the account baseline
}

// New creates the keys.
func New(scope constructs.Construct, id string, props *Props) *Keys {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	a := props.Account
	root := help.Allow("AccountAdministersKey", []string{"kms:*"}, []string{"*"})
	root.Principal = map[string]any{"AWS": a.Root()}

	logs := help.Allow("CloudWatchLogsUsesKey",
		[]string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"}, []string{"*"})
	logs.Principal = help.ServicePrincipal(a.ServiceHost("logs"))
	logs.Condition = map[string]map[string]any{
		"ArnLike": {"kms:EncryptionContext:aws:logs:arn": a.ARN("logs", "log-group:*")},
	}

	key := func(domain, description string, statements ...help.Statement) kmskey.KmsKey {
		name := props.Namer.Name(help.MaxKMSAliasName-len("alias/"), domain)
		k := kmskey.NewKmsKey(scope, jsii.String(domain), &kmskey.KmsKeyConfig{
			Description:          jsii.String(description),
			EnableKeyRotation:    jsii.Bool(true),
			DeletionWindowInDays: jsii.Number(float64(props.DeletionWindowDays)),
			// In a key policy "*" as resource means "this key": a key policy cannot name its own ARN.
			Policy: jsii.String(help.Policy(append([]help.Statement{root}, statements...)...)),
			Tags:   help.NameTag(name),
		})
		kmsalias.NewKmsAlias(scope, jsii.String(domain+"-alias"), &kmsalias.KmsAliasConfig{
			Name:        jsii.String("alias/" + name),
			TargetKeyId: k.KeyId(),
		})
		return k
	}
	alarms := help.Allow("CloudWatchPublishesAlarms", []string{"kms:Decrypt", "kms:GenerateDataKey*"}, []string{"*"})
	alarms.Principal = help.ServicePrincipal("cloudwatch.amazonaws.com")
	alarms.Condition = map[string]map[string]any{"StringEquals": {"aws:SourceAccount": a.ID}}

	k := &Keys{
		Database: key("database", "Aurora PostgreSQL storage, Performance Insights and master secret"),
		Cache:    key("cache", "ElastiCache Redis data at rest and snapshots"),
		Logs:     key("logs", "CloudWatch Logs log groups", logs),
		Secrets:  key("secrets", "Application secrets in Secrets Manager"),
		Images:   key("images", "ECR container images"),
		Alarms:   key("alarms", "Alarm notifications in SNS", alarms),
	}
	if props.AccountBaseline {
		trail := help.Allow("CloudTrailEncryptsLogs", []string{"kms:GenerateDataKey*", "kms:DescribeKey"}, []string{"*"})
		trail.Principal = help.ServicePrincipal("cloudtrail.amazonaws.com")
		trail.Condition = map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": a.ID},
			"StringLike":   {"kms:EncryptionContext:aws:cloudtrail:arn": fmt.Sprintf("arn:%s:cloudtrail:*:%s:trail/*", a.Partition, a.ID)},
		}
		k.Audit = key("audit", "CloudTrail and AWS Config deliveries", trail)
	}
	return k
}
