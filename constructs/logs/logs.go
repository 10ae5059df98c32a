// Package logs creates CloudWatch log groups the way every construct needs them:
// KMS-encrypted and with the environment's retention (PCI-DSS 10.5).
package logs

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchlogdataprotectionpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"

	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/naming"
)

// Props configures one log group.
type Props struct {
	Name          string
	RetentionDays int
	KMSKeyARN     *string
	// MaskCardNumbers adds a data-protection policy that audits and masks card numbers (PCI-DSS 3.4).
	MaskCardNumbers bool
}

// Group is one KMS-encrypted log group.
type Group struct {
	cloudwatchloggroup.CloudwatchLogGroup
}

// CardNumber is AWS's managed data identifier for payment card numbers.
const CardNumber = "arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"

// New creates the log group.
func New(scope constructs.Construct, id string, props *Props) *Group {
	g := cloudwatchloggroup.NewCloudwatchLogGroup(scope, jsii.String(id), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		Name:            jsii.String(props.Name),
		RetentionInDays: jsii.Number(float64(props.RetentionDays)),
		KmsKeyId:        props.KMSKeyARN,
		Tags:            naming.NameTag(props.Name),
	})
	if props.MaskCardNumbers {
		cloudwatchlogdataprotectionpolicy.NewCloudwatchLogDataProtectionPolicy(scope, jsii.String(id+"-mask-pan"), &cloudwatchlogdataprotectionpolicy.CloudwatchLogDataProtectionPolicyConfig{
			LogGroupName:   g.Name(),
			PolicyDocument: jsii.String(maskPolicy(props.Name)),
		})
	}
	return &Group{g}
}

func maskPolicy(name string) string {
	identifiers := []string{CardNumber}
	return help.MustJSON(map[string]any{
		"Name": "mask-card-numbers", "Version": "2021-06-01",
		"Statement": []any{
			map[string]any{"Sid": "audit", "DataIdentifier": identifiers,
				"Operation": map[string]any{"Audit": map[string]any{"FindingsDestination": map[string]any{}}}},
			map[string]any{"Sid": "redact", "DataIdentifier": identifiers,
				"Operation": map[string]any{"Deidentify": map[string]any{"MaskConfig": map[string]any{}}}},
		},
		"Description": "Mask payment card numbers in " + name,
	})
}
