// Package baseline creates the account-level controls, once per account and region, in the
// environment that owns them: GuardDuty, AWS Config and a multi-region CloudTrail, delivering
// to an encrypted, TLS-only audit bucket (PCI-DSS 10.2, 10.3, 10.5, 11.5).
package baseline

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudtrail"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/configconfigurationrecorder"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/configconfigurationrecorderstatus"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/configdeliverychannel"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/guarddutydetector"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/guarddutydetectorfeature"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/bucket"
	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/constructs/role"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// GuardDutyFeatures are the protections that apply to this platform (S3 and Aurora). ECS
// runtime monitoring is left off: its agent sidecar needs image pulls our execution roles deny.
var GuardDutyFeatures = []string{"S3_DATA_EVENTS", "RDS_LOGIN_EVENTS"}

// AuditRetentionDays keeps the audit bucket beyond PCI-DSS 10.5.1's one year (the CloudWatch copy
// follows the environment's log retention).
const AuditRetentionDays = 400

// Props configures the baseline.
type Props struct {
	Namer            naming.Namer
	Account          iam.Account
	AuditKeyARN      *string
	LogsKeyARN       *string
	LogRetentionDays int
}

// Baseline exposes the account-level resources.
type Baseline struct {
	Detector      guarddutydetector.GuarddutyDetector
	Recorder      configconfigurationrecorder.ConfigConfigurationRecorder
	Trail         cloudtrail.Cloudtrail
	Bucket        *bucket.Bucket
	TrailLogGroup *logs.Group
}

// TrailName is the multi-region trail's name; the audit key's policy names the trail too.
func TrailName(n naming.Namer) string { return n.Name(naming.MaxCloudTrailName, "trail") }

