package unit

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/baseline"
	"github.com/scalepayments/infra/constructs/moved"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/stacks/synthesized"
	"github.com/scalepayments/infra/tests"
)

// baselineHost is one account in one region and the environments it hosts there, as
// envconfig lays them out: the baseline is built once per account and region.
type baselineHost struct {
	acct   envconfig.Account
	region string
	envs   []envconfig.Environment
}

func (h baselineHost) host() judge.Host {
	return judge.Host{Account: h.acct, Region: h.region, Envs: h.envs}
}

// baselineHosts are the shipped accounts: nonprod hosts dev and staging, prod hosts prod, both
// in us-east-1 (their home region).
var baselineHosts = []baselineHost{
	{envconfig.NonProdAccount, "us-east-1", []envconfig.Environment{envconfig.Dev, envconfig.Staging}},
	{envconfig.ProdAccount, "us-east-1", []envconfig.Environment{envconfig.Prod}},
}

// baselineAccounts runs f as one subtest per shipped account, named after it.
func baselineAccounts(t *testing.T, f func(t *testing.T, h baselineHost)) {
	for _, h := range baselineHosts {
		t.Run(h.acct.Name, func(t *testing.T) { f(t, h) })
	}
}

// baselineOf is the baseline of h alone, configured as stacks/account.go configures it for the
// environments h hosts, with the given control associations; name tells variants apart. The
// ALB log buckets whose object events the trail logs are plain names in the test account.
func baselineOf(name string, h baselineHost, controls map[string]string) *tests.Doc {
	// The document's Env names the account (and region) in failure messages.
	return tests.Minimal(name, envconfig.Environment{Name: h.acct.Name, Region: h.region}, func(stack cdktf.TerraformStack) {
		var zones, buckets []string
		retention, window, lock := 0, 7, "GOVERNANCE"
		for _, e := range h.envs {
			zones, buckets = append(zones, e.HostedZone), append(buckets, "scalepayments-"+e.Name+"-alb-logs-111122223333")
			retention, window = max(retention, e.LogRetentionDays), max(window, e.KMSDeletionWindowDays)
			if e.Stage == envconfig.StageProduction {
				lock = "COMPLIANCE"
			}
		}
		moves := &moved.Blocks{}
		baseline.New(stack, "baseline", &baseline.Props{
			Namer:   naming.Namer{Env: h.acct.Name, Code: h.acct.Name, Region: h.region, Home: h.acct.Home()},
			Account: iam.Account{ID: tests.TestAccount.ID, Partition: tests.TestAccount.Partition, Region: h.region},
			Home:    h.region == h.acct.Home(), Notify: h.acct.Notify, Zones: zones, DataEventBuckets: buckets,
			AuditLock: lock, Controls: controls, Moves: moves,
			LogRetentionDays: retention, DeletionWindowDays: window,
		})
		moves.Write(stack)
	})
}

// baselineShipped is h's baseline with the control associations its environments' exceptions
// give it (judge.SecurityHubControls, as the account stack passes them).
func baselineShipped(h baselineHost) *tests.Doc {
	return baselineOf("baseline", h, judge.SecurityHubControls(h.host()))
}

