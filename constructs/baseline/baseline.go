// Package baseline creates the account-wide controls, once per account and region, in the
// account's own stack: GuardDuty, AWS Config and (in the home region) one multi-region
// CloudTrail delivering to an encrypted, TLS-only audit bucket, Security Hub with the PCI DSS
// v4.0.1 and AWS Foundational Security Best Practices standards, IAM Access Analyzer, the
// password policy, the S3 account-level public access block, EBS encryption by default, the
// environments' public DNS zones, and a findings topic (PCI-DSS 8.3, 10.2, 10.3, 10.5, 11.3, 11.5).
package baseline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/accessanalyzeranalyzer"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudtrail"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/configconfigurationrecorder"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/configconfigurationrecorderstatus"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/configdeliverychannel"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ebsencryptionbydefault"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/guarddutydetector"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/guarddutydetectorfeature"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamaccountpasswordpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53zone"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3accountpublicaccessblock"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securityhubaccount"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securityhubstandardscontrolassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securityhubstandardssubscription"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/bucket"
	"github.com/scalepayments/infra/constructs/keys"
	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/constructs/moved"
	"github.com/scalepayments/infra/constructs/notify"
	"github.com/scalepayments/infra/constructs/role"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// GuardDutyFeatures are the protections on in every account: S3 and Aurora, which the platform
// uses, and Lambda network logs and runtime monitoring (Security Hub GuardDuty.6 and .7), which
// cost nothing without Lambda functions or EKS clusters and cover them if one appears.
var GuardDutyFeatures = []string{"S3_DATA_EVENTS", "RDS_LOGIN_EVENTS", "LAMBDA_NETWORK_LOGS", "RUNTIME_MONITORING"}

// RuntimeAgents says which runtime-monitoring agents GuardDuty deploys and manages. The ECS
// Fargate agent stays off: GuardDuty would add a sidecar to every task, pulled from GuardDuty's
// own registry by the task's execution role, which may pull only its service's repository.
var RuntimeAgents = map[string]string{"EKS_ADDON_MANAGEMENT": "ENABLED", "ECS_FARGATE_AGENT_MANAGEMENT": "DISABLED", "EC2_AGENT_MANAGEMENT": "DISABLED"}

// AuditRetentionDays keeps the audit bucket beyond PCI-DSS 10.5.1's one year (the CloudWatch copy
// follows the environment's log retention).
const AuditRetentionDays = 400

// Props configures the baseline of one account in one region.
type Props struct {
	Namer   naming.Namer // the account's: scalepayments-<account>-...
	Account iam.Account
	// Home is the account's home region: the multi-region trail and the global settings
	// (password policy, S3 account-level public access block) live only there.
	Home               bool
	DeletionWindowDays int
	LogRetentionDays   int
	Notify             envconfig.Notifications // who receives security findings
	Zones              []string                // public DNS zones of the environments hosted here
	// DataEventBuckets are the environments' bucket names whose object reads and writes the
	// trail logs (Security Hub S3.22, S3.23), named one by one so the cost stays bounded. Never
	// the audit bucket: logging the trail's own deliveries would feed on itself.
	DataEventBuckets []string
	// AuditLock is the audit bucket's Object Lock: compliance mode where the account hosts
	// production, governance mode otherwise, for LogRetentionDays.
	AuditLock string
	// Controls are the PCI DSS controls the account states an association for, each with the
	// reason a recorded exception disables it, or "" where none does any more: the control is
	// then ENABLED again, because the provider only forgets an association it deletes
	// (judge.SecurityHubControls).
	Controls map[string]string
	// Moves receives the moved blocks of renamed resources.
	Moves *moved.Blocks
}

// Baseline exposes the account-level resources.
type Baseline struct {
	Detector      guarddutydetector.GuarddutyDetector
	Recorder      configconfigurationrecorder.ConfigConfigurationRecorder
	Trail         cloudtrail.Cloudtrail // nil outside the home region
	Bucket        *bucket.Bucket
	TrailLogGroup *logs.Group
	Findings      *notify.Topic
	Zones         map[string]route53zone.Route53Zone
}