// New creates the baseline.
func New(scope constructs.Construct, id string, props *Props) *Baseline {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	n, a := props.Namer, props.Account
	b := &Baseline{}
	b.Detector = guarddutydetector.NewGuarddutyDetector(scope, jsii.String("guardduty"), &guarddutydetector.GuarddutyDetectorConfig{
		Enable: jsii.Bool(true), FindingPublishingFrequency: jsii.String("FIFTEEN_MINUTES"),
		Tags: naming.NameTag(n.Name(naming.MaxName, "guardduty")),
	})
	for _, f := range GuardDutyFeatures {
		guarddutydetectorfeature.NewGuarddutyDetectorFeature(scope, jsii.String("guardduty-"+f), &guarddutydetectorfeature.GuarddutyDetectorFeatureConfig{
			DetectorId: b.Detector.Id(), Name: jsii.String(f), Status: jsii.String("ENABLED"),
		})
	}

	trailName := TrailName(n)
	trailArn := a.ARN("cloudtrail", "trail/"+trailName)
	b.Bucket = bucket.New(scope, "audit-bucket", &bucket.Props{
		Name: n.Bucket(a.ID, "audit"), KMSKeyARN: props.AuditKeyARN, ExpireDays: AuditRetentionDays,
		Statements: func(arn string) []iam.Statement {
			return []iam.Statement{
				servicePut("CloudTrailAclCheck", "cloudtrail.amazonaws.com", []string{"s3:GetBucketAcl"}, arn, map[string]any{"aws:SourceArn": trailArn}),
				servicePut("CloudTrailWrite", "cloudtrail.amazonaws.com", []string{"s3:PutObject"}, arn+"/cloudtrail/AWSLogs/"+a.ID+"/*", map[string]any{"aws:SourceArn": trailArn}),
				servicePut("ConfigAclCheck", "config.amazonaws.com", []string{"s3:GetBucketAcl", "s3:ListBucket"}, arn, map[string]any{"aws:SourceAccount": a.ID}),
				servicePut("ConfigWrite", "config.amazonaws.com", []string{"s3:PutObject"}, arn+"/config/AWSLogs/"+a.ID+"/Config/*", map[string]any{"aws:SourceAccount": a.ID}),
			}
		},
	})
	bucketName := b.Bucket.Bucket()
	bucketArn := *b.Bucket.Arn()

	configRole := role.New(scope, "config-role", &role.Props{
		Name: n.Global(naming.MaxIAMRoleName, "config"), Service: "config.amazonaws.com", Account: a,
		ManagedPolicies: []string{"service-role/AWS_ConfigRole"},
		Policies: map[string]string{"deliver": iam.Policy(
			iam.Allow("CheckBucket", []string{"s3:GetBucketAcl"}, []string{bucketArn}),
			iam.Allow("Deliver", []string{"s3:PutObject"}, []string{bucketArn + "/config/AWSLogs/" + a.ID + "/*"}),
			iam.Allow("Encrypt", []string{"kms:GenerateDataKey", "kms:Decrypt"}, []string{*props.AuditKeyARN}),
		)},
	})
	b.Recorder = configconfigurationrecorder.NewConfigConfigurationRecorder(scope, jsii.String("config-recorder"), &configconfigurationrecorder.ConfigConfigurationRecorderConfig{
		Name:    jsii.String(n.Name(naming.MaxName, "recorder")),
		RoleArn: configRole.Role.Arn(),
		RecordingGroup: &configconfigurationrecorder.ConfigConfigurationRecorderRecordingGroup{
			AllSupported: jsii.Bool(true), IncludeGlobalResourceTypes: jsii.Bool(true),
		},
	})
	channel := configdeliverychannel.NewConfigDeliveryChannel(scope, jsii.String("config-delivery"), &configdeliverychannel.ConfigDeliveryChannelConfig{
		Name:         jsii.String(n.Name(naming.MaxName, "delivery")),
		S3BucketName: bucketName,
		S3KeyPrefix:  jsii.String("config"),
		S3KmsKeyArn:  props.AuditKeyARN,
		SnapshotDeliveryProperties: &configdeliverychannel.ConfigDeliveryChannelSnapshotDeliveryProperties{
			DeliveryFrequency: jsii.String("TwentyFour_Hours"),
		},
		// Config checks that it can write to the bucket with the role when the channel is created.
		DependsOn: after(configRole.Grants, b.Recorder, b.Bucket.Policy),
	})
	configconfigurationrecorderstatus.NewConfigConfigurationRecorderStatus(scope, jsii.String("config-status"), &configconfigurationrecorderstatus.ConfigConfigurationRecorderStatusConfig{
		Name: b.Recorder.Name(), IsEnabled: jsii.Bool(true),
		// Recording starts only once the role holds AWS_ConfigRole.
		DependsOn: after(configRole.Grants, channel),
	})

	b.TrailLogGroup = logs.New(scope, "trail-logs", &logs.Props{
		Name: n.Path("cloudtrail"), RetentionDays: props.LogRetentionDays, KMSKeyARN: props.LogsKeyARN,
	})
	// AWS: "Confused deputy prevention is not applicable to the role policy for CloudWatch Logs
	// monitoring" (aws:SourceArn/aws:SourceAccount are not supported): CreateTrail fails with them.
	// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html
	trailRole := role.New(scope, "trail-role", &role.Props{
		Name: n.Global(naming.MaxIAMRoleName, "cloudtrail-logs"), Service: "cloudtrail.amazonaws.com", Account: a, NoSourceAccount: true,
		Policies: map[string]string{"deliver": iam.Policy(iam.Allow("WriteTrailLogs",
			[]string{"logs:CreateLogStream", "logs:PutLogEvents"}, []string{*b.TrailLogGroup.Arn() + ":*"}))},
	})
	b.Trail = cloudtrail.NewCloudtrail(scope, jsii.String("trail"), &cloudtrail.CloudtrailConfig{
		Name:                       jsii.String(trailName),
		S3BucketName:               bucketName,
		S3KeyPrefix:                jsii.String("cloudtrail"),
		IsMultiRegionTrail:         jsii.Bool(true),
		IncludeGlobalServiceEvents: jsii.Bool(true),
		EnableLogFileValidation:    jsii.Bool(true),
		KmsKeyId:                   props.AuditKeyARN,
		CloudWatchLogsGroupArn:     jsii.String(*b.TrailLogGroup.Arn() + ":*"), // CloudTrail wants the stream wildcard
		CloudWatchLogsRoleArn:      trailRole.Role.Arn(),
		// CreateTrail checks the bucket policy and that it can assume the role and write the group.
		DependsOn: after(trailRole.Grants, b.Bucket.Policy),
		Tags:      naming.NameTag(trailName),
	})
	return b
}

func servicePut(sid, service string, actions []string, resource string, condition map[string]any) iam.Statement {
	s := iam.Allow(sid, actions, []string{resource})
	s.Principal = iam.ServicePrincipal(service)
	s.Condition = map[string]map[string]any{"StringEquals": condition}
	return s
}

// after is a depends_on list: grants plus the resources named.
func after(grants []cdktf.ITerraformDependable, more ...cdktf.ITerraformDependable) *[]cdktf.ITerraformDependable {
	deps := append(append([]cdktf.ITerraformDependable{}, more...), grants...)
	return &deps
}
