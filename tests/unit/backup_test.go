package unit

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/backup"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/tests"
)

// The backup key the stack would pass, as a plain value.
const backupKey = "arn:aws:kms:us-east-1:111122223333:key/backup"

// backupCluster is the ARN of env's Aurora cluster, as the database would give it.
func backupCluster(env envconfig.Environment) string {
	return "arn:aws:rds:us-east-1:111122223333:cluster:scalepayments-" + env.Name + "-aurora"
}

// backupOf is the backup construct of env alone, configured as the stack configures it: where
// env has a DR region, it gets an aliased provider there, as the stack makes one.
func backupOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("backup", env, func(stack cdktf.TerraformStack) {
		props := &backup.Props{
			Namer: stacks.EnvNamer(env), Account: tests.TestAccount, Config: env.Backup,
			RetentionDays: env.Aurora.BackupRetentionDays, LockMinDays: env.Stage.Floors().MinBackupRetentionDays,
			DeletionWindowDays: env.KMSDeletionWindowDays, KMSKeyARN: jsii.String(backupKey), ClusterARN: jsii.String(backupCluster(env)),
			SubnetGroupName: jsii.String("scalepayments-" + env.Name + "-aurora"), SecurityGroupID: jsii.String("sg-aurora"),
		}
		if env.Backup.DRRegion != "" {
			props.DRProvider = provider.NewAwsProvider(stack, jsii.String("aws-dr"), &provider.AwsProviderConfig{
				Alias: jsii.String("dr"), Region: jsii.String(env.Backup.DRRegion),
			})
		}
		backup.New(stack, "backup", props)
	})
}