// Every account-wide control exists once in the account's home region.
func TestBaselineHoldsEveryAccountControlOnce(t *testing.T) {
	zones := map[string][]string{"nonprod": {"dev.scalepayments.com", "staging.scalepayments.com"}, "prod": {"scalepayments.com"}}
	baselineAccounts(t, func(t *testing.T, h baselineHost) {
		d := baselineShipped(h)
		for typ, n := range map[string]int{
			"aws_guardduty_detector": 1, "aws_config_configuration_recorder": 1, "aws_config_delivery_channel": 1,
			"aws_cloudtrail": 1, "aws_securityhub_account": 1, "aws_securityhub_standards_subscription": 2,
			"aws_accessanalyzer_analyzer": 1, "aws_iam_account_password_policy": 1, "aws_s3_account_public_access_block": 1,
			"aws_ebs_encryption_by_default": 1, "aws_sns_topic": 1, "aws_route53_zone": len(zones[h.acct.Name]),
		} {
			assert.Equal(t, n, d.Count(typ), typ)
		}
		tests.Has(t, d, "aws_guardduty_detector", map[string]any{"enable": true, "finding_publishing_frequency": "FIFTEEN_MINUTES"})
		tests.Has(t, d, "aws_config_configuration_recorder", map[string]any{"name": "scalepayments-" + h.acct.Name + "-recorder",
			"recording_group": map[string]any{"all_supported": true, "include_global_resource_types": true}})
		var standards []string
		for _, s := range d.List("aws_securityhub_standards_subscription") {
			standards = append(standards, s["standards_arn"].(string))
		}
		assert.ElementsMatch(t, []string{
			"arn:aws:securityhub:us-east-1::standards/pci-dss/v/4.0.1",
			"arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0",
		}, standards)
		tests.Has(t, d, "aws_securityhub_account", map[string]any{"enable_default_standards": false, "auto_enable_controls": true, "control_finding_generator": "SECURITY_CONTROL"})
		tests.Has(t, d, "aws_accessanalyzer_analyzer", map[string]any{"type": "ACCOUNT", "analyzer_name": "scalepayments-" + h.acct.Name + "-access-analyzer"})
		tests.Has(t, d, "aws_iam_account_password_policy", map[string]any{
			"minimum_password_length":      14, // PCI-DSS 8.3.6 asks 12
			"max_password_age":             90, // PCI-DSS 8.3.9
			"password_reuse_prevention":    24, // PCI-DSS 8.3.7 asks 4
			"require_lowercase_characters": true, "require_uppercase_characters": true, "require_numbers": true, "require_symbols": true,
			"allow_users_to_change_password": true,
		})
		tests.Has(t, d, "aws_s3_account_public_access_block", map[string]any{
			"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true})
		tests.Has(t, d, "aws_ebs_encryption_by_default", map[string]any{"enabled": true})

		// The public zones it is given, nothing else.
		var got []string
		for _, z := range d.List("aws_route53_zone") {
			got = append(got, z["name"].(string))
		}
		assert.ElementsMatch(t, zones[h.acct.Name], got)
	})
}

// Findings reach the account's subscribers, from GuardDuty (medium and up) and Security Hub,
// through a topic under the account's findings key.
func TestBaselineFindingsReachTheAccountSubscribers(t *testing.T) {
	emails := map[string][]string{
		"nonprod": {"security-alerts@scalepayments.com"},
		"prod":    {"security-alerts@scalepayments.com", "security-oncall@scalepayments.com"},
	}
	baselineAccounts(t, func(t *testing.T, h baselineHost) {
		d := baselineShipped(h)
		name := "scalepayments-" + h.acct.Name
		topic := d.Of("aws_sns_topic")[0]
		assert.Equal(t, name+"-security-findings", topic.Body["name"])
		assert.Equal(t, tests.RefTo("aws_kms_key", d.NameOf("aws_kms_key", name+"-findings"), "arn"), topic.Body["kms_master_key_id"])
		var subs []string
		for _, s := range d.List("aws_sns_topic_subscription") {
			assert.Equal(t, "email", s["protocol"])
			assert.Equal(t, tests.Ref(topic, "arn"), s["topic_arn"])
			subs = append(subs, s["endpoint"].(string))
		}
		assert.ElementsMatch(t, emails[h.acct.Name], subs)

		rules := map[string]string{}
		for _, r := range d.List("aws_cloudwatch_event_rule") {
			rules[r["name"].(string)] = r["event_pattern"].(string)
		}
		require.Len(t, rules, 2)
		assert.JSONEq(t, `{"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"],"detail":{"severity":[{"numeric":[">=",4]}]}}`,
			rules[name+"-guardduty-findings"])
		assert.JSONEq(t, `{"source":["aws.securityhub"],"detail-type":["Security Hub Findings - Imported"],"detail":{"findings":{
			"Severity":{"Label":["HIGH","CRITICAL"]},"Workflow":{"Status":["NEW"]},"RecordState":["ACTIVE"]}}}`,
			rules[name+"-securityhub-findings"])
		require.Equal(t, 2, d.Count("aws_cloudwatch_event_target"))
		for _, tg := range d.List("aws_cloudwatch_event_target") {
			assert.Equal(t, tests.Ref(topic, "arn"), tg["arn"])
		}
	})
	assert.Equal(t, 4, baseline.MinSeverity)
}

// Outside the account's home region the baseline has no trail and no global settings: one
// multi-region trail per account, in its home region; the regional controls stay.
func TestBaselineOutsideTheHomeRegionHasNoTrail(t *testing.T) {
	acct := envconfig.ProdAccount
	acct.Regions = []string{"us-east-1", "us-west-2"}
	env := envconfig.Prod.Clone()
	env.Region, env.AvailabilityZones = "us-west-2", []string{"us-west-2a", "us-west-2b", "us-west-2c"}
	h := baselineHost{acct, "us-west-2", []envconfig.Environment{env}}
	d := baselineOf("baseline-second-region", h, judge.SecurityHubControls(h.host()))
	for _, typ := range []string{"aws_cloudtrail", "aws_iam_account_password_policy", "aws_s3_account_public_access_block", "aws_cloudwatch_log_group"} {
		assert.Zero(t, d.Count(typ), typ)
	}
	for _, typ := range []string{"aws_guardduty_detector", "aws_config_configuration_recorder", "aws_securityhub_account", "aws_ebs_encryption_by_default", "aws_accessanalyzer_analyzer"} {
		assert.Equal(t, 1, d.Count(typ), "%s is regional", typ)
	}
	tests.Has(t, d, "aws_securityhub_standards_subscription", map[string]any{"standards_arn": "arn:aws:securityhub:us-west-2::standards/pci-dss/v/4.0.1"})
}

// The trail keeps every management event and logs the object reads and writes of the buckets
// it is given (Security Hub S3.22, S3.23), named one by one; never its own audit bucket.
func TestBaselineTrailLogsManagementAndTheGivenBucketsObjectEvents(t *testing.T) {
	buckets := map[string][]any{
		"nonprod": {"arn:aws:s3:::scalepayments-dev-alb-logs-111122223333/", "arn:aws:s3:::scalepayments-staging-alb-logs-111122223333/"},
		"prod":    {"arn:aws:s3:::scalepayments-prod-alb-logs-111122223333/"},
	}
	baselineAccounts(t, func(t *testing.T, h baselineHost) {
		d := baselineShipped(h)
		tests.Has(t, d, "aws_cloudtrail", map[string]any{
			"name": "scalepayments-" + h.acct.Name + "-trail", "is_multi_region_trail": true, "include_global_service_events": true,
			"enable_log_file_validation": true, "s3_key_prefix": "cloudtrail",
			"kms_key_id": tests.RefTo("aws_kms_key", d.NameOf("aws_kms_key", "scalepayments-"+h.acct.Name+"-audit"), "arn"),
		})
		selectors := tests.Blocks(d.One("aws_cloudtrail")["advanced_event_selector"])
		require.Len(t, selectors, 2)
		assert.Equal(t, []any{map[string]any{"field": "eventCategory", "equals": []any{"Management"}}}, selectors[0]["field_selector"])
		assert.Equal(t, []any{
			map[string]any{"field": "eventCategory", "equals": []any{"Data"}},
			map[string]any{"field": "resources.type", "equals": []any{"AWS::S3::Object"}},
			map[string]any{"field": "resources.ARN", "starts_with": buckets[h.acct.Name]},
		}, selectors[1]["field_selector"])
		bucket, ok := d.Ref(d.One("aws_cloudtrail")["s3_bucket_name"])
		require.True(t, ok, "the trail delivers to the audit bucket")
		assert.Equal(t, "scalepayments-"+h.acct.Name+"-audit-111122223333", bucket.Body["bucket"])
		assert.NotContains(t, fmt.Sprint(selectors), "-audit-", "the audit bucket's own deliveries are not logged")
	})
}

// The audit bucket keeps every object version for the account's log retention under S3 Object
// Lock (Security Hub S3.15): compliance mode where the account hosts production.
func TestBaselineAuditBucketObjectLock(t *testing.T) {
	want := map[string]map[string]any{
		"nonprod": {"mode": "GOVERNANCE", "days": 30.0}, // staging's 30-day retention, the longest of the account's
		"prod":    {"mode": "COMPLIANCE", "days": 365.0},
	}
	baselineAccounts(t, func(t *testing.T, h baselineHost) {
		d := baselineShipped(h)
		lock := d.One("aws_s3_bucket_object_lock_configuration")
		bucket, ok := d.Ref(lock["bucket"])
		require.True(t, ok)
		assert.Equal(t, "scalepayments-"+h.acct.Name+"-audit-111122223333", bucket.Body["bucket"])
		assert.Equal(t, "Enabled", lock["object_lock_enabled"])
		assert.Equal(t, want[h.acct.Name], tests.Block(lock["rule"])["default_retention"])
		// S3 accepts Object Lock only on a versioned bucket, and a new account creates both at once.
		versions := d.Of("aws_s3_bucket_versioning")
		i := slices.IndexFunc(versions, func(r synthesized.Resource) bool { return r.Body["bucket"] == lock["bucket"] })
		require.GreaterOrEqual(t, i, 0, "the audit bucket is versioned")
		assert.Equal(t, []any{versions[i].Address()}, lock["depends_on"])
	})
}

// baselineAssociations are a baseline's control associations in the PCI DSS standard: control
// -> reason, "" where the association is ENABLED. Each association is made once the standard is
// subscribed.
func baselineAssociations(t *testing.T, d *tests.Doc) map[string]string {
	t.Helper()
	var pci synthesized.Resource
	for _, s := range d.Of("aws_securityhub_standards_subscription") {
		if strings.HasSuffix(s.Body["standards_arn"].(string), "::standards/pci-dss/v/4.0.1") {
			pci = s
		}
	}
	require.NotEmpty(t, pci.Name, "the PCI DSS standard is subscribed")
	got := map[string]string{}
	for _, r := range d.List("aws_securityhub_standards_control_association") {
		assert.Equal(t, "arn:aws:securityhub:us-east-1::standards/pci-dss/v/4.0.1", r["standards_arn"])
		assert.Equal(t, []any{pci.Address()}, r["depends_on"])
		reason, _ := r["updated_reason"].(string)
		assert.Equal(t, map[bool]string{true: "DISABLED", false: "ENABLED"}[reason != ""], r["association_status"], r["security_control_id"])
		got[r["security_control_id"].(string)] = reason
	}
	return got
}

// Every control an exception has ever disabled keeps an association in the PCI DSS standard,
// DISABLED with the exception's reason while an exception names it; the shipped exceptions of
// each account and its environments name all of them. An association renamed from the old
// disabled-<control> id moves, so none is replaced.
func TestBaselineControlAssociationsFollowTheRecordedExceptions(t *testing.T) {
	baselineAccounts(t, func(t *testing.T, h baselineHost) {
		want := map[string]string{}
		all := judge.AccountExceptions(h.host())
		for _, e := range h.envs {
			all = append(all, judge.Exceptions(e)...)
		}
		for _, x := range all {
			for _, c := range x.Controls {
				if prev, ok := want[c]; ok {
					assert.Equal(t, prev, x.Reason, "%s: one reason per control, whichever exception brings it", c)
				}
				assert.Contains(t, judge.ControlsEverDisabled, c, "an exception's control joins ControlsEverDisabled for good")
				want[c] = x.Reason
			}
		}
		assert.ElementsMatch(t, []string{"S3.9", "S3.15", "S3.17", "S3.22", "S3.23", "SecretsManager.1", "SecretsManager.4"}, slices.Collect(maps.Keys(want)))
		d := baselineShipped(h)
		assert.Equal(t, want, baselineAssociations(t, d), "DISABLED with its reason")

		const typ = "aws_securityhub_standards_control_association."
		var moves []synthesized.Move
		for _, m := range [][2]string{
			{"baseline_disabled-s3-15_FBC6FED4", "baseline_control-s3-15_067ECEA9"},
			{"baseline_disabled-s3-17_255CAE44", "baseline_control-s3-17_67F9BC5A"},
			{"baseline_disabled-s3-22_AE2ED599", "baseline_control-s3-22_F1321489"},
			{"baseline_disabled-s3-23_63F1C405", "baseline_control-s3-23_B080A769"},
			{"baseline_disabled-s3-9_51148D5B", "baseline_control-s3-9_A3FEC9C6"},
			{"baseline_disabled-secretsmanager-1_F41007F9", "baseline_control-secretsmanager-1_BD9DA753"},
			{"baseline_disabled-secretsmanager-4_60FA7AAD", "baseline_control-secretsmanager-4_FA09D71C"},
		} {
			moves = append(moves, synthesized.Move{From: typ + m[0], To: typ + m[1]})
			assert.Contains(t, d.Addresses(), typ+m[1])
		}
		assert.Equal(t, moves, d.Moves(), "each association moved from its disabled-<control> id")
	})
}

// The provider only forgets an association it deletes: once no exception names a control (the
// third-party secrets are gone), its association turns ENABLED in the same place instead of
// leaving the control disabled with no diff.
func TestAControlWithoutItsExceptionIsEnabledAgain(t *testing.T) {
	baselineAccounts(t, func(t *testing.T, h baselineHost) {
		var envs []envconfig.Environment
		for _, e := range h.envs {
			e = e.Clone()
			for j := range e.Services {
				e.Services[j].Secrets = nil
			}
			envs = append(envs, e)
		}
		d := baselineOf("baseline-without-third-party-secrets", h, judge.SecurityHubControls(baselineHost{h.acct, h.region, envs}.host()))
		got := baselineAssociations(t, d)
		if judge.ServesRunTask(h.host()) { // the run task's HMAC key is an exception of its own
			assert.NotEmpty(t, got["SecretsManager.1"], "still disabled: the run task's key")
			assert.NotEmpty(t, got["SecretsManager.4"], "still disabled: the run task's key")
		} else {
			assert.Equal(t, "", got["SecretsManager.1"], "ENABLED again")
			assert.Equal(t, "", got["SecretsManager.4"], "ENABLED again")
		}
		assert.NotEmpty(t, got["S3.17"], "still an exception")
		assert.Equal(t, baselineShipped(h).Addresses(), d.Addresses(), "the same addresses: nothing is dropped, the status changes in place")
	})
}
