package unit

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/bucket"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/tests"
)

// The bucket construct takes no environment: it is built alone in three configurations, each
// a minimal stack named after it (failure messages name the configuration):
//   - sse-s3: nothing optional, as the edge makes its ALB log bucket (SSE-S3 only);
//   - kms-compliance-logged: a KMS key, a COMPLIANCE Object Lock, server access logs and a
//     writer's statement, as the baseline makes the audit bucket of an account with production;
//   - kms-governance: a KMS key and a GOVERNANCE Object Lock, without access logs.
const (
	bucketAuditKey  = "arn:aws:kms:us-east-1:111122223333:key/audit"
	bucketPlain     = "scalepayments-dev-alb-logs-111122223333"
	bucketAudit     = "scalepayments-prod-audit-111122223333"
	bucketAccessLog = "scalepayments-prod-s3-access-logs-111122223333"
	bucketLocked    = "scalepayments-staging-audit-111122223333"
)

var bucketVariants = []string{"sse-s3", "kms-compliance-logged", "kms-governance"}

// bucketOf is the bucket construct alone in one configuration.
func bucketOf(variant string) *tests.Doc {
	return tests.Minimal("bucket-"+variant, envconfig.Environment{Name: variant, Region: "us-east-1"}, func(stack cdktf.TerraformStack) {
		switch variant {
		case "sse-s3":
			bucket.New(stack, "bucket", &bucket.Props{Name: bucketPlain, ExpireDays: 365})
		case "kms-compliance-logged":
			namer := naming.Namer{Env: "prod", Code: "prod", Region: "us-east-1", Home: "us-east-1"}
			bucket.New(stack, "audit-bucket", &bucket.Props{
				Name: bucketAudit, KMSKeyARN: jsii.String(bucketAuditKey), ExpireDays: 400,
				AccessLogs: bucket.NewAccessLogs(stack, namer, tests.TestAccount, bucketAudit),
				Lock:       &bucket.Lock{Mode: "COMPLIANCE", Days: 365},
				Statements: func(arn string) []iam.Statement {
					return []iam.Statement{iam.ServiceAllow("ConfigWrite", "config.amazonaws.com", []string{"s3:PutObject"}, []string{arn + "/config/*"})}
				},
			})
		case "kms-governance":
			bucket.New(stack, "audit-bucket", &bucket.Props{
				Name: bucketLocked, KMSKeyARN: jsii.String(bucketAuditKey), ExpireDays: 400,
				Lock: &bucket.Lock{Mode: "GOVERNANCE", Days: 30},
			})
		}
	})
}

// bucketEach runs f as one subtest per configuration, named after it.
func bucketEach(t *testing.T, f func(t *testing.T, variant string, d *tests.Doc)) {
	for _, v := range bucketVariants {
		t.Run(v, func(t *testing.T) { f(t, v, bucketOf(v)) })
	}
}

// bucketNamed is the logical name of the bucket named name.
func bucketNamed(t *testing.T, d *tests.Doc, name string) string {
	t.Helper()
	for _, b := range d.Of("aws_s3_bucket") {
		if b.Body["bucket"] == name {
			return b.Name
		}
	}
	require.Failf(t, "no bucket", "%s: no bucket %s", d.Env.Name, name)
	return ""
}

// bucketConfigs are the resources of typ that configure the bucket with logical name b.
func bucketConfigs(d *tests.Doc, typ, b string) []tests.Body {
	var found []tests.Body
	for _, r := range d.List(typ) {
		if r["bucket"] == tests.RefTo("aws_s3_bucket", b, "id") {
			found = append(found, r)
		}
	}
	return found
}

// bucketConfig is the only resource of typ that configures the bucket with logical name b.
func bucketConfig(t *testing.T, d *tests.Doc, typ, b string) tests.Body {
	t.Helper()
	found := bucketConfigs(d, typ, b)
	require.Len(t, found, 1, "%s %s for %s", d.Env.Name, typ, b)
	return found[0]
}

// bucketAddress is the address of the only resource of typ that configures bucket b.
func bucketAddress(t *testing.T, d *tests.Doc, typ, b string) string {
	t.Helper()
	var found []string
	for _, r := range d.Of(typ) {
		if r.Body["bucket"] == tests.RefTo("aws_s3_bucket", b, "id") {
			found = append(found, r.Address())
		}
	}
	require.Len(t, found, 1, "%s %s for %s", d.Env.Name, typ, b)
	return found[0]
}

