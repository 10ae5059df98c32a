// Package cache creates the ElastiCache Redis replication group: encrypted at rest with the
// cache CMK and in transit, authenticated with IAM through RBAC users (no token anywhere),
// logs to KMS log groups (PCI-DSS 3.5, 4.2, 8.3, 10.2).
package cache

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/elasticacheparametergroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/elasticachereplicationgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/elasticachesubnetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/elasticacheuser"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/elasticacheusergroup"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/help/netplan"
)

// Redis OSS 7.1 is the newest Redis OSS engine on ElastiCache and supports IAM
// authentication; it is a floor (auto minor upgrades, engine_version ignored after create).
const (
	Engine            = "redis"
	EngineVersion     = "7.1"
	Family            = "redis7"
	SnapshotWindow    = "01:00-02:00"
	MaintenanceWindow = "sun:07:00-sun:08:00"
)

// Parameters of the custom parameter group: only keys with a TTL are evicted, so
// idempotency keys and locks written without a TTL survive memory pressure.
var Parameters = map[string]string{
	"maxmemory-policy": "volatile-lru",
}

// Props configures the cache.
type Props struct {
	Namer             naming.Namer
	Account           iam.Account
	Config            envconfig.Redis
	AvailabilityZones []string
	SubnetIDs         *[]*string
	SecurityGroupID   *string
	KMSKeyARN         *string
	LogsKeyARN        *string
	LogRetentionDays  int
	// Users get one IAM-authenticated Redis user each, limited to keys prefixed "<user>:".
	Users []string
}

// Cache exposes what services and outputs need.
type Cache struct {
	GroupID   string // replication group id, known at synth time
	Group     elasticachereplicationgroup.ElasticacheReplicationGroup
	UserGroup elasticacheusergroup.ElasticacheUserGroup
	Users     map[string]elasticacheuser.ElasticacheUser
	LogGroups map[string]*logs.Group // by log type: slow-log, engine-log
	account   iam.Account
	nodes     int
}

// Access is what a client of the cache needs, as plain values (read from jsii once).
type Access struct {
	Host, ReaderHost string // primary and reader endpoints (Terraform references)
	GroupID          string // replication group id: IAM auth tokens are signed for it
	NodeIDs          []string
	userIDs          map[string]string // Redis user id per service
	account          iam.Account
}

// UserID is the Redis user id (= user name, as IAM authentication requires) of a service.
func (a Access) UserID(service string) string { return a.userIDs[service] }

// ConnectARNs are the elasticache:Connect resources for one service's user.
func (a Access) ConnectARNs(service string) []string {
	return []string{
		a.account.ARN("elasticache", "replicationgroup:"+a.GroupID),
		a.account.ARN("elasticache", "user:"+a.UserID(service)),
	}
}

// Access returns the cache's client-side facts.
func (c *Cache) Access() Access {
	users := map[string]string{}
	for svc, u := range c.Users {
		users[svc] = *u.UserId()
	}
	return Access{Host: *c.Group.PrimaryEndpointAddress(), ReaderHost: *c.Group.ReaderEndpointAddress(),
		GroupID: c.GroupID, NodeIDs: NodeIDs(c.GroupID, c.nodes), userIDs: users, account: c.account}
}

// NodeIDs are the member cluster ids ElastiCache gives a replication group's nodes.
func NodeIDs(groupID string, nodes int) []string {
	var ids []string
	for i := 1; i <= nodes; i++ {
		ids = append(ids, fmt.Sprintf("%s-%03d", groupID, i))
	}
	return ids
}

