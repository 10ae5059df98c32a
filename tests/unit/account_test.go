package unit

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/baseline"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/synthesized"
	"github.com/scalepayments/infra/tests"
)

// Each account stack holds every account-wide control once, pinned to its account.
func TestAccountStackContents(t *testing.T) {
	accounts := tests.Accounts()
	require.Len(t, accounts, 2, "nonprod and prod, one region each")
	for _, a := range accounts {
		d, acct := a.Doc, a.Stack.Account
		assert.Equal(t, []any{acct.ID}, d.Provider()["allowed_account_ids"], a.Stack.Name)
		assert.Equal(t, "scalepayments-account-"+acct.Name, a.Stack.Name)
		for typ, n := range map[string]int{
			"aws_guardduty_detector": 1, "aws_config_configuration_recorder": 1, "aws_config_delivery_channel": 1,
			"aws_cloudtrail": 1, "aws_securityhub_account": 1, "aws_securityhub_standards_subscription": 2,
			"aws_accessanalyzer_analyzer": 1, "aws_iam_account_password_policy": 1, "aws_s3_account_public_access_block": 1,
			"aws_ebs_encryption_by_default": 1, "aws_sns_topic": 1,
		} {
			assert.Equal(t, n, d.Count(typ), "%s: %s", a.Stack.Name, typ)
		}
		var standards []string
		for _, s := range d.List("aws_securityhub_standards_subscription") {
			standards = append(standards, s["standards_arn"].(string))
		}
		assert.ElementsMatch(t, []string{
			"arn:${data.aws_partition.partition.partition}:securityhub:us-east-1::standards/pci-dss/v/4.0.1",
			"arn:${data.aws_partition.partition.partition}:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0",
		}, standards)
		assert.Equal(t, false, d.One("aws_securityhub_account")["enable_default_standards"])
		assert.Equal(t, "ACCOUNT", d.One("aws_accessanalyzer_analyzer")["type"])
		pw := d.One("aws_iam_account_password_policy")
		assert.EqualValues(t, 14, pw["minimum_password_length"], "PCI-DSS 8.3.6 asks 12")
		assert.EqualValues(t, 90, pw["max_password_age"], "PCI-DSS 8.3.9")
		assert.EqualValues(t, 24, pw["password_reuse_prevention"], "PCI-DSS 8.3.7 asks 4")
		pab := d.One("aws_s3_account_public_access_block")
		for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
			assert.Equal(t, true, pab[k], k)
		}
		assert.Equal(t, true, d.One("aws_ebs_encryption_by_default")["enabled"])

		// The public zones of exactly the environments the account hosts, with their name servers.
		var zones, want []string
		for _, z := range d.List("aws_route53_zone") {
			zones = append(zones, z["name"].(string))
		}
		for _, e := range a.Stack.Envs {
			want = append(want, e.HostedZone)
			assert.Contains(t, d.Root["output"], "name_servers_"+naming.Slug(e.HostedZone))
		}
		assert.ElementsMatch(t, want, zones, a.Stack.Name)

		// Findings reach the account's subscribers, from GuardDuty (medium and up) and Security Hub.
		topic := d.Named("aws_sns_topic", "security-findings")
		assert.Equal(t, d.KeyRef("findings"), topic.Body["kms_master_key_id"])
		var subs []string
		for _, s := range d.List("aws_sns_topic_subscription") {
			subs = append(subs, s["endpoint"].(string))
		}
		assert.ElementsMatch(t, acct.Notify.Emails, subs)
		rules := map[string]string{}
		for _, r := range d.List("aws_cloudwatch_event_rule") {
			rules[r["name"].(string)] = r["event_pattern"].(string)
		}
		require.Len(t, rules, 2)
		assert.JSONEq(t, `{"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"],"detail":{"severity":[{"numeric":[">=",4]}]}}`,
			rules[d.Namer.Name(naming.MaxEventRuleName, "guardduty-findings")])
		assert.Contains(t, rules[d.Namer.Name(naming.MaxEventRuleName, "securityhub-findings")], `"aws.securityhub"`)
		for _, tg := range d.List("aws_cloudwatch_event_target") {
			assert.Equal(t, tests.Ref(topic, "arn"), tg["arn"])
		}
	}
	assert.Equal(t, baseline.MinSeverity, 4)
}

// The account stack of a non-home region has no trail and no global settings: one multi-region
// trail per account, in its home region.
func TestSecondRegionHasNoSecondTrail(t *testing.T) {
	acct := envconfig.ProdAccount
	acct.Regions = []string{"us-east-1", "us-west-2"}
	env := envconfig.Prod.Clone()
	env.Region, env.AvailabilityZones = "us-west-2", []string{"us-west-2a", "us-west-2b", "us-west-2c"}
	a := tests.SynthAccount(acct, "us-west-2", []envconfig.Environment{env})
	assert.Equal(t, "scalepayments-account-prod-us-west-2", a.Stack.Name)
	for _, typ := range []string{"aws_cloudtrail", "aws_iam_account_password_policy", "aws_s3_account_public_access_block"} {
		assert.Zero(t, a.Count(typ), typ)
	}
	for _, typ := range []string{"aws_guardduty_detector", "aws_config_configuration_recorder", "aws_securityhub_account", "aws_ebs_encryption_by_default"} {
		assert.Equal(t, 1, a.Count(typ), "%s is regional", typ)
	}
}