// SecurityHubStandards are the standards AWS keeps evaluating the account against: PCI DSS
// v4.0.1 (what an assessor scores) and AWS Foundational Security Best Practices.
var SecurityHubStandards = []string{help.PCIStandard, "aws-foundational-security-best-practices/v/1.0.0"}

// MinSeverity routes medium (GuardDuty 4.0) and higher findings; low ones stay in the consoles.
const MinSeverity = 4

// eventSelectors are the trail's events: every management event, as before, and S3 object
// events of the named buckets. Advanced selectors replace the basic ones, so management events
// need their own selector.
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
func eventSelectors(a iam.Account, buckets []string) []*cloudtrail.CloudtrailAdvancedEventSelector {
	field := func(name string, values ...string) *cloudtrail.CloudtrailAdvancedEventSelectorFieldSelector {
		return &cloudtrail.CloudtrailAdvancedEventSelectorFieldSelector{Field: jsii.String(name), EqualTo: jsii.Strings(values...)}
	}
	out := []*cloudtrail.CloudtrailAdvancedEventSelector{{
		Name: jsii.String("Management events"), FieldSelector: []*cloudtrail.CloudtrailAdvancedEventSelectorFieldSelector{field("eventCategory", "Management")},
	}}
	if len(buckets) == 0 {
		return out
	}
	var prefixes []string
	for _, b := range buckets {
		prefixes = append(prefixes, a.S3ARN(b)+"/")
	}
	objects := field("resources.ARN")
	objects.EqualTo, objects.StartsWith = nil, jsii.Strings(prefixes...)
	return append(out, &cloudtrail.CloudtrailAdvancedEventSelector{
		Name: jsii.String("Object reads and writes of the platform's buckets"),
		FieldSelector: []*cloudtrail.CloudtrailAdvancedEventSelectorFieldSelector{
			field("eventCategory", "Data"), field("resources.type", "AWS::S3::Object"), objects,
		},
	})
}

// TrailName is the multi-region trail's name; the audit key's policy names the trail too.
func TrailName(n naming.Namer) string { return n.Name(naming.MaxCloudTrailName, "trail") }

const auditBucket = "audit"

// AuditBucketPattern matches the name of the audit bucket in any account.
func AuditBucketPattern(n naming.Namer) string { return n.Bucket("*", auditBucket) }

