package unit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/tests"
)

func TestKeysPerDataDomainWithRotationAndAlias(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		domains := map[string]bool{}
		for name, k := range d.Resources("aws_kms_key") {
			assert.Equal(t, true, k["enable_key_rotation"], name)
			assert.EqualValues(t, d.Env.KMSDeletionWindowDays, k["deletion_window_in_days"], name)
			domains[k["tags"].(tests.Body)["Name"].(string)] = true
			var aliases []string
			for _, a := range d.Resources("aws_kms_alias") {
				if a["target_key_id"] == tests.RefTo("aws_kms_key", name, "key_id") {
					aliases = append(aliases, a["name"].(string))
				}
			}
			assert.Equal(t, []string{"alias/" + k["tags"].(tests.Body)["Name"].(string)}, aliases)
		}
		for _, domain := range []string{"database", "cache", "logs", "secrets", "images", "alarms"} {
			assert.True(t, domains[d.Namer.Name(naming.MaxName, domain)], "%s: %s key", d.Env.Name, domain)
		}
	}
}

func TestKeyPoliciesLetInOnlyTheServicesThatNeedThem(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		want := map[string][]any{
			"database": nil, "cache": nil, "secrets": nil, "images": nil, "backup": nil,
			"logs":   {"logs.us-east-1.amazonaws.com"},
			"alarms": {"cloudwatch.amazonaws.com", "events.amazonaws.com"},
		}
		if d.Env.Backup.DRRegion != "" {
			want["dr-backup"] = nil // the DR region's vault key
		}
		got := map[string][]any{}
		for _, k := range d.Resources("aws_kms_key") {
			var doc iam.PolicyDocument
			require.NoError(t, json.Unmarshal([]byte(k["policy"].(string)), &doc))
			domain := strings.TrimPrefix(k["tags"].(tests.Body)["Name"].(string), d.Namer.Name(naming.MaxName)+"-")
			got[domain] = nil
			for _, s := range doc.Statement {
				if svc, ok := s.Principal["Service"]; ok {
					got[domain] = append(got[domain], svc)
					// CloudWatch and EventBridge send no condition key for SNS's KMS calls (AWS's documented statements have none).
					if domain != "alarms" {
						assert.NotEmpty(t, s.Condition, "%s: service access is conditioned", domain)
					}
				}
			}
		}
		assert.Equal(t, want, got, d.Env.Name)
		logs := d.Named("aws_kms_key", "logs").Body
		assert.Contains(t, logs["policy"], `"kms:EncryptionContext:aws:logs:arn": "arn:${data.aws_partition.partition.partition}:logs:us-east-1:${data.aws_caller_identity.caller.account_id}:log-group:*"`,
			"scoped to this account's log groups")
	}
}

// Regression: DescribeKey carries no encryption context, so a statement that conditions it on
// kms:EncryptionContext makes CreateTrail fail (InsufficientEncryptionPolicyException).
func TestAuditKeyFollowsCloudTrailsDocumentedPolicy(t *testing.T) {
	for _, a := range tests.Accounts() {
		d := a.Doc
		key := d.Named("aws_kms_key", "audit").Body
		var doc iam.PolicyDocument
		require.NoError(t, json.Unmarshal([]byte(key["policy"].(string)), &doc))
		trail := "arn:${data.aws_partition.partition.partition}:cloudtrail:us-east-1:${data.aws_caller_identity.caller.account_id}:trail/scalepayments-" + d.Env.Name + "-trail"
		bySid := map[string]iam.Statement{}
		for _, s := range doc.Statement {
			bySid[s.Sid] = s
		}
		source := map[string]any{"aws:SourceArn": trail}
		assert.Equal(t, []string{"kms:GenerateDataKey*"}, bySid["CloudTrailEncryptsLogs"].Action, d.Env.Name)
		assert.Equal(t, source, bySid["CloudTrailEncryptsLogs"].Condition["StringEquals"], d.Env.Name)
		assert.Contains(t, bySid["CloudTrailEncryptsLogs"].Condition["StringLike"], "kms:EncryptionContext:aws:cloudtrail:arn", d.Env.Name)
		assert.Equal(t, []string{"kms:DescribeKey"}, bySid["CloudTrailDescribesKey"].Action, d.Env.Name)
		assert.Equal(t, map[string]map[string]any{"StringEquals": source}, bySid["CloudTrailDescribesKey"].Condition, "%s: no encryption context on DescribeKey", d.Env.Name)
		assert.Equal(t, []string{"kms:Decrypt"}, bySid["CloudTrailDecryptsWithBucketKey"].Action, "%s: the audit bucket uses an S3 Bucket Key", d.Env.Name)
		describe := 0
		for _, s := range doc.Statement {
			if s.Principal["Service"] == "cloudtrail.amazonaws.com" && slices.Contains(s.Action, "kms:DescribeKey") {
				describe++
			}
		}
		assert.Equal(t, 1, describe, "%s: DescribeKey in its own statement only", d.Env.Name)
	}
}