// New creates the cache.
func New(scope constructs.Construct, id string, props *Props) *Cache {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	n, cfg := props.Namer, props.Config
	name := n.Name(naming.MaxReplicationGroupID, "redis")
	c := &Cache{GroupID: name, Users: map[string]elasticacheuser.ElasticacheUser{}, LogGroups: map[string]*logs.Group{}, account: props.Account, nodes: cfg.Nodes}

	subnets := elasticachesubnetgroup.NewElasticacheSubnetGroup(scope, jsii.String("subnets"), &elasticachesubnetgroup.ElasticacheSubnetGroupConfig{
		Name: jsii.String(name), SubnetIds: props.SubnetIDs,
		Description: jsii.String("Redis on the database tier only"), Tags: naming.NameTag(name),
	})
	var params []*elasticacheparametergroup.ElasticacheParameterGroupParameter
	for _, k := range help.SortedKeys(Parameters) {
		params = append(params, &elasticacheparametergroup.ElasticacheParameterGroupParameter{Name: jsii.String(k), Value: jsii.String(Parameters[k])})
	}
	paramGroup := elasticacheparametergroup.NewElasticacheParameterGroup(scope, jsii.String("params"), &elasticacheparametergroup.ElasticacheParameterGroupConfig{
		Name: jsii.String(name), Family: jsii.String(Family), Parameter: &params,
		Description: jsii.String("ScalePayments Redis settings"), Tags: naming.NameTag(name),
	})

	// RBAC needs a user named "default" in every group: this one is switched off, with no password.
	defaultID := n.Name(naming.MaxElastiCacheUserID, "default-off")
	userIDs := []*string{elasticacheuser.NewElasticacheUser(scope, jsii.String("default-user"), &elasticacheuser.ElasticacheUserConfig{
		UserId: jsii.String(defaultID), UserName: jsii.String("default"), Engine: jsii.String(Engine),
		AccessString:       jsii.String("off -@all"),
		AuthenticationMode: &elasticacheuser.ElasticacheUserAuthenticationMode{Type: jsii.String("no-password-required")},
		Tags:               naming.NameTag(defaultID),
	}).UserId()}
	for _, svc := range props.Users {
		uid := n.Name(naming.MaxElastiCacheUserID, svc)
		u := elasticacheuser.NewElasticacheUser(scope, jsii.String("user-"+svc), &elasticacheuser.ElasticacheUserConfig{
			UserId: jsii.String(uid), UserName: jsii.String(uid), Engine: jsii.String(Engine),
			AccessString:       jsii.String("on ~" + svc + ":* &" + svc + ":* +@all -@dangerous"),
			AuthenticationMode: &elasticacheuser.ElasticacheUserAuthenticationMode{Type: jsii.String("iam")},
			Tags:               naming.NameTag(uid),
		})
		c.Users[svc] = u
		userIDs = append(userIDs, u.UserId())
	}
	groupID := n.Name(naming.MaxElastiCacheUserID, "redis-users")
	c.UserGroup = elasticacheusergroup.NewElasticacheUserGroup(scope, jsii.String("user-group"), &elasticacheusergroup.ElasticacheUserGroupConfig{
		UserGroupId: jsii.String(groupID), Engine: jsii.String(Engine), UserIds: &userIDs, Tags: naming.NameTag(groupID),
	})

	var delivery []*elasticachereplicationgroup.ElasticacheReplicationGroupLogDeliveryConfiguration
	for _, logType := range []string{"slow-log", "engine-log"} {
		lg := logs.New(scope, logType, &logs.Props{
			Name: n.Path("redis", logType), RetentionDays: props.LogRetentionDays, KMSKeyARN: props.LogsKeyARN,
		})
		c.LogGroups[logType] = lg
		delivery = append(delivery, &elasticachereplicationgroup.ElasticacheReplicationGroupLogDeliveryConfiguration{
			Destination: lg.Name(), DestinationType: jsii.String("cloudwatch-logs"),
			LogFormat: jsii.String("json"), LogType: jsii.String(logType),
		})
	}
	var azs []*string
	for i := 0; i < cfg.Nodes; i++ {
		azs = append(azs, jsii.String(props.AvailabilityZones[i%len(props.AvailabilityZones)]))
	}
	rg := &elasticachereplicationgroup.ElasticacheReplicationGroupConfig{
		ReplicationGroupId:       jsii.String(name),
		Description:              jsii.String("ScalePayments " + n.Env + " cache"),
		Engine:                   jsii.String(Engine),
		EngineVersion:            jsii.String(EngineVersion),
		NodeType:                 jsii.String(cfg.NodeType),
		NumCacheClusters:         jsii.Number(float64(cfg.Nodes)),
		PreferredCacheClusterAzs: &azs,
		AutomaticFailoverEnabled: jsii.Bool(cfg.Failover()),
		MultiAzEnabled:           jsii.Bool(cfg.Failover()),
		Port:                     jsii.Number(netplan.RedisPort),
		ParameterGroupName:       paramGroup.Name(),
		SubnetGroupName:          subnets.Name(),
		SecurityGroupIds:         &[]*string{props.SecurityGroupID},
		AtRestEncryptionEnabled:  jsii.String("true"),
		KmsKeyId:                 props.KMSKeyARN,
		TransitEncryptionEnabled: jsii.Bool(true),
		TransitEncryptionMode:    jsii.String("required"),
		UserGroupIds:             &[]*string{c.UserGroup.UserGroupId()},
		AutoMinorVersionUpgrade:  jsii.String("true"),
		MaintenanceWindow:        jsii.String(MaintenanceWindow),
		SnapshotRetentionLimit:   jsii.Number(float64(cfg.SnapshotRetentionDays)),
		LogDeliveryConfiguration: &delivery,
		Lifecycle:                &cdktf.TerraformResourceLifecycle{IgnoreChanges: jsii.Strings("engine_version")},
		Tags:                     naming.NameTag(name),
	}
	if cfg.SnapshotRetentionDays > 0 {
		rg.SnapshotWindow = jsii.String(SnapshotWindow)
		rg.FinalSnapshotIdentifier = jsii.String(n.Name(naming.MaxReplicationGroupID, "redis", "final"))
	}
	c.Group = elasticachereplicationgroup.NewElasticacheReplicationGroup(scope, jsii.String("redis"), rg)
	return c
}
