// Package database creates the Aurora PostgreSQL cluster: encrypted with the database CMK,
// TLS-only, IAM database authentication, RDS-managed master secret, loss-proof per
// environment (PCI-DSS 3.5, 4.2, 8.3, 10.2, 12.10).
package database

import (
	"fmt"
	"strconv"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbparametergroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbsubnetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/rdscluster"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/rdsclusterinstance"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/rdsclusterparametergroup"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/constructs/role"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/help/netplan"
)

// Aurora PostgreSQL 17 is the newest major version AWS supports (17.4 to 17.7 released),
// giving the longest standard-support runway. 17.4 is a floor: minor upgrades are automatic
// and Terraform ignores the version after creation, so AWS upgrades cause no drift.
const (
	Engine        = "aurora-postgresql"
	EngineVersion = "17.4"
	Family        = "aurora-postgresql17"
	DatabaseName  = "scalepayments"
	MasterUser    = "spadmin"
	// Windows in UTC, apart from each other and from the Redis windows.
	BackupWindow      = "03:00-04:00"
	MaintenanceWindow = "sun:05:00-sun:06:00"
)

// UserSQL creates one service's database user for IAM authentication (no password: the
// rds_iam role makes PostgreSQL accept only IAM tokens) and lets it connect. Every statement is
// idempotent, so `make db-users` can run again after a service is added. Table privileges are
// granted by the service's own migrations.
func UserSQL(user string) []string {
	return []string{
		fmt.Sprintf("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%s') THEN CREATE ROLE %s LOGIN; END IF; END $$", user, user),
		fmt.Sprintf("GRANT rds_iam TO %s", user),
		fmt.Sprintf("GRANT CONNECT ON DATABASE %s TO %s", DatabaseName, user),
	}
}

// ClusterParameters are the cluster-level settings a payments team needs for audits.
var ClusterParameters = []Parameter{
	{"rds.force_ssl", "1", "immediate"}, // PCI-DSS 4.2.1: no plaintext connections
	{"ssl_min_protocol_version", "TLSv1.2", "immediate"},
	{"log_connections", "1", "immediate"},
	{"log_disconnections", "1", "immediate"},
	{"log_statement", "ddl", "immediate"},
	{"log_min_duration_statement", "1000", "immediate"},
	{"shared_preload_libraries", "pg_stat_statements,pgaudit", "pending-reboot"},
	{"pgaudit.log", "ddl,role", "immediate"},
	{"pgaudit.role", "rds_pgaudit", "immediate"},
}

// InstanceParameters are instance-level settings.
var InstanceParameters = []Parameter{
	{"log_lock_waits", "1", "immediate"},
	{"log_temp_files", "0", "immediate"},
}

// Parameter is one parameter group entry.
type Parameter struct{ Name, Value, ApplyMethod string }

// Props configures the cluster.
type Props struct {
	Namer   naming.Namer
	Account iam.Account
	Config  envconfig.Aurora
	// Protected keeps the data through any apply: deletion protection, a final snapshot, backups
	// kept after deletion. PreventDestroy makes Terraform refuse to destroy the cluster at all.
	Protected, PreventDestroy bool
	AvailabilityZones         []string
	SubnetIDs                 *[]*string
	SecurityGroupID           *string
	KMSKeyARN                 *string // storage, Performance Insights, master secret
	LogsKeyARN                *string
	LogRetentionDays          int
}

// Database exposes what services and outputs need.
type Database struct {
	ClusterID   string   // cluster identifier, known at synth time
	InstanceIDs []string // instance identifiers, known at synth time
	Cluster     rdscluster.RdsCluster
	Instances   []rdsclusterinstance.RdsClusterInstance
	LogGroup    *logs.Group
	// MasterSecretARN is the RDS-managed secret's ARN; its value never reaches Terraform.
	MasterSecretARN *string
	account         iam.Account
}

// Access is what a client of the database needs, as plain values (read from jsii once).
type Access struct {
	Host, ReaderHost string // writer and reader endpoints (Terraform references)
	Name             string // the database
	resourceID       string // cluster_resource_id, for IAM authentication
	account          iam.Account
}

// ConnectARN is the rds-db:connect resource for one database user (IAM authentication).
func (a Access) ConnectARN(user string) string {
	return a.account.ARN("rds-db", fmt.Sprintf("dbuser:%s/%s", a.resourceID, user))
}

// Access returns the database's client-side facts.
func (d *Database) Access() Access {
	return Access{Host: *d.Cluster.Endpoint(), ReaderHost: *d.Cluster.ReaderEndpoint(), Name: DatabaseName,
		resourceID: *d.Cluster.ClusterResourceId(), account: d.account}
}

