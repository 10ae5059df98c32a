package unit

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/help/netplan"
	"github.com/scalepayments/infra/tests"
)

func sgRef(d *tests.Doc, group string) string {
	return tests.Ref(d.Named("aws_security_group", group), "id")
}

func TestAuroraIsEncryptedTLSOnlyAndIAMAuthenticated(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		c := d.One("aws_rds_cluster")
		assert.Equal(t, "aurora-postgresql", c["engine"])
		assert.Equal(t, "17.4", c["engine_version"])
		assert.Equal(t, true, c["storage_encrypted"])
		assert.Equal(t, d.KeyRef("database"), c["kms_key_id"])
		assert.Equal(t, true, c["manage_master_user_password"])
		assert.Equal(t, d.KeyRef("database"), c["master_user_secret_kms_key_id"])
		assert.NotContains(t, c, "master_password")
		assert.NotContains(t, c, "master_password_wo")
		assert.Equal(t, true, c["iam_database_authentication_enabled"])
		// Regression: the RDS Data API is the only path to create the IAM database users (the
		// database subnets have no route out); make db-users uses it.
		assert.Equal(t, true, c["enable_http_endpoint"], "%s: RDS Data API", d.Env.Name)
		assert.Equal(t, []any{"postgresql"}, c["enabled_cloudwatch_logs_exports"])
		assert.Equal(t, true, c["copy_tags_to_snapshot"])
		assert.Equal(t, []any{sgRef(d, "aurora")}, c["vpc_security_group_ids"], "the aurora group and nothing else")
		assert.Equal(t, false, c["allow_major_version_upgrade"])

		pg := d.One("aws_rds_cluster_parameter_group")
		assert.Equal(t, tests.RefTo("aws_rds_cluster_parameter_group", d.OneName("aws_rds_cluster_parameter_group"), "name"), c["db_cluster_parameter_group_name"])
		assert.Equal(t, "aurora-postgresql17", pg["family"])
		params := map[string]any{}
		for _, p := range pg["parameter"].([]any) {
			params[p.(tests.Body)["name"].(string)] = p.(tests.Body)["value"]
		}
		assert.Equal(t, "1", params["rds.force_ssl"])
		assert.Equal(t, "TLSv1.2", params["ssl_min_protocol_version"])
		assert.Equal(t, "ddl", params["log_statement"])
		assert.Equal(t, "ddl,role", params["pgaudit.log"])
		assert.Equal(t, "aurora-postgresql17", d.One("aws_db_parameter_group")["family"])

		sub, ok := d.Ref(c["db_subnet_group_name"])
		require.True(t, ok)
		assert.ElementsMatch(t, subnetRefs(d, netplan.Database), tests.Strings(sub.Body["subnet_ids"]), "database subnets only")
	}
}

func TestAuroraLogGroupIsOwnedEncryptedAndRetained(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		name := fmt.Sprintf("/aws/rds/cluster/scalepayments-%s-aurora/postgresql", d.Env.Name)
		lg := d.Resources("aws_cloudwatch_log_group")[d.NameOf("aws_cloudwatch_log_group", name)]
		assert.Equal(t, d.KeyRef("logs"), lg["kms_key_id"])
		assert.EqualValues(t, d.Env.LogRetentionDays, lg["retention_in_days"])
		assert.Equal(t, []any{"aws_cloudwatch_log_group." + d.NameOf("aws_cloudwatch_log_group", name)}, d.One("aws_rds_cluster")["depends_on"],
			"created before the cluster, so RDS never creates an unencrypted one")
	}
}

func TestAuroraInstancesSpreadOverAZs(t *testing.T) {
	for _, tt := range []struct {
		d     *tests.Doc
		class string
		azs   []any
	}{
		{dev, "db.t4g.medium", []any{"us-east-1a"}},
		{staging, "db.r6g.large", []any{"us-east-1a", "us-east-1b"}},
		{prod, "db.r6g.xlarge", []any{"us-east-1a", "us-east-1b", "us-east-1c"}},
	} {
		var azs, tiers []any
		for _, in := range tt.d.List("aws_rds_cluster_instance") {
			assert.Equal(t, tt.class, in["instance_class"])
			assert.Equal(t, false, in["publicly_accessible"])
			assert.Equal(t, true, in["auto_minor_version_upgrade"])
			assert.Equal(t, tests.RefTo("aws_rds_cluster", tt.d.OneName("aws_rds_cluster"), "id"), in["cluster_identifier"])
			azs = append(azs, in["availability_zone"])
			tiers = append(tiers, in["promotion_tier"])
		}
		assert.Equal(t, tt.azs, azs, tt.d.Env.Name)
		assert.Len(t, tiers, len(tt.azs))
	}
}

