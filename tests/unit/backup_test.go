package unit

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/backup"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/tests"
)

// Every environment backs Aurora up continuously into its own vault, encrypted with its backup
// key, selected by the cluster's ARN, for exactly Aurora's retention; the lock, the DR copy and
// the restore test follow envconfig.
func TestAuroraBackupPlanPerEnvironment(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		cfg, days := d.Env.Backup, float64(d.Env.Aurora.BackupRetentionDays)
		vaults := d.Of("aws_backup_vault")
		require.Len(t, vaults, map[bool]int{false: 1, true: 2}[cfg.DRRegion != ""], d.Env.Name)
		vault := d.NamedAs("aws_backup_vault", backup.VaultName(d.Namer), "")
		assert.Equal(t, d.KeyRef("backup"), vault.Body["kms_key_arn"])
		assert.Equal(t, false, vault.Body["force_destroy"])

		rule := tests.Block(d.One("aws_backup_plan")["rule"])
		assert.Equal(t, tests.Ref(vault, "name"), rule["target_vault_name"])
		assert.Equal(t, true, rule["enable_continuous_backup"], "point-in-time restore")
		assert.Equal(t, days, tests.Block(rule["lifecycle"])["delete_after"], "the same window as Aurora's own retention")
		assert.Equal(t, backup.Schedule, rule["schedule"])

		sel := d.One("aws_backup_selection")
		assert.Equal(t, []any{tests.RefTo("aws_rds_cluster", d.OneName("aws_rds_cluster"), "arn")}, sel["resources"], "selected by ARN")
		assert.NotContains(t, sel, "selection_tag", "never by a tag anyone can remove")
		role := d.Named("aws_iam_role", "backup")
		assert.Equal(t, tests.Ref(role, "arn"), sel["iam_role_arn"])
		assert.Contains(t, role.Body["assume_role_policy"], `"Service": "backup.amazonaws.com"`)
		var attached []any
		for _, a := range d.List("aws_iam_role_policy_attachment") {
			if a["role"] == tests.Ref(role, "name") {
				attached = append(attached, a["policy_arn"])
			}
		}
		assert.ElementsMatch(t, []any{"arn:${data.aws_partition.partition.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
			"arn:${data.aws_partition.partition.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"}, attached)

		locks := map[string]tests.Body{}
		for _, l := range d.Of("aws_backup_vault_lock_configuration") {
			locks[l.Body["backup_vault_name"].(string)] = l.Body
		}
		switch cfg.Lock {
		case "":
			assert.Empty(t, locks, d.Env.Name)
		case envconfig.LockGovernance:
			require.Len(t, locks, 1, d.Env.Name)
			lock := locks[tests.Ref(vault, "name")]
			assert.NotContains(t, lock, "changeable_for_days", "governance mode")
			assert.Equal(t, 7.0, lock["min_retention_days"], "staging's floor, not the retention in use")
		case envconfig.LockCompliance:
			lock := locks[tests.Ref(vault, "name")]
			assert.Equal(t, float64(backup.ComplianceGraceDays), lock["changeable_for_days"], "compliance mode")
			assert.Equal(t, 30.0, lock["min_retention_days"], "production's floor")
			assert.Equal(t, float64(backup.MaxContinuousDays), lock["max_retention_days"])
		}
		for _, l := range locks {
			// A lock is set once: a change would replace it, which AWS refuses after the grace period.
			assert.Equal(t, []any{"min_retention_days", "max_retention_days", "changeable_for_days"}, tests.Block(l["lifecycle"])["ignore_changes"], d.Env.Name)
		}

		copies := tests.Blocks(rule["copy_action"])
		if cfg.DRRegion == "" {
			assert.Empty(t, copies, d.Env.Name)
			assert.Len(t, d.Root["provider"].(tests.Body)["aws"], 1, "no second provider")
		} else {
			require.Len(t, copies, 1)
			dr := d.NamedAs("aws_backup_vault", backup.VaultName(d.Namer), "aws.dr")
			assert.Equal(t, tests.Ref(dr, "arn"), copies[0]["destination_vault_arn"])
			assert.Equal(t, float64(cfg.DRRetentionDays), tests.Block(copies[0]["lifecycle"])["delete_after"])
			drLock := locks[tests.Ref(dr, "name")]
			assert.Equal(t, "aws.dr", drLock["provider"])
			assert.Equal(t, 30.0, drLock["min_retention_days"], "production's floor: copies kept longer still pass, and so would a copy that keeps its source's retention")
			assert.Equal(t, float64(backup.ComplianceGraceDays), drLock["changeable_for_days"])
		}

		if !cfg.RestoreTesting {
			assert.Zero(t, d.Count("aws_backup_restore_testing_plan"), d.Env.Name)
			assert.Zero(t, d.Count("aws_backup_restore_testing_selection"), d.Env.Name)
			continue
		}
		plan := d.One("aws_backup_restore_testing_plan")
		assert.Equal(t, backup.RestoreTestName(d.Namer), plan["name"])
		assert.Regexp(t, `^[A-Za-z0-9_]{1,50}$`, plan["name"])
		assert.Equal(t, backup.RestoreTestSchedule, plan["schedule_expression"])
		pick := tests.Block(plan["recovery_point_selection"])
		assert.Equal(t, []any{tests.Ref(vault, "arn")}, pick["include_vaults"])
		assert.Equal(t, "LATEST_WITHIN_WINDOW", pick["algorithm"])
		rts := d.One("aws_backup_restore_testing_selection")
		assert.Equal(t, "Aurora", rts["protected_resource_type"])
		assert.Equal(t, sel["depends_on"], rts["depends_on"], "both wait for the role's policies")
		assert.Len(t, tests.Strings(rts["depends_on"]), 2)
		assert.Equal(t, sel["resources"], rts["protected_resource_arns"])
		assert.Equal(t, map[string]any{
			"dbsubnetgroupname":   tests.RefTo("aws_rds_cluster", d.OneName("aws_rds_cluster"), "db_subnet_group_name"),
			"vpcsecuritygroupids": "${jsonencode([aws_security_group." + d.NameOf("aws_security_group", d.Namer.Name(255, "aurora")) + ".id])}",
		}, rts["restore_metadata_overrides"], "restored into the database tier, never a default VPC")
	}
}