// New creates the cluster, its parameter groups, subnet group, log group and instances.
func New(scope constructs.Construct, id string, props *Props) *Database {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	n, c := props.Namer, props.Config
	name := n.Name(naming.MaxRDSIdentifier, "aurora")
	subnets := dbsubnetgroup.NewDbSubnetGroup(scope, jsii.String("subnets"), &dbsubnetgroup.DbSubnetGroupConfig{
		Name: jsii.String(name), SubnetIds: props.SubnetIDs,
		Description: jsii.String("Aurora on the database tier only"), Tags: naming.NameTag(name),
	})
	clusterParamsName, instanceParamsName := n.Name(naming.MaxParameterGroupName, "aurora", "cluster"), n.Name(naming.MaxParameterGroupName, "aurora", "instance")
	clusterParams := rdsclusterparametergroup.NewRdsClusterParameterGroup(scope, jsii.String("cluster-params"), &rdsclusterparametergroup.RdsClusterParameterGroupConfig{
		Name: jsii.String(clusterParamsName), Family: jsii.String(Family),
		Description: jsii.String("TLS-only and audit logging"), Tags: naming.NameTag(clusterParamsName),
		Parameter: clusterParameters(ClusterParameters),
	})
	instanceParams := dbparametergroup.NewDbParameterGroup(scope, jsii.String("instance-params"), &dbparametergroup.DbParameterGroupConfig{
		Name: jsii.String(instanceParamsName), Family: jsii.String(Family),
		Description: jsii.String("Instance-level logging"), Tags: naming.NameTag(instanceParamsName),
		Parameter: instanceParameters(InstanceParameters),
	})
	// RDS would create this group itself, unencrypted and kept forever: own it instead.
	logGroup := logs.New(scope, "postgresql-logs", &logs.Props{
		Name: "/aws/rds/cluster/" + name + "/postgresql", RetentionDays: props.LogRetentionDays, KMSKeyARN: props.LogsKeyARN,
	})
	// AWS Backup's continuous backup owns the cluster's automated backups once it has run:
	// "Continuous backups created by AWS Backup are considered automated backups in Amazon RDS"
	// (aws-backup devguide, rds-backup.html), the plan sets their retention
	// (point-in-time-recovery-retention-period.html), and RDS then refuses any other
	// BackupRetentionPeriod than the current one. The cluster starts with the same values; the
	// backup plan keeps them (policy SP-BAK-001 judges the plan's retention).
	clusterLifecycle := &cdktf.TerraformResourceLifecycle{
		IgnoreChanges:  jsii.Strings("engine_version", "backup_retention_period", "preferred_backup_window"),
		PreventDestroy: jsii.Bool(props.PreventDestroy),
	}
	instanceLifecycle := &cdktf.TerraformResourceLifecycle{
		IgnoreChanges:  jsii.Strings("engine_version"),
		PreventDestroy: jsii.Bool(props.PreventDestroy),
	}
	cfg := &rdscluster.RdsClusterConfig{
		ClusterIdentifier:                jsii.String(name),
		Engine:                           jsii.String(Engine),
		EngineVersion:                    jsii.String(EngineVersion),
		AllowMajorVersionUpgrade:         jsii.Bool(false),
		DatabaseName:                     jsii.String(DatabaseName),
		MasterUsername:                   jsii.String(MasterUser),
		ManageMasterUserPassword:         jsii.Bool(true),
		MasterUserSecretKmsKeyId:         props.KMSKeyARN,
		IamDatabaseAuthenticationEnabled: jsii.Bool(true),
		// RDS Data API (Aurora PostgreSQL 17.4+): the audited, IAM-checked path to create the
		// IAM-authenticated users (`make db-users`); the database subnets have no route out.
		EnableHttpEndpoint:           jsii.Bool(true),
		StorageEncrypted:             jsii.Bool(true),
		KmsKeyId:                     props.KMSKeyARN,
		DbSubnetGroupName:            subnets.Name(),
		VpcSecurityGroupIds:          &[]*string{props.SecurityGroupID},
		DbClusterParameterGroupName:  clusterParams.Name(),
		EnabledCloudwatchLogsExports: jsii.Strings("postgresql"),
		BackupRetentionPeriod:        jsii.Number(float64(c.BackupRetentionDays)),
		PreferredBackupWindow:        jsii.String(BackupWindow),
		PreferredMaintenanceWindow:   jsii.String(MaintenanceWindow),
		CopyTagsToSnapshot:           jsii.Bool(true),
		DeletionProtection:           jsii.Bool(props.Protected),
		DeleteAutomatedBackups:       jsii.Bool(!props.Protected),
		Port:                         jsii.Number(netplan.PostgresPort),
		Lifecycle:                    clusterLifecycle,
		DependsOn:                    &[]cdktf.ITerraformDependable{logGroup.CloudwatchLogGroup},
		Tags:                         naming.NameTag(name),
	}
	if props.Protected {
		cfg.SkipFinalSnapshot = jsii.Bool(false)
		cfg.FinalSnapshotIdentifier = jsii.String(n.Name(naming.MaxRDSIdentifier, "aurora", "final"))
	} else {
		// Dev only: its data is disposable test data, so destroy skips the final snapshot.
		cfg.SkipFinalSnapshot = jsii.Bool(true)
	}
	cluster := rdscluster.NewRdsCluster(scope, jsii.String("cluster"), cfg)
	db := &Database{
		ClusterID: name, Cluster: cluster, LogGroup: logGroup, account: props.Account,
		MasterSecretARN: cluster.MasterUserSecret().Get(jsii.Number(0)).SecretArn(),
	}
	var monitoringRole *role.Role
	var monitoringARN *string
	if c.MonitoringInterval > 0 {
		// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html
		monitoringRole = role.New(scope, "monitoring-role", &role.Props{
			Name:            n.Global(naming.MaxIAMRoleName, "aurora-monitoring"),
			Service:         "monitoring.rds.amazonaws.com",
			Account:         props.Account,
			ManagedPolicies: []string{"service-role/AmazonRDSEnhancedMonitoringRole"},
		})
		monitoringARN = monitoringRole.Role.Arn()
	}
	for i := 0; i < c.Instances; i++ {
		instanceID := n.Name(naming.MaxRDSIdentifier, "aurora", strconv.Itoa(i+1))
		db.InstanceIDs = append(db.InstanceIDs, instanceID)
		in := &rdsclusterinstance.RdsClusterInstanceConfig{
			Identifier:              jsii.String(instanceID),
			ClusterIdentifier:       cluster.Id(),
			Engine:                  jsii.String(Engine),
			EngineVersion:           jsii.String(EngineVersion),
			InstanceClass:           jsii.String(c.InstanceClass),
			AvailabilityZone:        jsii.String(props.AvailabilityZones[i%len(props.AvailabilityZones)]),
			PromotionTier:           jsii.Number(float64(min(i, 15))),
			DbParameterGroupName:    instanceParams.Name(),
			PubliclyAccessible:      jsii.Bool(false),
			AutoMinorVersionUpgrade: jsii.Bool(true),
			CaCertIdentifier:        jsii.String("rds-ca-rsa2048-g1"),
			CopyTagsToSnapshot:      jsii.Bool(true),
			Lifecycle:               instanceLifecycle,
			Tags:                    naming.NameTag(instanceID),
		}
		if c.PerformanceInsights {
			in.PerformanceInsightsEnabled = jsii.Bool(true)
			in.PerformanceInsightsKmsKeyId = props.KMSKeyARN
			in.PerformanceInsightsRetentionPeriod = jsii.Number(7)
		}
		if monitoringRole != nil {
			in.MonitoringInterval = jsii.Number(float64(c.MonitoringInterval))
			in.MonitoringRoleArn = monitoringARN
			// RDS checks the role's permissions when the instance is created ("IAM role ARN value is
			// invalid or does not include the required permissions for: ENHANCED_MONITORING"):
			// the policy attachment is a resource of its own.
			in.DependsOn = &monitoringRole.Grants
		}
		db.Instances = append(db.Instances, rdsclusterinstance.NewRdsClusterInstance(scope, jsii.String(fmt.Sprintf("instance-%d", i+1)), in))
	}
	return db
}

func clusterParameters(ps []Parameter) *[]*rdsclusterparametergroup.RdsClusterParameterGroupParameter {
	out := make([]*rdsclusterparametergroup.RdsClusterParameterGroupParameter, len(ps))
	for i, p := range ps {
		out[i] = &rdsclusterparametergroup.RdsClusterParameterGroupParameter{Name: jsii.String(p.Name), Value: jsii.String(p.Value), ApplyMethod: jsii.String(p.ApplyMethod)}
	}
	return &out
}

func instanceParameters(ps []Parameter) *[]*dbparametergroup.DbParameterGroupParameter {
	out := make([]*dbparametergroup.DbParameterGroupParameter, len(ps))
	for i, p := range ps {
		out[i] = &dbparametergroup.DbParameterGroupParameter{Name: jsii.String(p.Name), Value: jsii.String(p.Value), ApplyMethod: jsii.String(p.ApplyMethod)}
	}
	return &out
}
