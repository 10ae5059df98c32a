package unit

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/database"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/tests"
)

// Inputs a construct attaches to, as plain values: what the stack would pass.
const (
	databaseKey = "arn:aws:kms:us-east-1:111122223333:key/database"
	logsKey     = "arn:aws:kms:us-east-1:111122223333:key/logs"
)

// databaseOf is the database construct of env alone, configured as the stack configures it.
func databaseOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("database", env, func(stack cdktf.TerraformStack) {
		floors := env.Stage.Floors()
		database.New(stack, "database", &database.Props{
			Namer: stacks.EnvNamer(env), Account: tests.TestAccount, Config: env.Aurora, AvailabilityZones: env.AvailabilityZones,
			Protected: floors.Protected, PreventDestroy: floors.PreventDestroy,
			SubnetIDs: jsii.Strings("subnet-db-a", "subnet-db-b"), SecurityGroupID: jsii.String("sg-aurora"),
			KMSKeyARN: jsii.String(databaseKey), LogsKeyARN: jsii.String(logsKey), LogRetentionDays: env.LogRetentionDays,
		})
	})
}

func TestAuroraIsEncryptedTLSOnlyAndIAMAuthenticated(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := databaseOf(env)
		tests.Has(t, d, "aws_rds_cluster", map[string]any{
			"engine": "aurora-postgresql", "engine_version": "17.4", "allow_major_version_upgrade": false,
			"storage_encrypted": true, "kms_key_id": databaseKey,
			"manage_master_user_password": true, "master_user_secret_kms_key_id": databaseKey, "master_username": "spadmin",
			"iam_database_authentication_enabled": true,
			// The RDS Data API is the only path to create the IAM database users (the database
			// subnets have no route out); make db-users uses it.
			"enable_http_endpoint":            true,
			"enabled_cloudwatch_logs_exports": []any{"postgresql"}, "copy_tags_to_snapshot": true,
			"vpc_security_group_ids": []any{"sg-aurora"}, "port": 5432,
			"database_name": "scalepayments", "cluster_identifier": "scalepayments-" + env.Name + "-aurora",
		})
		c := d.One("aws_rds_cluster")
		for _, attr := range []string{"master_password", "master_password_wo"} {
			assert.NotContains(t, c, attr)
		}
		sub, ok := d.Ref(c["db_subnet_group_name"])
		require.True(t, ok)
		assert.Equal(t, []string{"subnet-db-a", "subnet-db-b"}, tests.Strings(sub.Body["subnet_ids"]), "the subnets it is given, nothing else")

		pg, ok := d.Ref(c["db_cluster_parameter_group_name"])
		require.True(t, ok, "a custom parameter group")
		assert.Equal(t, "aurora-postgresql17", pg.Body["family"])
		params := map[string]any{}
		for _, p := range tests.Blocks(pg.Body["parameter"]) {
			params[p["name"].(string)] = p["value"]
		}
		assert.Equal(t, map[string]any{"rds.force_ssl": "1", "ssl_min_protocol_version": "TLSv1.2", "log_connections": "1", "log_disconnections": "1",
			"log_statement": "ddl", "log_min_duration_statement": "1000", "shared_preload_libraries": "pg_stat_statements,pgaudit",
			"pgaudit.log": "ddl,role", "pgaudit.role": "rds_pgaudit"}, params)
		tests.Has(t, d, "aws_db_parameter_group", map[string]any{"family": "aurora-postgresql17"})
	})
}

// RDS would create the log group itself, unencrypted and kept forever: the construct owns it
// and the cluster waits for it.
func TestAuroraLogGroupIsOwnedEncryptedAndRetained(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := databaseOf(env)
		name := "/aws/rds/cluster/scalepayments-" + env.Name + "-aurora/postgresql"
		tests.Has(t, d, "aws_cloudwatch_log_group", map[string]any{"name": name, "kms_key_id": logsKey, "retention_in_days": env.LogRetentionDays})
		assert.Equal(t, []any{"aws_cloudwatch_log_group." + d.NameOf("aws_cloudwatch_log_group", name)}, d.One("aws_rds_cluster")["depends_on"])
	})
}