// bucketExpiry is each configuration's buckets by name, with the days their objects are kept.
var bucketExpiry = map[string]map[string]float64{
	"sse-s3":                {bucketPlain: 365},
	"kms-compliance-logged": {bucketAudit: 400, bucketAccessLog: 365},
	"kms-governance":        {bucketLocked: 400},
}

// Owner-enforced, versioned, public access blocked, TLS only, kept at least a year (PCI-DSS
// 10.5.1) and then expired, current and noncurrent versions alike.
func TestEveryBucketIsLockedDown(t *testing.T) {
	bucketEach(t, func(t *testing.T, variant string, d *tests.Doc) {
		require.Equal(t, len(bucketExpiry[variant]), d.Count("aws_s3_bucket"))
		for name, days := range bucketExpiry[variant] {
			b := bucketNamed(t, d, name)
			tests.Has(t, d, "aws_s3_bucket", map[string]any{"bucket": name, "tags": map[string]any{"Name": name}})
			assert.NotContains(t, d.Resources("aws_s3_bucket")[b], "force_destroy")
			versioning := bucketAddress(t, d, "aws_s3_bucket_versioning", b)
			assert.Equal(t, map[string]any{"status": "Enabled"}, bucketConfig(t, d, "aws_s3_bucket_versioning", b)["versioning_configuration"])
			assert.Equal(t, map[string]any{"object_ownership": "BucketOwnerEnforced"}, bucketConfig(t, d, "aws_s3_bucket_ownership_controls", b)["rule"])
			pab := bucketConfig(t, d, "aws_s3_bucket_public_access_block", b)
			for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
				assert.Equal(t, true, pab[k], "%s %s", name, k)
			}
			arn := tests.RefTo("aws_s3_bucket", b, "arn")
			assert.Equal(t, iam.Statement{Sid: "DenyInsecureTransport", Effect: "Deny", Principal: map[string]any{"AWS": "*"},
				Action: []string{"s3:*"}, Resource: []string{arn, arn + "/*"},
				Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
			}, tests.Statements(bucketConfig(t, d, "aws_s3_bucket_policy", b)["policy"])[0], "%s: TLS only", name)
			lifecycle := bucketConfig(t, d, "aws_s3_bucket_lifecycle_configuration", b)
			assert.Equal(t, []any{versioning}, lifecycle["depends_on"], "%s: noncurrent-version rules after versioning", name)
			assert.Equal(t, []any{map[string]any{
				"id": "retain-then-expire", "status": "Enabled",
				"filter":                            []any{map[string]any{"prefix": ""}},
				"transition":                        []any{map[string]any{"days": 90.0, "storage_class": "GLACIER_IR"}},
				"expiration":                        []any{map[string]any{"days": days}},
				"noncurrent_version_expiration":     []any{map[string]any{"noncurrent_days": days}},
				"abort_incomplete_multipart_upload": []any{map[string]any{"days_after_initiation": 7.0}},
			}}, lifecycle["rule"], "%s: kept %v days", name, days)
		}
	})
}

// A customer-managed key where one is given, with S3 Bucket Keys; SSE-S3 otherwise (ALB and S3
// server access logs support nothing else).
func TestBucketsAreEncryptedWithTheirKeyOrSSES3(t *testing.T) {
	kms := []any{map[string]any{"apply_server_side_encryption_by_default": map[string]any{"sse_algorithm": "aws:kms", "kms_master_key_id": bucketAuditKey}, "bucket_key_enabled": true}}
	sse := []any{map[string]any{"apply_server_side_encryption_by_default": map[string]any{"sse_algorithm": "AES256"}, "bucket_key_enabled": false}}
	want := map[string]map[string][]any{
		"sse-s3":                {bucketPlain: sse},
		"kms-compliance-logged": {bucketAudit: kms, bucketAccessLog: sse},
		"kms-governance":        {bucketLocked: kms},
	}
	bucketEach(t, func(t *testing.T, variant string, d *tests.Doc) {
		for name, rule := range want[variant] {
			assert.Equal(t, rule, bucketConfig(t, d, "aws_s3_bucket_server_side_encryption_configuration", bucketNamed(t, d, name))["rule"], name)
		}
	})
}