// The trail keeps every management event and logs the object reads and writes of the hosted
// environments' buckets (Security Hub S3.22, S3.23), named one by one; never its own audit bucket.
func TestTrailLogsManagementAndTheBucketsObjectEvents(t *testing.T) {
	for _, a := range tests.Accounts() {
		selectors := tests.Blocks(a.One("aws_cloudtrail")["advanced_event_selector"])
		require.Len(t, selectors, 2, a.Stack.Name)
		assert.Equal(t, []any{map[string]any{"field": "eventCategory", "equals": []any{"Management"}}}, selectors[0]["field_selector"])
		var buckets []any
		for _, e := range a.Stack.Envs {
			buckets = append(buckets, "arn:${data.aws_partition.partition.partition}:s3:::scalepayments-"+e.Name+"-alb-logs-${data.aws_caller_identity.caller.account_id}/")
		}
		assert.Equal(t, []any{
			map[string]any{"field": "eventCategory", "equals": []any{"Data"}},
			map[string]any{"field": "resources.type", "equals": []any{"AWS::S3::Object"}},
			map[string]any{"field": "resources.ARN", "starts_with": buckets},
		}, selectors[1]["field_selector"], a.Stack.Name)
		assert.NotContains(t, fmt.Sprint(selectors), "-audit-", "the audit bucket's own deliveries are not logged")
	}
}

// The audit bucket keeps every object version for the account's log retention under S3 Object
// Lock (Security Hub S3.15): compliance mode where the account hosts production.
func TestAuditBucketObjectLock(t *testing.T) {
	for _, a := range tests.Accounts() {
		lock := a.One("aws_s3_bucket_object_lock_configuration")
		bucket, ok := a.Ref(lock["bucket"])
		require.True(t, ok)
		assert.Equal(t, a.Namer.Bucket("${data.aws_caller_identity.caller.account_id}", "audit"), bucket.Body["bucket"])
		assert.Equal(t, "Enabled", lock["object_lock_enabled"])
		mode, days := "GOVERNANCE", 30.0
		if a.Stack.Stage() == envconfig.StageProduction {
			mode, days = "COMPLIANCE", 365
		}
		assert.Equal(t, map[string]any{"mode": mode, "days": days}, tests.Block(lock["rule"])["default_retention"], a.Stack.Name)
		// S3 accepts Object Lock only on a versioned bucket, and a new account creates both at once.
		versioning := a.Of("aws_s3_bucket_versioning")[slices.IndexFunc(a.Of("aws_s3_bucket_versioning"), func(r synthesized.Resource) bool { return r.Body["bucket"] == lock["bucket"] })]
		assert.Equal(t, []any{versioning.Address()}, lock["depends_on"], a.Stack.Name)
	}
}

// Every control an exception has ever disabled keeps an association in the PCI DSS standard of
// each account, made once the standard is subscribed: DISABLED with the exception's reason while
// an exception names it. The shipped exceptions name all of them.
func TestRecordedExceptionsDisableExactlyTheirSecurityHubControls(t *testing.T) {
	for _, a := range tests.Accounts() {
		t.Run(a.Stack.Name, func(t *testing.T) {
			want := map[string]string{}
			all := stacks.AccountExceptions()
			for _, e := range a.Stack.Envs {
				all = append(all, stacks.Exceptions(e)...)
			}
			for _, x := range all {
				for _, c := range x.Controls {
					if prev, ok := want[c]; ok {
						assert.Equal(t, prev, x.Reason, "%s: one reason per control, whichever exception brings it", c)
					}
					assert.Contains(t, stacks.ControlsEverDisabled, c, "an exception's control joins ControlsEverDisabled for good")
					want[c] = x.Reason
				}
			}
			assert.ElementsMatch(t, []string{"S3.9", "S3.15", "S3.17", "S3.22", "S3.23", "SecretsManager.1", "SecretsManager.4"}, slices.Collect(maps.Keys(want)))
			assert.Equal(t, want, associations(t, a), "DISABLED with its reason")
		})
	}
}

// associations are an account stack's control associations in the PCI DSS standard: control ->
// reason, "" where the association is ENABLED.
func associations(t *testing.T, a *tests.Account) map[string]string {
	var pci synthesized.Resource
	for _, s := range a.Of("aws_securityhub_standards_subscription") {
		if strings.HasSuffix(s.Body["standards_arn"].(string), "::standards/"+help.PCIStandard) {
			pci = s
		}
	}
	require.NotEmpty(t, pci.Name, "the PCI DSS standard is subscribed")
	got := map[string]string{}
	for _, r := range a.List("aws_securityhub_standards_control_association") {
		assert.Equal(t, pci.Body["standards_arn"], r["standards_arn"])
		assert.Equal(t, []any{pci.Address()}, r["depends_on"])
		reason, _ := r["updated_reason"].(string)
		assert.Equal(t, map[bool]string{true: "DISABLED", false: "ENABLED"}[reason != ""], r["association_status"], r["security_control_id"])
		got[r["security_control_id"].(string)] = reason
	}
	return got
}

// The provider only forgets an association it deletes: once no exception names a control (the
// third-party secrets are gone), its association turns ENABLED in the same place instead of
// leaving the control disabled with no diff.
func TestAControlWithoutItsExceptionIsEnabledAgain(t *testing.T) {
	envs := []envconfig.Environment{envconfig.Dev.Clone(), envconfig.Staging.Clone()}
	for i := range envs {
		for j := range envs[i].Services {
			envs[i].Services[j].Secrets = nil
		}
	}
	acct, _ := envconfig.AccountOf(envconfig.Accounts(), envconfig.Dev)
	a := tests.SynthAccount(acct, acct.Home(), envs)
	got := associations(t, a)
	assert.Equal(t, "", got["SecretsManager.1"], "ENABLED again")
	assert.Equal(t, "", got["SecretsManager.4"], "ENABLED again")
	assert.NotEmpty(t, got["S3.17"], "still an exception")
	shipped := tests.Accounts()[0]
	assert.Equal(t, shipped.Addresses(), a.Addresses(), "the same addresses: nothing is dropped, the status changes in place")
}
