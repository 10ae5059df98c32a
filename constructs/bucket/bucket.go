// Package bucket creates an S3 bucket the way every log or audit bucket here needs it:
// owner-enforced, versioned, public access blocked, encrypted, TLS-only, with a lifecycle
// that keeps objects at least a year (PCI-DSS 3.5, 4.2, 10.5.1).
package bucket

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucket"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketlifecycleconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketlogging"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketobjectlockconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketownershipcontrols"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketpublicaccessblock"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketserversideencryptionconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketversioning"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// Props configures one bucket.
type Props struct {
	Name string
	// KMSKeyARN encrypts with a CMK; nil means SSE-S3, only for services that support
	// nothing else (ALB access logs).
	KMSKeyARN *string
	// Statements grant writers (log delivery services); TLS-only is always added.
	Statements func(arn string) []iam.Statement
	// ExpireDays deletes objects after this many days (at least 365).
	ExpireDays int
	// AccessLogs, when set, receives the bucket's S3 server access logs (Security Hub S3.9).
	AccessLogs *Bucket
	// Lock, when set, turns on S3 Object Lock with a default retention (Security Hub S3.15):
	// no object version can be deleted or overwritten before it ends.
	Lock *Lock
}

// Lock is an Object Lock default retention: COMPLIANCE (nobody, not even the root user, can
// shorten it) or GOVERNANCE (principals with s3:BypassGovernanceRetention can), for Days.
type Lock struct {
	Mode string
	Days int
}

// Bucket is the bucket; its configuration resources belong to it.
type Bucket struct {
	s3bucket.S3Bucket
	Policy s3bucketpolicy.S3BucketPolicy
}