// New creates the baseline.
func New(scope constructs.Construct, id string, props *Props) *Baseline {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	n, a := props.Namer, props.Account
	b := &Baseline{Zones: map[string]route53zone.Route53Zone{}}
	keyProps := &keys.Props{Namer: n, Account: a, DeletionWindowDays: props.DeletionWindowDays}
	trailName := TrailName(n)
	trailArn := a.ARN("cloudtrail", "trail/"+trailName)
	var trailKey []iam.Statement
	if props.Home {
		trailKey = keys.TrailStatements(a, trailArn)
	}
	auditKey := keys.Key(scope, keyProps, "audit", "CloudTrail and AWS Config deliveries", trailKey...).Arn()
	logsKey := keys.Key(scope, keyProps, "logs", "CloudWatch Logs log groups", keys.LogsStatement(a)).Arn()
	b.Detector = guarddutydetector.NewGuarddutyDetector(scope, jsii.String("guardduty"), &guarddutydetector.GuarddutyDetectorConfig{
		Enable: jsii.Bool(true), FindingPublishingFrequency: jsii.String("FIFTEEN_MINUTES"),
		Tags: naming.NameTag(n.Name(naming.MaxName, "guardduty")),
	})
	for _, f := range GuardDutyFeatures {
		cfg := &guarddutydetectorfeature.GuarddutyDetectorFeatureConfig{DetectorId: b.Detector.Id(), Name: jsii.String(f), Status: jsii.String("ENABLED")}
		if f == "RUNTIME_MONITORING" {
			var agents []*guarddutydetectorfeature.GuarddutyDetectorFeatureAdditionalConfiguration
			for _, name := range help.SortedKeys(RuntimeAgents) {
				agents = append(agents, &guarddutydetectorfeature.GuarddutyDetectorFeatureAdditionalConfiguration{Name: jsii.String(name), Status: jsii.String(RuntimeAgents[name])})
			}
			cfg.AdditionalConfiguration = agents
		}
		guarddutydetectorfeature.NewGuarddutyDetectorFeature(scope, jsii.String("guardduty-"+f), cfg)
	}

	auditName := n.Bucket(a.ID, auditBucket)
	b.Bucket = bucket.New(scope, "audit-bucket", &bucket.Props{
		Name: auditName, KMSKeyARN: auditKey, ExpireDays: AuditRetentionDays,
		AccessLogs: bucket.NewAccessLogs(scope, n, a, auditName),
		Lock:       &bucket.Lock{Mode: props.AuditLock, Days: props.LogRetentionDays},
		// CloudTrail: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
		// Config: https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html
		Statements: func(arn string) []iam.Statement {
			return []iam.Statement{
				servicePut("CloudTrailAclCheck", "cloudtrail.amazonaws.com", []string{"s3:GetBucketAcl"}, arn, map[string]any{"aws:SourceArn": trailArn}),
				servicePut("CloudTrailWrite", "cloudtrail.amazonaws.com", []string{"s3:PutObject"}, arn+"/cloudtrail/AWSLogs/"+a.ID+"/*", map[string]any{"aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control"}),
				servicePut("ConfigAclCheck", "config.amazonaws.com", []string{"s3:GetBucketAcl", "s3:ListBucket"}, arn, map[string]any{"aws:SourceAccount": a.ID}),
				servicePut("ConfigWrite", "config.amazonaws.com", []string{"s3:PutObject"}, arn+"/config/AWSLogs/"+a.ID+"/Config/*", map[string]any{"aws:SourceAccount": a.ID, "s3:x-amz-acl": "bucket-owner-full-control"}),
			}
		},
	})
	bucketName := b.Bucket.Bucket()
	bucketArn := *b.Bucket.Arn()

	// https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html and, for the
	// audit key, https://docs.aws.amazon.com/config/latest/developerguide/s3-kms-key-policy.html
	configRole := role.New(scope, "config-role", &role.Props{
		Name: n.Global(naming.MaxIAMRoleName, "config"), Service: "config.amazonaws.com", Account: a,
		ManagedPolicies: []string{"service-role/AWS_ConfigRole"},
		Policies: map[string]string{"deliver": iam.Policy(
			iam.Allow("CheckBucket", []string{"s3:GetBucketAcl"}, []string{bucketArn}),
			iam.Allow("Deliver", []string{"s3:PutObject"}, []string{bucketArn + "/config/AWSLogs/" + a.ID + "/*"}),
			iam.Allow("Encrypt", []string{"kms:GenerateDataKey", "kms:Decrypt"}, []string{*auditKey}),
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
		S3KmsKeyArn:  auditKey,
		SnapshotDeliveryProperties: &configdeliverychannel.ConfigDeliveryChannelSnapshotDeliveryProperties{
			DeliveryFrequency: jsii.String("TwentyFour_Hours"),
		},
		// Config checks that it can write to the bucket with the role when the channel is created.
		DependsOn: configRole.After(b.Recorder, b.Bucket.Policy),
	})
	configconfigurationrecorderstatus.NewConfigConfigurationRecorderStatus(scope, jsii.String("config-status"), &configconfigurationrecorderstatus.ConfigConfigurationRecorderStatusConfig{
		Name: b.Recorder.Name(), IsEnabled: jsii.Bool(true),
		// Recording starts only once the role holds AWS_ConfigRole.
		DependsOn: configRole.After(channel),
	})

	if props.Home {
		b.TrailLogGroup = logs.New(scope, "trail-logs", &logs.Props{
			Name: n.Path("cloudtrail"), RetentionDays: props.LogRetentionDays, KMSKeyARN: logsKey,
		})
		// AWS: "Confused deputy prevention is not applicable to the role policy for CloudWatch Logs
		// monitoring" (aws:SourceArn/aws:SourceAccount are not supported): CreateTrail fails with them.
		// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html
		trailRole := role.New(scope, "trail-role", &role.Props{
			Name: n.Global(naming.MaxIAMRoleName, "cloudtrail-logs"), Service: "cloudtrail.amazonaws.com", Account: a, NoSourceAccount: true,
			Policies: map[string]string{"deliver": iam.Policy(iam.Allow("WriteTrailLogs",
				[]string{"logs:CreateLogStream", "logs:PutLogEvents"}, []string{*b.TrailLogGroup.Arn() + ":*"}))},
		})
		b.Trail = cloudtrail.NewCloudtrail(scope, jsii.String(naming.TrailID), &cloudtrail.CloudtrailConfig{
			Name:                       jsii.String(trailName),
			S3BucketName:               bucketName,
			S3KeyPrefix:                jsii.String("cloudtrail"),
			IsMultiRegionTrail:         jsii.Bool(true),
			IncludeGlobalServiceEvents: jsii.Bool(true),
			EnableLogFileValidation:    jsii.Bool(true),
			KmsKeyId:                   auditKey,
			CloudWatchLogsGroupArn:     jsii.String(*b.TrailLogGroup.Arn() + ":*"), // CloudTrail wants the stream wildcard
			CloudWatchLogsRoleArn:      trailRole.Role.Arn(),
			AdvancedEventSelector:      eventSelectors(a, props.DataEventBuckets),
			// CreateTrail checks the bucket policy and that it can assume the role and write the group.
			DependsOn: trailRole.After(b.Bucket.Policy),
			Tags:      naming.NameTag(trailName),
		})
	}
	b.accountControls(scope, props)
	b.Findings = notify.New(scope, "topic", &notify.Props{
		Namer: n, Account: a, Name: "security-findings", Notify: props.Notify,
		// The account's own alarms (the run task's, the CIS ones) page the same people.
		KMSKeyARN:        keys.Key(scope, keyProps, "findings", "Security findings and account alarms in SNS", keys.Publishers(true)...).Arn(),
		CloudWatchAlarms: true,
		Events: map[string]any{
			"guardduty-findings": map[string]any{
				"source": []string{"aws.guardduty"}, "detail-type": []string{"GuardDuty Finding"},
				"detail": map[string]any{"severity": []any{map[string]any{"numeric": []any{">=", MinSeverity}}}},
			},
			"securityhub-findings": map[string]any{
				"source": []string{"aws.securityhub"}, "detail-type": []string{"Security Hub Findings - Imported"},
				"detail": map[string]any{"findings": map[string]any{
					"Severity": map[string]any{"Label": []string{"HIGH", "CRITICAL"}}, "Workflow": map[string]any{"Status": []string{"NEW"}},
					"RecordState": []string{"ACTIVE"},
				}},
			},
		},
	})
	for _, zone := range props.Zones {
		b.Zones[zone] = route53zone.NewRoute53Zone(scope, jsii.String("zone-"+naming.Slug(zone)), &route53zone.Route53ZoneConfig{
			Name: jsii.String(zone), Comment: jsii.String("ScalePayments public zone; delegate it from its parent with the name servers output"),
			Tags: naming.NameTag(zone),
		})
	}
	return b
}

// accountControls are Security Hub with its standards, IAM Access Analyzer, EBS encryption by
// default and, in the home region, the account's password policy and S3 public access block.
func (b *Baseline) accountControls(scope constructs.Construct, props *Props) {
	n, a := props.Namer, props.Account
	hub := securityhubaccount.NewSecurityhubAccount(scope, jsii.String("security-hub"), &securityhubaccount.SecurityhubAccountConfig{
		EnableDefaultStandards: jsii.Bool(false), AutoEnableControls: jsii.Bool(true), ControlFindingGenerator: jsii.String("SECURITY_CONTROL"),
	})
	for _, std := range SecurityHubStandards {
		arn := fmt.Sprintf("arn:%s:securityhub:%s::standards/%s", a.Partition, a.Region, std)
		sub := securityhubstandardssubscription.NewSecurityhubStandardsSubscription(scope, jsii.String("standard-"+naming.Slug(std)), &securityhubstandardssubscription.SecurityhubStandardsSubscriptionConfig{
			StandardsArn: jsii.String(arn),
			DependsOn:    &[]cdktf.ITerraformDependable{hub},
		})
		if std != help.PCIStandard {
			continue
		}
		// The association API names the control by its security control id, so no per-standard
		// control ARN is needed: https://docs.aws.amazon.com/securityhub/latest/userguide/disable-controls-standard.html
		// It fails for a control outside the standard: each one is in AWS's PCI DSS v4.0.1 list
		// (https://docs.aws.amazon.com/securityhub/latest/userguide/pci-standard.html).
		path := strings.Split(*scope.Node().Path(), "/")[1:]
		for _, control := range help.SortedKeys(props.Controls) {
			cfg := &securityhubstandardscontrolassociation.SecurityhubStandardsControlAssociationConfig{
				StandardsArn: jsii.String(arn), SecurityControlId: jsii.String(control), AssociationStatus: jsii.String("ENABLED"),
				DependsOn: &[]cdktf.ITerraformDependable{sub},
			}
			if reason := props.Controls[control]; reason != "" {
				cfg.AssociationStatus, cfg.UpdatedReason = jsii.String("DISABLED"), jsii.String(reason)
			}
			id := "control-" + naming.Slug(control)
			securityhubstandardscontrolassociation.NewSecurityhubStandardsControlAssociation(scope, jsii.String(id), cfg)
			props.Moves.Add("aws_securityhub_standards_control_association", append(slices.Clone(path), id), append(slices.Clone(path), "disabled-"+naming.Slug(control)))
		}
	}
	analyzer := n.Name(naming.MaxName, "access-analyzer")
	accessanalyzeranalyzer.NewAccessanalyzerAnalyzer(scope, jsii.String("access-analyzer"), &accessanalyzeranalyzer.AccessanalyzerAnalyzerConfig{
		AnalyzerName: jsii.String(analyzer), Type: jsii.String("ACCOUNT"), Tags: naming.NameTag(analyzer),
	})
	ebsencryptionbydefault.NewEbsEncryptionByDefault(scope, jsii.String("ebs-encryption"), &ebsencryptionbydefault.EbsEncryptionByDefaultConfig{Enabled: jsii.Bool(true)})
	if !props.Home {
		return
	}
	// PCI-DSS 8.3.6 (at least 12 characters, letters and digits), 8.3.7 (not one of the last
	// four), 8.3.9 (changed every 90 days); CIS asks for 14 characters and 24 remembered.
	iamaccountpasswordpolicy.NewIamAccountPasswordPolicy(scope, jsii.String("password-policy"), &iamaccountpasswordpolicy.IamAccountPasswordPolicyConfig{
		MinimumPasswordLength: jsii.Number(14), RequireLowercaseCharacters: jsii.Bool(true), RequireUppercaseCharacters: jsii.Bool(true),
		RequireNumbers: jsii.Bool(true), RequireSymbols: jsii.Bool(true), AllowUsersToChangePassword: jsii.Bool(true),
		MaxPasswordAge: jsii.Number(90), PasswordReusePrevention: jsii.Number(24),
	})
	s3accountpublicaccessblock.NewS3AccountPublicAccessBlock(scope, jsii.String("s3-public-access-block"), &s3accountpublicaccessblock.S3AccountPublicAccessBlockConfig{
		BlockPublicAcls: jsii.Bool(true), BlockPublicPolicy: jsii.Bool(true), IgnorePublicAcls: jsii.Bool(true), RestrictPublicBuckets: jsii.Bool(true),
	})
}

func servicePut(sid, service string, actions []string, resource string, condition map[string]any) iam.Statement {
	s := iam.ServiceAllow(sid, service, actions, []string{resource})
	s.Condition = map[string]map[string]any{"StringEquals": condition}
	return s
}