// Object Lock (Security Hub S3.15) only where asked, with the mode and days asked, after
// versioning; never on the access-log bucket (S3 delivers only to buckets without a default
// retention).
func TestBucketObjectLockOnlyWhereAsked(t *testing.T) {
	want := map[string]map[string]any{
		"sse-s3":                {},
		"kms-compliance-logged": {bucketAudit: map[string]any{"mode": "COMPLIANCE", "days": 365.0}},
		"kms-governance":        {bucketLocked: map[string]any{"mode": "GOVERNANCE", "days": 30.0}},
	}
	bucketEach(t, func(t *testing.T, variant string, d *tests.Doc) {
		require.Equal(t, len(want[variant]), d.Count("aws_s3_bucket_object_lock_configuration"))
		for name, retention := range want[variant] {
			b := bucketNamed(t, d, name)
			lock := bucketConfig(t, d, "aws_s3_bucket_object_lock_configuration", b)
			assert.Equal(t, "Enabled", lock["object_lock_enabled"])
			assert.Equal(t, map[string]any{"default_retention": retention}, lock["rule"])
			assert.Equal(t, []any{bucketAddress(t, d, "aws_s3_bucket_versioning", b)}, lock["depends_on"], "Object Lock after versioning")
		}
	})
}

// "Grant permissions to the logging service principal by using a bucket policy"
// (enable-server-access-logging.html): the access-log bucket lets S3 logging write only the
// source bucket's prefix, for that bucket of this account; the source logs there after the
// grant; the access-log bucket does not log itself; writers' statements follow TLS-only.
func TestBucketServerAccessLogsGoToTheirBucketAfterItsGrant(t *testing.T) {
	bucketEach(t, func(t *testing.T, variant string, d *tests.Doc) {
		if variant != "kms-compliance-logged" {
			assert.Equal(t, 0, d.Count("aws_s3_bucket_logging"), "no access logs unless asked")
			b := bucketNamed(t, d, map[string]string{"sse-s3": bucketPlain, "kms-governance": bucketLocked}[variant])
			assert.Len(t, tests.Statements(bucketConfig(t, d, "aws_s3_bucket_policy", b)["policy"]), 1, "TLS only, no writer")
			return
		}
		audit, access := bucketNamed(t, d, bucketAudit), bucketNamed(t, d, bucketAccessLog)
		require.Equal(t, 1, d.Count("aws_s3_bucket_logging"), "the access-log bucket does not log itself")
		logging := bucketConfig(t, d, "aws_s3_bucket_logging", audit)
		assert.Equal(t, tests.RefTo("aws_s3_bucket", access, "id"), logging["target_bucket"], "Security Hub S3.9")
		assert.Equal(t, bucketAudit+"/", logging["target_prefix"], "under the prefix the target's policy grants")
		assert.Equal(t, []any{bucketAddress(t, d, "aws_s3_bucket_policy", access)}, logging["depends_on"], "logging is switched on after the target's grant")

		grant := tests.Statements(bucketConfig(t, d, "aws_s3_bucket_policy", access)["policy"])
		require.Len(t, grant, 2)
		assert.Equal(t, iam.Statement{Sid: "S3ServerAccessLogs0", Effect: "Allow", Principal: map[string]any{"Service": "logging.s3.amazonaws.com"},
			Action: []string{"s3:PutObject"}, Resource: []string{tests.RefTo("aws_s3_bucket", access, "arn") + "/" + bucketAudit + "/*"},
			Condition: map[string]map[string]any{
				"ArnLike":      {"aws:SourceArn": "arn:aws:s3:::" + bucketAudit},
				"StringEquals": {"aws:SourceAccount": "111122223333"},
			}}, grant[1])

		policy := tests.Statements(bucketConfig(t, d, "aws_s3_bucket_policy", audit)["policy"])
		require.Len(t, policy, 2)
		assert.Equal(t, iam.Statement{Sid: "ConfigWrite", Effect: "Allow", Principal: map[string]any{"Service": "config.amazonaws.com"},
			Action: []string{"s3:PutObject"}, Resource: []string{tests.RefTo("aws_s3_bucket", audit, "arn") + "/config/*"}}, policy[1], "the writer's statement, after TLS-only")
	})
}