func TestAuroraInstancesSpreadOverAZs(t *testing.T) {
	want := map[string]struct {
		class string
		azs   []any
	}{
		"dev":     {"db.t4g.medium", []any{"us-east-1a"}},
		"staging": {"db.r6g.large", []any{"us-east-1a", "us-east-1b"}},
		"prod":    {"db.r6g.xlarge", []any{"us-east-1a", "us-east-1b", "us-east-1c"}},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := databaseOf(env)
		var azs, tiers, ids []any
		for _, in := range d.List("aws_rds_cluster_instance") {
			assert.Equal(t, want[env.Name].class, in["instance_class"])
			assert.Equal(t, false, in["publicly_accessible"])
			assert.Equal(t, true, in["auto_minor_version_upgrade"])
			assert.Equal(t, "rds-ca-rsa2048-g1", in["ca_cert_identifier"])
			assert.Equal(t, tests.RefTo("aws_rds_cluster", d.OneName("aws_rds_cluster"), "id"), in["cluster_identifier"])
			azs, tiers, ids = append(azs, in["availability_zone"]), append(tiers, in["promotion_tier"]), append(ids, in["identifier"])
		}
		assert.Equal(t, want[env.Name].azs, azs)
		assert.Equal(t, []any{0.0, 1.0, 2.0}[:len(azs)], tiers, "the writer first")
		assert.Equal(t, []any{"scalepayments-" + env.Name + "-aurora-1", "scalepayments-" + env.Name + "-aurora-2", "scalepayments-" + env.Name + "-aurora-3"}[:len(azs)], ids)
	})
}

// Performance Insights and enhanced monitoring outside dev; the monitoring role is RDS's, and
// each instance waits for its policy (RDS checks it on create).
func TestAuroraMonitoringPerEnvironment(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := databaseOf(env)
		monitored := env.Name != "dev"
		for _, in := range d.List("aws_rds_cluster_instance") {
			if !monitored {
				for _, attr := range []string{"performance_insights_enabled", "monitoring_interval", "monitoring_role_arn", "depends_on"} {
					assert.NotContains(t, in, attr)
				}
				continue
			}
			assert.Equal(t, true, in["performance_insights_enabled"])
			assert.Equal(t, databaseKey, in["performance_insights_kms_key_id"])
			assert.EqualValues(t, 7, in["performance_insights_retention_period"])
			assert.EqualValues(t, 60, in["monitoring_interval"])
			role, ok := d.Ref(in["monitoring_role_arn"])
			require.True(t, ok)
			assert.Equal(t, "scalepayments-"+env.Name+"-aurora-monitoring", role.Body["name"])
			trust := tests.Statements(role.Body["assume_role_policy"])
			assert.Equal(t, map[string]any{"Service": "monitoring.rds.amazonaws.com"}, trust[0].Principal)
			assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:SourceAccount": "111122223333"}}, trust[0].Condition)
			attachment := d.One("aws_iam_role_policy_attachment")
			assert.Equal(t, "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole", attachment["policy_arn"])
			assert.Equal(t, []any{"aws_iam_role_policy_attachment." + d.OneName("aws_iam_role_policy_attachment")}, in["depends_on"])
		}
		assert.Equal(t, map[bool]int{false: 0, true: 1}[monitored], d.Count("aws_iam_role"))
	})
}

func TestAuroraIsLossProofPerEnvironment(t *testing.T) {
	want := map[string]struct {
		retention                               int
		protected, keepSnapshot, preventDestroy bool
	}{
		"dev":     {7, false, false, false},
		"staging": {14, true, true, false},
		"prod":    {30, true, true, true},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, w := databaseOf(env), want[env.Name]
		c := d.One("aws_rds_cluster")
		assert.EqualValues(t, w.retention, c["backup_retention_period"])
		assert.Equal(t, "03:00-04:00", c["preferred_backup_window"])
		assert.Equal(t, "sun:05:00-sun:06:00", c["preferred_maintenance_window"])
		assert.Equal(t, w.protected, c["deletion_protection"])
		assert.Equal(t, !w.protected, c["delete_automated_backups"])
		assert.Equal(t, !w.keepSnapshot, c["skip_final_snapshot"])
		if w.keepSnapshot {
			assert.Equal(t, "scalepayments-"+env.Name+"-aurora-final", c["final_snapshot_identifier"])
		} else {
			assert.NotContains(t, c, "final_snapshot_identifier")
		}
		// AWS Backup owns the automated-backup settings once it backs the cluster up.
		assert.Equal(t, map[string]any{"ignore_changes": []any{"engine_version", "backup_retention_period", "preferred_backup_window"}, "prevent_destroy": w.preventDestroy}, c["lifecycle"])
		for _, in := range d.List("aws_rds_cluster_instance") {
			assert.Equal(t, map[string]any{"ignore_changes": []any{"engine_version"}, "prevent_destroy": w.preventDestroy}, in["lifecycle"], "engine_version is a floor")
		}
	})
}
