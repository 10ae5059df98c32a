package integration

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/tests"
)

// Scenario: the primary region is lost. Every prod recovery point is copied to a vault in the DR
// region (its own provider), encrypted with a key that lives in the DR region too, and locked in
// compliance mode for as long as the copies are kept.
func TestPrimaryRegionLost(t *testing.T) {
	t.Run("prod", func(t *testing.T) {
		providers := prod.Root["provider"].(tests.Body)["aws"].([]any)
		regions := map[string]string{}
		for _, p := range providers {
			alias, _ := p.(tests.Body)["alias"].(string)
			regions["aws."+alias] = p.(tests.Body)["region"].(string)
		}
		rule := tests.Block(prod.One("aws_backup_plan")["rule"])
		require.Equal(t, true, rule["enable_continuous_backup"])
		copies := tests.Blocks(rule["copy_action"])
		require.Len(t, copies, 1, "the one rule, so every recovery point is copied")
		dest, ok := prod.Ref(copies[0]["destination_vault_arn"])
		require.True(t, ok)
		region := regions[dest.Body["provider"].(string)]
		assert.Equal(t, "us-west-2", region)
		assert.Equal(t, "us-east-1", regions["aws."], "the primary region is the default provider's")
		assert.NotEqual(t, regions["aws."], region, "a region other than the primary")
		assert.Equal(t, "scalepayments-prod-backups", dest.Body["name"])
		key, ok := prod.Ref(dest.Body["kms_key_arn"])
		require.True(t, ok)
		assert.Equal(t, "aws_kms_key", key.Type)
		assert.Equal(t, dest.Body["provider"], key.Body["provider"], "the key lives in the DR region: the copies decrypt without us-east-1")
		assert.Equal(t, "scalepayments-prod-dr-backup", key.Body["tags"].(tests.Body)["Name"])
		locked := false
		for _, l := range prod.List("aws_backup_vault_lock_configuration") {
			if l["backup_vault_name"] == tests.Ref(dest, "name") {
				locked = l["changeable_for_days"] != nil && l["min_retention_days"] == 30.0
			}
		}
		assert.True(t, locked, "the DR vault is locked in compliance mode for at least production's 30 days")
	})
}

// guards lists what stops an administrator's delete of the database, by name.
func guards(d *tests.Doc) []string {
	cl := d.One("aws_rds_cluster")
	var out []string
	if cl["deletion_protection"] == true {
		out = append(out, "deletion protection (RDS refuses DeleteDBCluster)")
	}
	if cl["skip_final_snapshot"] == false && cl["final_snapshot_identifier"] != nil {
		out = append(out, "final snapshot (a forced delete still leaves the data)")
	}
	if lc, _ := cl["lifecycle"].(tests.Body); lc["prevent_destroy"] == true {
		out = append(out, "prevent_destroy (Terraform refuses the plan)")
	}
	for _, l := range d.List("aws_backup_vault_lock_configuration") {
		if l["provider"] == nil {
			mode := "governance"
			if l["changeable_for_days"] != nil {
				mode = "compliance"
			}
			out = append(out, "locked vault, "+mode+" mode (recovery points outlive the cluster)")
		}
	}
	return out
}

// Scenario: an administrator deletes the database. The test names what stops it in each
// environment; prod has all four, dev (disposable data) none.
func TestAdministratorDeletesTheDatabase(t *testing.T) {
	want := map[string][]string{
		"dev": nil,
		"staging": {
			"deletion protection (RDS refuses DeleteDBCluster)",
			"final snapshot (a forced delete still leaves the data)",
			"locked vault, governance mode (recovery points outlive the cluster)",
		},
		"prod": {
			"deletion protection (RDS refuses DeleteDBCluster)",
			"final snapshot (a forced delete still leaves the data)",
			"prevent_destroy (Terraform refuses the plan)",
			"locked vault, compliance mode (recovery points outlive the cluster)",
		},
	}
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) {
			assert.Equal(t, want[d.Env.Name], guards(d))
			// The recovery points are the cluster's, selected by ARN: deleting a tag cannot unselect them.
			assert.Equal(t, []any{"${aws_rds_cluster.database_cluster_FAF2FB92.arn}"}, d.One("aws_backup_selection")["resources"])
		})
	}
}