// New creates the bucket and its configuration.
func New(scope constructs.Construct, id string, props *Props) *Bucket {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	b := s3bucket.NewS3Bucket(scope, jsii.String("bucket"), &s3bucket.S3BucketConfig{
		Bucket: jsii.String(props.Name),
		Tags:   naming.NameTag(props.Name),
	})
	bucketID := b.Id() // read from jsii once: every configuration resource names the bucket

	s3bucketownershipcontrols.NewS3BucketOwnershipControls(scope, jsii.String("ownership"), &s3bucketownershipcontrols.S3BucketOwnershipControlsConfig{
		Bucket: bucketID,
		Rule:   &s3bucketownershipcontrols.S3BucketOwnershipControlsRule{ObjectOwnership: jsii.String("BucketOwnerEnforced")},
	})
	s3bucketpublicaccessblock.NewS3BucketPublicAccessBlock(scope, jsii.String("public-access"), &s3bucketpublicaccessblock.S3BucketPublicAccessBlockConfig{
		Bucket:                bucketID,
		BlockPublicAcls:       jsii.Bool(true),
		BlockPublicPolicy:     jsii.Bool(true),
		IgnorePublicAcls:      jsii.Bool(true),
		RestrictPublicBuckets: jsii.Bool(true),
	})
	versioning := s3bucketversioning.NewS3BucketVersioningA(scope, jsii.String("versioning"), &s3bucketversioning.S3BucketVersioningAConfig{
		Bucket:                  bucketID,
		VersioningConfiguration: &s3bucketversioning.S3BucketVersioningVersioningConfiguration{Status: jsii.String("Enabled")},
	})
	sse := &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA{
		SseAlgorithm: jsii.String("AES256"),
	}
	if props.KMSKeyARN != nil {
		sse.SseAlgorithm, sse.KmsMasterKeyId = jsii.String("aws:kms"), props.KMSKeyARN
	}
	s3bucketserversideencryptionconfiguration.NewS3BucketServerSideEncryptionConfigurationA(scope, jsii.String("encryption"), &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationAConfig{
		Bucket: bucketID,
		Rule: []*s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleA{{
			ApplyServerSideEncryptionByDefault: sse,
			BucketKeyEnabled:                   jsii.Bool(props.KMSKeyARN != nil),
		}},
	})
	// Object Lock and noncurrent-version rules need versioning on first, which the bucket id
	// does not say: "Configuring S3 Object Lock" (AWS), and the provider's
	// s3_bucket_object_lock_configuration and s3_bucket_lifecycle_configuration pages.
	afterVersioning := &[]cdktf.ITerraformDependable{versioning}
	if props.Lock != nil {
		// On an existing bucket too: S3 enables Object Lock on a versioned bucket in place, so
		// the bucket is not replaced.
		s3bucketobjectlockconfiguration.NewS3BucketObjectLockConfigurationA(scope, jsii.String("object-lock"), &s3bucketobjectlockconfiguration.S3BucketObjectLockConfigurationAConfig{
			Bucket: bucketID, ObjectLockEnabled: jsii.String("Enabled"), DependsOn: afterVersioning,
			Rule: &s3bucketobjectlockconfiguration.S3BucketObjectLockConfigurationRuleA{
				DefaultRetention: &s3bucketobjectlockconfiguration.S3BucketObjectLockConfigurationRuleDefaultRetentionA{
					Mode: jsii.String(props.Lock.Mode), Days: jsii.Number(float64(props.Lock.Days)),
				},
			},
		})
	}
	s3bucketlifecycleconfiguration.NewS3BucketLifecycleConfiguration(scope, jsii.String("lifecycle"), &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationConfig{
		Bucket: bucketID, DependsOn: afterVersioning,
		Rule: []*s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRule{{
			Id:     jsii.String("retain-then-expire"),
			Status: jsii.String("Enabled"),
			Filter: []*s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleFilter{{Prefix: jsii.String("")}},
			Transition: []*s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleTransition{{
				Days: jsii.Number(90), StorageClass: jsii.String("GLACIER_IR"),
			}},
			Expiration:                     []*s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleExpiration{{Days: jsii.Number(float64(props.ExpireDays))}},
			NoncurrentVersionExpiration:    []*s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration{{NoncurrentDays: jsii.Number(float64(props.ExpireDays))}},
			AbortIncompleteMultipartUpload: []*s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload{{DaysAfterInitiation: jsii.Number(7)}},
		}},
	})
	if props.AccessLogs != nil {
		// After the grant to logging.s3.amazonaws.com, which Terraform cannot see through the id.
		s3bucketlogging.NewS3BucketLoggingA(scope, jsii.String("access-logging"), &s3bucketlogging.S3BucketLoggingAConfig{
			Bucket: bucketID, TargetBucket: props.AccessLogs.Id(), TargetPrefix: jsii.String(props.Name + "/"),
			DependsOn: &[]cdktf.ITerraformDependable{props.AccessLogs.Policy},
		})
	}
	arn := *b.Arn()
	tls := iam.Statement{
		Sid: "DenyInsecureTransport", Effect: "Deny", Principal: map[string]any{"AWS": "*"},
		Action: []string{"s3:*"}, Resource: []string{arn, arn + "/*"},
		Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
	}
	statements := []iam.Statement{tls}
	if props.Statements != nil {
		statements = append(statements, props.Statements(arn)...)
	}
	policy := s3bucketpolicy.NewS3BucketPolicy(scope, jsii.String("policy"), &s3bucketpolicy.S3BucketPolicyConfig{
		Bucket: bucketID,
		Policy: jsii.String(iam.Policy(statements...)),
	})
	return &Bucket{S3Bucket: b, Policy: policy}
}

// AccessLogsName is the name of a stack's S3 server access-log bucket in account.
func AccessLogsName(n naming.Namer, account string) string {
	return n.Bucket(account, naming.AccessLogsID)
}

// NewAccessLogs creates the bucket that receives the S3 server access logs of the bucket named
// source in account (in its region: S3 delivers only there). S3 delivers them only to a bucket
// encrypted with SSE-S3 and without a default Object Lock retention, so this bucket is an
// exception to S3.17 (stacks/judge Exceptions); it does not log itself (S3.9): its own access log
// would log itself without end.
// Policy: "Grant permissions to the logging service principal by using a bucket policy",
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
func NewAccessLogs(scope constructs.Construct, n naming.Namer, account iam.Account, source string) *Bucket {
	return New(scope, naming.AccessLogsID, &Props{
		Name:       AccessLogsName(n, account.ID),
		ExpireDays: 365,
		Statements: func(arn string) []iam.Statement {
			s := iam.ServiceAllow("S3ServerAccessLogs0", "logging.s3.amazonaws.com", []string{"s3:PutObject"}, []string{arn + "/" + source + "/*"})
			s.Condition = map[string]map[string]any{
				"ArnLike":      {"aws:SourceArn": account.S3ARN(source)},
				"StringEquals": {"aws:SourceAccount": account.ID},
			}
			return []iam.Statement{s}
		},
	})
}