// The DR region gets its own provider (same account, same tags) and its own key.
func TestDisasterRecoveryRegionProvider(t *testing.T) {
	providers := prod.Root["provider"].(tests.Body)["aws"].([]any)
	require.Len(t, providers, 2)
	main, dr := providers[0].(tests.Body), providers[1].(tests.Body)
	assert.Equal(t, "dr", dr["alias"])
	assert.Equal(t, prod.Env.Backup.DRRegion, dr["region"])
	assert.Equal(t, main["allowed_account_ids"], dr["allowed_account_ids"])
	assert.Equal(t, main["default_tags"], dr["default_tags"])
	key := prod.Named("aws_kms_key", "dr-backup")
	assert.Equal(t, "aws.dr", key.Body["provider"])
	assert.Equal(t, true, key.Body["enable_key_rotation"])
	assert.Equal(t, tests.Ref(key, "arn"), prod.NamedAs("aws_backup_vault", backup.VaultName(prod.Namer), "aws.dr").Body["kms_key_arn"])
}

// The dashboard has a row per service and graphs every metric an alarm watches, plus every
// alarm's state.
func TestDashboardCoversEveryServiceAndAlarm(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		var body struct {
			Widgets []struct {
				Type       string
				Properties struct {
					Title   string
					Metrics [][]any
					Alarms  []string
				}
			}
		}
		require.NoError(t, json.Unmarshal([]byte(d.One("aws_cloudwatch_dashboard")["dashboard_body"].(string)), &body))
		graphed, titles := map[string]bool{}, map[string]bool{}
		var alarmWidget []string
		for _, w := range body.Widgets {
			titles[w.Properties.Title] = true
			if w.Type == "alarm" {
				alarmWidget = w.Properties.Alarms
			}
			for _, m := range w.Properties.Metrics {
				key := m[0].(string) + " " + m[1].(string)
				for i := 2; i+1 < len(m); i += 2 {
					key += " " + m[i].(string) + "=" + m[i+1].(string)
				}
				graphed[key] = true
			}
		}
		for _, svc := range d.Env.Services {
			for _, suffix := range []string{": requests and 5xx", ": p95 latency (s)", ": CPU and memory (%)", ": running vs desired tasks"} {
				assert.True(t, titles[svc.Name+suffix], "%s: %s%s", d.Env.Name, svc.Name, suffix)
			}
		}
		alarmsByName := d.Resources("aws_cloudwatch_metric_alarm")
		require.Len(t, alarmWidget, len(alarmsByName))
		for name, a := range alarmsByName {
			assert.Contains(t, alarmWidget, tests.RefTo("aws_cloudwatch_metric_alarm", name, "arn"))
			key := a["namespace"].(string) + " " + a["metric_name"].(string)
			dims := a["dimensions"].(tests.Body)
			for _, k := range []string{"TargetGroup", "LoadBalancer", "ApiId", "Stage", "ClusterName", "ServiceName", "DBClusterIdentifier", "DBInstanceIdentifier", "CacheClusterId"} {
				if v, ok := dims[k]; ok {
					key += " " + k + "=" + v.(string)
				}
			}
			assert.True(t, graphed[key], "%s: alarm %s has no graph of %s", d.Env.Name, a["alarm_name"], key)
		}
		assert.Equal(t, d.Env.WAF, titles["WAF: blocked requests"], d.Env.Name)
		for _, title := range []string{"ALB: all targets", "API Gateway: 4xx, 5xx and p95 latency (ms)", "Aurora: CPU, connections, replica lag", "Redis: engine CPU, memory, evictions"} {
			assert.True(t, titles[title], "%s: %s", d.Env.Name, title)
		}
	}
}