func TestAuroraMonitoringPerEnvironment(t *testing.T) {
	for _, in := range dev.List("aws_rds_cluster_instance") {
		assert.NotContains(t, in, "performance_insights_enabled")
		assert.NotContains(t, in, "monitoring_interval")
	}
	for _, d := range []*tests.Doc{staging, prod} {
		for _, in := range d.List("aws_rds_cluster_instance") {
			assert.Equal(t, true, in["performance_insights_enabled"])
			assert.Equal(t, d.KeyRef("database"), in["performance_insights_kms_key_id"])
			assert.EqualValues(t, 60, in["monitoring_interval"])
			role, ok := d.Ref(in["monitoring_role_arn"])
			require.True(t, ok)
			assert.Contains(t, role.Body["assume_role_policy"], `"Service": "monitoring.rds.amazonaws.com"`)
		}
	}
}

func TestAuroraIsLossProofPerEnvironment(t *testing.T) {
	for _, tt := range []struct {
		d                       *tests.Doc
		retention               int
		protected, keepSnapshot bool
		preventDestroy          bool
	}{
		{dev, 7, false, false, false},
		{staging, 14, true, true, false},
		{prod, 30, true, true, true},
	} {
		c := tt.d.One("aws_rds_cluster")
		name := tt.d.Env.Name
		assert.EqualValues(t, tt.retention, c["backup_retention_period"], name)
		assert.Equal(t, "03:00-04:00", c["preferred_backup_window"])
		assert.Equal(t, tt.protected, c["deletion_protection"], name)
		assert.Equal(t, !tt.keepSnapshot, c["skip_final_snapshot"], name)
		if tt.keepSnapshot {
			assert.Equal(t, tt.d.Namer.Name(naming.MaxRDSIdentifier, "aurora", "final"), c["final_snapshot_identifier"])
		} else {
			assert.NotContains(t, c, "final_snapshot_identifier")
		}
		// AWS Backup owns the automated-backup settings once it backs the cluster up.
		assert.Equal(t, []any{"engine_version", "backup_retention_period", "preferred_backup_window"}, c["lifecycle"].(tests.Body)["ignore_changes"], name)
		for _, r := range append([]tests.Body{c}, tt.d.List("aws_rds_cluster_instance")...) {
			lc := r["lifecycle"].(tests.Body)
			assert.Equal(t, tt.preventDestroy, lc["prevent_destroy"], name)
		}
		for _, in := range tt.d.List("aws_rds_cluster_instance") {
			lc := in["lifecycle"].(tests.Body)
			assert.Equal(t, []any{"engine_version"}, lc["ignore_changes"], "engine_version is a floor")
			if _, monitored := in["monitoring_role_arn"]; monitored {
				assert.Len(t, tests.Strings(in["depends_on"]), 1, "%s: waits for the monitoring role's policy attachment", name)
				assert.Regexp(t, `^aws_iam_role_policy_attachment\.database_monitoring-role-service-role--AmazonRDSEnhancedMonitoringRole_[0-9A-F]{8}$`, tests.Strings(in["depends_on"])[0])
			} else {
				assert.NotContains(t, in, "depends_on", name)
			}
		}
	}
}

func TestNoGeneratedPasswordAnywhere(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		assert.Zero(t, d.Count("random_password"))
		assert.Zero(t, d.Count("aws_secretsmanager_secret_version"))
		assert.NotContains(t, d.Root, "variable", "no password variables either")
		for _, r := range d.Each() {
			for _, attr := range []string{"password", "master_password", "auth_token", "passwords"} {
				assert.NotContains(t, r.Body, attr, r.Address())
			}
		}
	}
}
