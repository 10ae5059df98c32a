// Package backup protects an environment's Aurora cluster with AWS Backup: continuous backup
// (point-in-time restore) into a vault encrypted with its own key, the cluster selected by ARN,
// a vault lock so that nobody can delete a recovery point early, a copy of every recovery point
// to a vault and key in a second region, and a weekly restore test (PCI-DSS 9.4.1, 12.10.1).
package backup

import (
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupplan"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backuprestoretestingplan"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backuprestoretestingselection"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupselection"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupvault"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupvaultlockconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/keys"
	"github.com/scalepayments/infra/constructs/role"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// Schedule is the daily job's cron expression, at envconfig.BackupHourUTC.
var Schedule = fmt.Sprintf("cron(0 %d ? * * *)", envconfig.BackupHourUTC)

// Schedules, in UTC.
const (
	// RestoreTestSchedule restores the latest recovery point every Monday.
	RestoreTestSchedule = "cron(0 7 ? * MON *)"
	// ComplianceGraceDays is how long a compliance-mode lock can still be removed: AWS's minimum
	// cooling-off period ("you must set ChangeableForDays to 3 or greater").
	ComplianceGraceDays = 3
	// MaxContinuousDays is AWS Backup's longest continuous-backup retention.
	MaxContinuousDays = 35
	// MaxCopyDays bounds how long DR copies may be kept (the lock's maximum).
	MaxCopyDays = 3650
)

// Props configures the backups of one environment.
type Props struct {
	Namer   naming.Namer
	Account iam.Account
	Config  envconfig.Backup
	// RetentionDays is the point-in-time window: Aurora.BackupRetentionDays, because AWS Backup
	// takes over the cluster's automated-backup retention and the two must agree.
	RetentionDays int
	// LockMinDays is the shortest retention the vault locks allow: the stage's floor, not the
	// retention in use, which may change while a lock cannot (see vault).
	LockMinDays        int
	DeletionWindowDays int     // of the DR region's key
	KMSKeyARN          *string // the vault's key (keys.Backup)
	ClusterARN         *string
	// The restore test restores into the database tier, never into a default VPC.
	SubnetGroupName, SecurityGroupID *string
	// DRProvider is the aliased provider of Config.DRRegion (nil without a DR region).
	DRProvider cdktf.TerraformProvider
}

// Backup exposes the backup resources; the DR ones are nil without a DR region.
type Backup struct {
	Vault     backupvault.BackupVault
	Lock      backupvaultlockconfiguration.BackupVaultLockConfiguration // nil without a lock
	Plan      backupplan.BackupPlan
	Selection backupselection.BackupSelection
	Role      *role.Role
	DRKey     kmskey.KmsKey
	DRVault   backupvault.BackupVault
	DRLock    backupvaultlockconfiguration.BackupVaultLockConfiguration
	// RestoreTest is nil where the environment does not test restores.
	RestoreTest          backuprestoretestingplan.BackupRestoreTestingPlan
	RestoreTestSelection backuprestoretestingselection.BackupRestoreTestingSelection
}

// VaultName is the environment's vault (the same name in its DR region).
func VaultName(n naming.Namer) string { return n.Name(naming.MaxBackupVaultName, "backups") }

// RestoreTestName is the restore testing plan's name: letters, digits and underscores only.
func RestoreTestName(n naming.Namer) string {
	return strings.ReplaceAll(n.Name(naming.MaxRestoreTestingName, "aurora"), "-", "_")
}

// New creates the vaults, locks, plan, selection and restore test.
func New(scope constructs.Construct, id string, props *Props) *Backup {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	n, cfg := props.Namer, props.Config
	b := &Backup{}
	b.Vault, b.Lock = vault(scope, "vault", n, props.KMSKeyARN, cfg.Lock, props.LockMinDays, MaxContinuousDays, nil)
	rule := &backupplan.BackupPlanRule{
		RuleName: jsii.String("continuous"), TargetVaultName: b.Vault.Name(),
		Schedule: jsii.String(Schedule), StartWindow: jsii.Number(60), CompletionWindow: jsii.Number(180),
		EnableContinuousBackup: jsii.Bool(true),
		Lifecycle:              &backupplan.BackupPlanRuleLifecycle{DeleteAfter: jsii.Number(float64(props.RetentionDays))},
	}
	if cfg.DRRegion != "" {
		dr := naming.Namer{Env: n.Env, Code: n.Code, Region: cfg.DRRegion, Home: n.Home}
		b.DRKey = keys.Key(scope, &keys.Props{Namer: dr, Account: props.Account, DeletionWindowDays: props.DeletionWindowDays, Provider: props.DRProvider},
			"dr-backup", "AWS Backup recovery points copied from "+n.Home)
		b.DRVault, b.DRLock = vault(scope, "dr-vault", dr, b.DRKey.Arn(), cfg.Lock, props.LockMinDays, MaxCopyDays, props.DRProvider)
		rule.CopyAction = []*backupplan.BackupPlanRuleCopyAction{{
			DestinationVaultArn: b.DRVault.Arn(),
			Lifecycle:           &backupplan.BackupPlanRuleCopyActionLifecycle{DeleteAfter: jsii.Number(float64(cfg.DRRetentionDays))},
		}}
	}
	planName := n.Name(naming.MaxBackupVaultName, "aurora")
	b.Plan = backupplan.NewBackupPlan(scope, jsii.String("plan"), &backupplan.BackupPlanConfig{
		Name: jsii.String(planName), Rule: []*backupplan.BackupPlanRule{rule}, Tags: naming.NameTag(planName),
	})
	// AWS Backup's default service role trusts backup.amazonaws.com with no condition, and the
	// service sets no aws:SourceAccount when it assumes a role:
	// https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html
	b.Role = role.New(scope, "role", &role.Props{
		Name: n.Global(naming.MaxIAMRoleName, "backup"), Service: "backup.amazonaws.com", Account: props.Account, NoSourceAccount: true,
		ManagedPolicies: []string{"service-role/AWSBackupServiceRolePolicyForBackup", "service-role/AWSBackupServiceRolePolicyForRestores"},
	})
	b.Selection = backupselection.NewBackupSelection(scope, jsii.String("aurora"), &backupselection.BackupSelectionConfig{
		Name: jsii.String(planName), PlanId: b.Plan.Id(), IamRoleArn: b.Role.Role.Arn(),
		Resources: &[]*string{props.ClusterARN}, // by ARN: a tag anyone can remove selects nothing
		DependsOn: &b.Role.Grants,
	})
	if cfg.RestoreTesting {
		b.restoreTest(scope, props)
	}
	return b
}

// vault creates a vault encrypted with key and, when lock is set, its lock: governance mode, or
// compliance mode that becomes immutable after the grace period. Recovery points must be kept
// between minDays and maxDays.
func vault(scope constructs.Construct, id string, n naming.Namer, key *string, lock string, minDays, maxDays int, provider cdktf.TerraformProvider) (backupvault.BackupVault, backupvaultlockconfiguration.BackupVaultLockConfiguration) {
	name := VaultName(n)
	v := backupvault.NewBackupVault(scope, jsii.String(id), &backupvault.BackupVaultConfig{
		Name: jsii.String(name), KmsKeyArn: key, ForceDestroy: jsii.Bool(false), Tags: naming.NameTag(name), Provider: provider,
	})
	if lock == "" {
		return v, nil
	}
	cfg := &backupvaultlockconfiguration.BackupVaultLockConfigurationConfig{
		BackupVaultName: v.Name(), MinRetentionDays: jsii.Number(float64(minDays)), MaxRetentionDays: jsii.Number(float64(maxDays)), Provider: provider,
		// A lock is set once. The provider replaces it on any change, and AWS refuses to delete a
		// compliance-mode lock after its grace period ("Vault Lock", AWS Backup Developer Guide;
		// the workspace roles may delete none): a changed value would fail every later apply.
		Lifecycle: &cdktf.TerraformResourceLifecycle{IgnoreChanges: jsii.Strings("min_retention_days", "max_retention_days", "changeable_for_days")},
	}
	if lock == envconfig.LockCompliance {
		cfg.ChangeableForDays = jsii.Number(ComplianceGraceDays)
	}
	return v, backupvaultlockconfiguration.NewBackupVaultLockConfiguration(scope, jsii.String(id+"-lock"), cfg)
}

// restoreTest has AWS Backup restore the latest recovery point of the cluster every week into the
// database subnets and security group, validate it and delete it.
func (b *Backup) restoreTest(scope constructs.Construct, props *Props) {
	name := RestoreTestName(props.Namer)
	b.RestoreTest = backuprestoretestingplan.NewBackupRestoreTestingPlan(scope, jsii.String("restore-test"), &backuprestoretestingplan.BackupRestoreTestingPlanConfig{
		Name: jsii.String(name), ScheduleExpression: jsii.String(RestoreTestSchedule), StartWindowHours: jsii.Number(8),
		RecoveryPointSelection: []*backuprestoretestingplan.BackupRestoreTestingPlanRecoveryPointSelection{{
			Algorithm: jsii.String("LATEST_WITHIN_WINDOW"), IncludeVaults: &[]*string{b.Vault.Arn()},
			RecoveryPointTypes: jsii.Strings("CONTINUOUS"), SelectionWindowDays: jsii.Number(7),
		}},
		Tags: naming.NameTag(name),
	})
	// Without overrides AWS Backup restores into the default VPC, which these accounts do not
	// use ("Restore testing inferred metadata", AWS Backup Developer Guide).
	b.RestoreTestSelection = backuprestoretestingselection.NewBackupRestoreTestingSelection(scope, jsii.String("restore-test-aurora"), &backuprestoretestingselection.BackupRestoreTestingSelectionConfig{
		Name: jsii.String(name), RestoreTestingPlanName: b.RestoreTest.Name(), ProtectedResourceType: jsii.String("Aurora"),
		IamRoleArn: b.Role.Role.Arn(), ProtectedResourceArns: &[]*string{props.ClusterARN},
		RestoreMetadataOverrides: &map[string]*string{
			"dbsubnetgroupname":   props.SubnetGroupName,
			"vpcsecuritygroupids": cdktf.Fn_Jsonencode(&[]*string{props.SecurityGroupID}), // HCL-safe, unlike a JSON string around a reference
		},
		ValidationWindowHours: jsii.Number(1),
		DependsOn:             &b.Role.Grants,
	})
}