// matches is EventBridge's matching for the pattern shapes the stacks use: exact values, prefix
// and $or.
func matches(pattern map[string]any, event map[string]any) bool {
	for k, want := range pattern {
		if k == "$or" {
			matched := false
			for _, alt := range want.([]any) {
				matched = matched || matches(alt.(map[string]any), event)
			}
			if !matched {
				return false
			}
			continue
		}
		switch w := want.(type) {
		case map[string]any:
			sub, ok := event[k].(map[string]any)
			if !ok || !matches(w, sub) {
				return false
			}
		case []any:
			values, ok := event[k].([]any)
			if !ok {
				values = []any{event[k]}
			}
			hit := false
			for _, v := range values {
				for _, c := range w {
					if p, ok := c.(map[string]any); ok {
						s, _ := v.(string)
						hit = hit || strings.HasPrefix(s, p["prefix"].(string))
					} else {
						hit = hit || c == v
					}
				}
			}
			if !hit {
				return false
			}
		}
	}
	return true
}

// Scenario: a backup fails at 3am. The failed job's event matches a rule whose target is the
// alarm topic, which EventBridge may publish to, whose key EventBridge may use, and which has
// subscribers: someone is woken.
func TestBackupFailingAt3amReachesSomeone(t *testing.T) {
	// Who is woken in each environment.
	subscribers := map[string][]string{
		"dev":     {"email:platform-dev-alerts@scalepayments.com"},
		"staging": {"email:platform-alerts@scalepayments.com"},
		"prod":    {"email:platform-alerts@scalepayments.com", "email:security-oncall@scalepayments.com"},
	}
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) {
			env := d.Env.Name
			event := func(detailType, field, state string) map[string]any {
				return map[string]any{"source": "aws.backup", "detail-type": detailType, "time": "2026-11-27T03:00:00Z",
					"detail": map[string]any{field: state, "backupVaultName": "scalepayments-" + env + "-backups", "resourceType": "Aurora"}}
			}
			var rule tests.Body
			var pattern map[string]any
			for _, r := range d.Of("aws_cloudwatch_event_rule") {
				pattern = nil
				require.NoError(t, json.Unmarshal([]byte(r.Body["event_pattern"].(string)), &pattern))
				if matches(pattern, event("Backup Job State Change", "state", "FAILED")) {
					rule = r.Body
					break
				}
			}
			require.NotNil(t, rule, "no rule matches a failed backup job")
			assert.Equal(t, "scalepayments-"+env+"-backup-failed", rule["name"])
			assert.True(t, matches(pattern, event("Copy Job State Change", "state", "FAILED")), "a failed copy to the DR region")
			assert.True(t, matches(pattern, event("Restore Job State Change", "status", "FAILED")), "a failed restore test")
			assert.False(t, matches(pattern, event("Backup Job State Change", "state", "COMPLETED")), "success wakes nobody")

			var target tests.Body
			for _, tg := range d.List("aws_cloudwatch_event_target") {
				if strings.Contains(tg["rule"].(string), d.NameOf("aws_cloudwatch_event_rule", rule["name"].(string))) {
					target = tg
				}
			}
			require.NotNil(t, target)
			topic, ok := d.Ref(target["arn"])
			require.True(t, ok)
			assert.Equal(t, "aws_sns_topic", topic.Type)
			assert.Equal(t, "scalepayments-"+env+"-alarms", topic.Body["name"])
			var policy struct {
				Statement []struct{ Principal map[string]any }
			}
			require.NoError(t, json.Unmarshal([]byte(d.One("aws_sns_topic_policy")["policy"].(string)), &policy))
			publishers := []any{}
			for _, s := range policy.Statement {
				publishers = append(publishers, s.Principal["Service"])
			}
			assert.Contains(t, publishers, "events.amazonaws.com")
			key, ok := d.Ref(topic.Body["kms_master_key_id"])
			require.True(t, ok)
			assert.Contains(t, key.Body["policy"], `"Service": "events.amazonaws.com"`, "EventBridge can encrypt to the topic")
			var woken []string
			for _, s := range d.List("aws_sns_topic_subscription") {
				if s["topic_arn"] == tests.Ref(topic, "arn") {
					woken = append(woken, s["protocol"].(string)+":"+s["endpoint"].(string))
				}
			}
			assert.ElementsMatch(t, subscribers[env], woken)
			assert.NotEmpty(t, woken)
		})
	}
}