// Every environment backs Aurora up continuously into its own vault, encrypted with its backup
// key, selected by the cluster's ARN, for exactly Aurora's retention; the lock, the DR copy and
// the restore test follow envconfig.
func TestAuroraBackupPlanPerEnvironment(t *testing.T) {
	type lock struct {
		mode                        string // "", governance, compliance
		min, max, changeableForDays float64
	}
	want := map[string]struct {
		days, drDays float64
		lock, drLock lock
		dr, restores bool
	}{
		"dev":     {days: 7},
		"staging": {days: 14, lock: lock{"governance", 7, 35, 0}, restores: true}, // staging's floor, not the retention in use
		"prod": {days: 30, lock: lock{"compliance", 30, 35, 3}, restores: true, // production's floor
			dr: true, drDays: 90, drLock: lock{"compliance", 30, 3650, 3}},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, w := backupOf(env), want[env.Name]
		name := "scalepayments-" + env.Name + "-backups"
		require.Len(t, d.Of("aws_backup_vault"), map[bool]int{false: 1, true: 2}[w.dr])
		tests.Has(t, d, "aws_backup_vault", map[string]any{"name": name, "kms_key_arn": backupKey, "force_destroy": false})
		vault := d.NamedAs("aws_backup_vault", name, "")
		assert.Equal(t, backupKey, vault.Body["kms_key_arn"])

		plan := d.One("aws_backup_plan")
		assert.Equal(t, "scalepayments-"+env.Name+"-aurora", plan["name"])
		rule := tests.Block(plan["rule"])
		assert.Equal(t, "continuous", rule["rule_name"])
		assert.Equal(t, tests.Ref(vault, "name"), rule["target_vault_name"])
		assert.Equal(t, true, rule["enable_continuous_backup"], "point-in-time restore")
		assert.Equal(t, w.days, tests.Block(rule["lifecycle"])["delete_after"], "the same window as Aurora's own retention")
		assert.Equal(t, "cron(0 5 ? * * *)", rule["schedule"])
		assert.EqualValues(t, 60, rule["start_window"])
		assert.EqualValues(t, 180, rule["completion_window"])

		sel := d.One("aws_backup_selection")
		assert.Equal(t, []any{backupCluster(env)}, sel["resources"], "selected by ARN")
		assert.NotContains(t, sel, "selection_tag", "never by a tag anyone can remove")
		assert.Equal(t, tests.RefTo("aws_backup_plan", d.OneName("aws_backup_plan"), "id"), sel["plan_id"])
		role := d.One("aws_iam_role")
		assert.Equal(t, "scalepayments-"+env.Name+"-backup", role["name"])
		assert.Equal(t, tests.RefTo("aws_iam_role", d.OneName("aws_iam_role"), "arn"), sel["iam_role_arn"])
		trust := tests.Statements(role["assume_role_policy"])
		require.Len(t, trust, 1)
		assert.Equal(t, map[string]any{"Service": "backup.amazonaws.com"}, trust[0].Principal)
		assert.Empty(t, trust[0].Condition, "AWS Backup sets no aws:SourceAccount when it assumes a role")
		var attached, attachments []string
		for _, a := range d.Of("aws_iam_role_policy_attachment") {
			assert.Equal(t, tests.RefTo("aws_iam_role", d.OneName("aws_iam_role"), "name"), a.Body["role"])
			attached, attachments = append(attached, a.Body["policy_arn"].(string)), append(attachments, a.Address())
		}
		assert.ElementsMatch(t, []string{"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
			"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"}, attached)
		assert.ElementsMatch(t, attachments, tests.Strings(sel["depends_on"]), "the selection waits for the role's policies")
		assert.Zero(t, d.Count("aws_iam_role_policy"))

		locks := map[string]tests.Body{}
		for _, l := range d.Of("aws_backup_vault_lock_configuration") {
			locks[l.Body["backup_vault_name"].(string)] = l.Body
		}
		assert.Len(t, locks, map[string]int{"": 0, "governance": 1, "compliance": 1}[w.lock.mode]+map[bool]int{false: 0, true: 1}[w.dr])
		checkLock := func(l tests.Body, want lock) {
			t.Helper()
			require.NotNil(t, l)
			assert.Equal(t, want.min, l["min_retention_days"])
			assert.Equal(t, want.max, l["max_retention_days"])
			if want.mode == "governance" {
				assert.NotContains(t, l, "changeable_for_days", "governance mode")
			} else {
				assert.Equal(t, want.changeableForDays, l["changeable_for_days"], "compliance mode")
			}
			// A lock is set once: a change would replace it, which AWS refuses after the grace period.
			assert.Equal(t, []any{"min_retention_days", "max_retention_days", "changeable_for_days"}, tests.Block(l["lifecycle"])["ignore_changes"])
		}
		if w.lock.mode != "" {
			checkLock(locks[tests.Ref(vault, "name")], w.lock)
			assert.NotContains(t, locks[tests.Ref(vault, "name")], "provider")
		}

		copies := tests.Blocks(rule["copy_action"])
		if !w.dr {
			assert.Empty(t, copies)
			for _, r := range d.Each() {
				assert.NotContains(t, r.Body, "provider", "%s: everything in the stack's region", r.Address())
			}
		} else {
			require.Len(t, copies, 1)
			dr := d.NamedAs("aws_backup_vault", name, "aws.dr")
			assert.Equal(t, tests.Ref(dr, "arn"), copies[0]["destination_vault_arn"])
			assert.Equal(t, w.drDays, tests.Block(copies[0]["lifecycle"])["delete_after"])
			drLock := locks[tests.Ref(dr, "name")]
			// Copies kept longer still pass, and so would a copy that keeps its source's retention.
			checkLock(drLock, w.drLock)
			assert.Equal(t, "aws.dr", drLock["provider"])
		}

		if !w.restores {
			assert.Zero(t, d.Count("aws_backup_restore_testing_plan"))
			assert.Zero(t, d.Count("aws_backup_restore_testing_selection"))
			return
		}
		rtp := d.One("aws_backup_restore_testing_plan")
		assert.Equal(t, "scalepayments_"+env.Name+"_aurora", rtp["name"])
		assert.Regexp(t, `^[A-Za-z0-9_]{1,50}$`, rtp["name"])
		assert.Equal(t, "cron(0 7 ? * MON *)", rtp["schedule_expression"])
		pick := tests.Block(rtp["recovery_point_selection"])
		assert.Equal(t, []any{tests.Ref(vault, "arn")}, pick["include_vaults"])
		assert.Equal(t, "LATEST_WITHIN_WINDOW", pick["algorithm"])
		assert.Equal(t, []any{"CONTINUOUS"}, pick["recovery_point_types"])
		rts := d.One("aws_backup_restore_testing_selection")
		assert.Equal(t, tests.RefTo("aws_backup_restore_testing_plan", d.OneName("aws_backup_restore_testing_plan"), "name"), rts["restore_testing_plan_name"])
		assert.Equal(t, "Aurora", rts["protected_resource_type"])
		assert.Equal(t, sel["iam_role_arn"], rts["iam_role_arn"])
		assert.Equal(t, sel["depends_on"], rts["depends_on"], "both wait for the role's policies")
		assert.Len(t, tests.Strings(rts["depends_on"]), 2)
		assert.Equal(t, []any{backupCluster(env)}, rts["protected_resource_arns"])
		assert.EqualValues(t, 1, rts["validation_window_hours"], "the restored cluster is deleted an hour after it is ready")
		assert.Equal(t, map[string]any{
			"dbsubnetgroupname":   "scalepayments-" + env.Name + "-aurora",
			"vpcsecuritygroupids": `${jsonencode(["sg-aurora"])}`,
		}, rts["restore_metadata_overrides"], "restored into the database tier it is given, never a default VPC")
	})
}

// The DR region's key and vault are created through the provider the construct is given; the
// provider block itself (same account, same tags) is the stack's: integration.
func TestDisasterRecoveryRegionProvider(t *testing.T) {
	drKeys := map[string]int{"dev": 0, "staging": 0, "prod": 1}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := backupOf(env)
		require.Equal(t, drKeys[env.Name], d.Count("aws_kms_key"), "the vault's own key is the stack's")
		if drKeys[env.Name] == 0 {
			assert.Zero(t, d.Count("aws_kms_alias"))
			return
		}
		key := d.NamedAs("aws_kms_key", "scalepayments-"+env.Name+"-dr-backup", "aws.dr")
		assert.Equal(t, true, key.Body["enable_key_rotation"])
		assert.EqualValues(t, 30, key.Body["deletion_window_in_days"])
		policy := tests.Statements(key.Body["policy"])
		require.Len(t, policy, 1)
		assert.Equal(t, map[string]any{"AWS": "arn:aws:iam::111122223333:root"}, policy[0].Principal)
		tests.Has(t, d, "aws_kms_alias", map[string]any{"name": "alias/scalepayments-" + env.Name + "-dr-backup", "provider": "aws.dr",
			"target_key_id": tests.Ref(key, "key_id")})
		assert.Equal(t, tests.Ref(key, "arn"), d.NamedAs("aws_backup_vault", "scalepayments-"+env.Name+"-backups", "aws.dr").Body["kms_key_arn"])
	})
}
