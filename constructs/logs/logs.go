// Package logs creates CloudWatch log groups the way every construct needs them:
// KMS-encrypted and with the environment's retention (PCI-DSS 10.5).
package logs

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"

	"github.com/scalepayments/infra/help"
)

// Props configures one log group.
type Props struct {
	Name          string
	RetentionDays int
	KmsKeyArn     *string
}

// Logs is one KMS-encrypted log group.
type Logs struct {
	Group cloudwatchloggroup.CloudwatchLogGroup
}

// New creates the log group.
func New(scope constructs.Construct, id string, props *Props) *Logs {
	return &Logs{Group: cloudwatchloggroup.NewCloudwatchLogGroup(scope, jsii.String(id), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		Name:            jsii.String(props.Name),
		RetentionInDays: jsii.Number(float64(props.RetentionDays)),
		KmsKeyId:        props.KmsKeyArn,
		Tags:            help.NameTag(props.Name),
	})}
}
