package unit

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/cache"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/tests"
)

// What the cache attaches to, as plain values: what the stack would pass.
const (
	cacheKey     = "arn:aws:kms:us-east-1:111122223333:key/cache"
	cacheLogsKey = "arn:aws:kms:us-east-1:111122223333:key/logs"
)

// cacheSubnets are one database subnet per availability zone of env, as the network gives them.
func cacheSubnets(env envconfig.Environment) []string {
	var ids []string
	for _, az := range env.AvailabilityZones {
		ids = append(ids, "subnet-db-"+az[len(az)-1:])
	}
	return ids
}

// cacheOf is the cache construct of env alone, configured as the stack configures it: a Redis
// user for each service that uses Redis.
func cacheOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("cache", env, func(stack cdktf.TerraformStack) {
		var users []string
		for _, svc := range env.Services {
			if svc.Cache {
				users = append(users, svc.Name)
			}
		}
		cache.New(stack, "cache", &cache.Props{
			Namer: stacks.EnvNamer(env), Account: tests.TestAccount, Config: env.Redis, AvailabilityZones: env.AvailabilityZones,
			SubnetIDs: jsii.Strings(cacheSubnets(env)...), SecurityGroupID: jsii.String("sg-redis"),
			KMSKeyARN: jsii.String(cacheKey), LogsKeyARN: jsii.String(cacheLogsKey), LogRetentionDays: env.LogRetentionDays,
			Users: users,
		})
	})
}

func TestRedisIsEncryptedAndTLSOnly(t *testing.T) {
	subnets := map[string][]string{
		"dev":     {"subnet-db-a", "subnet-db-b"},
		"staging": {"subnet-db-a", "subnet-db-b"},
		"prod":    {"subnet-db-a", "subnet-db-b", "subnet-db-c"},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := cacheOf(env)
		id := "scalepayments-" + env.Name + "-redis"
		tests.Has(t, d, "aws_elasticache_replication_group", map[string]any{
			"replication_group_id": id, "description": "ScalePayments " + env.Name + " cache",
			"engine": "redis", "engine_version": "7.1", "port": 6379,
			"at_rest_encryption_enabled": "true", "kms_key_id": cacheKey,
			"transit_encryption_enabled": true, "transit_encryption_mode": "required",
			"security_group_ids":         []any{"sg-redis"}, // the group it is given and nothing else
			"auto_minor_version_upgrade": "true", "maintenance_window": "sun:07:00-sun:08:00",
		})
		rg := d.One("aws_elasticache_replication_group")
		assert.NotContains(t, rg, "auth_token")
		assert.LessOrEqual(t, len(rg["replication_group_id"].(string)), 40, "ElastiCache's limit")
		assert.Equal(t, map[string]any{"ignore_changes": []any{"engine_version"}}, rg["lifecycle"], "engine_version is a floor")

		pg, ok := d.Ref(rg["parameter_group_name"])
		require.True(t, ok, "a custom parameter group, never default.*")
		assert.Equal(t, "aws_elasticache_parameter_group", pg.Type)
		assert.Equal(t, "redis7", pg.Body["family"])
		assert.Equal(t, id, pg.Body["name"])
		assert.Equal(t, []any{map[string]any{"name": "maxmemory-policy", "value": "volatile-lru"}}, pg.Body["parameter"], "only keys with a TTL are evicted")

		sub, ok := d.Ref(rg["subnet_group_name"])
		require.True(t, ok)
		assert.Equal(t, "aws_elasticache_subnet_group", sub.Type)
		assert.Equal(t, subnets[env.Name], tests.Strings(sub.Body["subnet_ids"]), "the subnets it is given, nothing else")
	})
}

func TestRedisSizeFailoverAndSnapshotsPerEnvironment(t *testing.T) {
	want := map[string]struct {
		nodeType  string
		nodes     int
		azs       []any
		failover  bool
		snapshots int
	}{
		"dev":     {"cache.t4g.micro", 1, []any{"us-east-1a"}, false, 0},
		"staging": {"cache.t4g.small", 2, []any{"us-east-1a", "us-east-1b"}, true, 5},
		"prod":    {"cache.r7g.large", 3, []any{"us-east-1a", "us-east-1b", "us-east-1c"}, true, 7},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, w := cacheOf(env), want[env.Name]
		tests.Has(t, d, "aws_elasticache_replication_group", map[string]any{
			"node_type": w.nodeType, "num_cache_clusters": w.nodes,
			"preferred_cache_cluster_azs": w.azs, // nodes spread over AZs
			"automatic_failover_enabled":  w.failover, "multi_az_enabled": w.failover,
			"snapshot_retention_limit": w.snapshots,
		})
		rg := d.One("aws_elasticache_replication_group")
		if w.snapshots > 0 {
			assert.Equal(t, "01:00-02:00", rg["snapshot_window"])
			assert.Equal(t, "scalepayments-"+env.Name+"-redis-final", rg["final_snapshot_identifier"])
		} else {
			assert.NotContains(t, rg, "snapshot_window")
			assert.NotContains(t, rg, "final_snapshot_identifier", "dev keeps no final snapshot")
		}
	})
}

func TestRedisAuthenticatesWithIAMAndTheDefaultUserIsOff(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := cacheOf(env)
		users := map[string]tests.Body{}
		for _, u := range d.List("aws_elasticache_user") {
			users[u["user_name"].(string)] = u
			assert.NotContains(t, u, "passwords")
			assert.Equal(t, "redis", u["engine"])
		}
		def := users["default"]
		require.NotNil(t, def, "RBAC needs a user named default")
		assert.Equal(t, "off -@all", def["access_string"])
		assert.Equal(t, "scalepayments-"+env.Name+"-default-off", def["user_id"])
		assert.Equal(t, map[string]any{"type": "no-password-required"}, def["authentication_mode"])
		for _, svc := range []string{"api", "payment", "notification"} {
			u := users["scalepayments-"+env.Name+"-"+svc]
			require.NotNil(t, u, svc)
			assert.Equal(t, u["user_name"], u["user_id"], "IAM auth requires user_id = user_name")
			assert.Equal(t, map[string]any{"type": "iam"}, u["authentication_mode"])
			assert.Equal(t, "on ~"+svc+":* &"+svc+":* +@all -@dangerous", u["access_string"], "each service sees only its own keys")
		}
		assert.Len(t, users, 4)

		g := d.One("aws_elasticache_user_group")
		assert.Equal(t, "scalepayments-"+env.Name+"-redis-users", g["user_group_id"])
		var members []string
		for _, ref := range g["user_ids"].([]any) {
			u, ok := d.Ref(ref)
			require.True(t, ok, "%v", ref)
			assert.Equal(t, "aws_elasticache_user", u.Type)
			members = append(members, u.Body["user_name"].(string))
		}
		assert.Equal(t, []string{"default", "scalepayments-" + env.Name + "-api", "scalepayments-" + env.Name + "-payment", "scalepayments-" + env.Name + "-notification"}, members)
		rg := d.One("aws_elasticache_replication_group")
		assert.Equal(t, []any{tests.RefTo("aws_elasticache_user_group", d.OneName("aws_elasticache_user_group"), "user_group_id")}, rg["user_group_ids"])
	})
}

func TestRedisLogsGoToKMSLogGroups(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := cacheOf(env)
		rg := d.One("aws_elasticache_replication_group")
		var types []string
		for _, cfg := range tests.Blocks(rg["log_delivery_configuration"]) {
			logType := cfg["log_type"].(string)
			types = append(types, logType)
			assert.Equal(t, "cloudwatch-logs", cfg["destination_type"])
			assert.Equal(t, "json", cfg["log_format"])
			lg, ok := d.Ref(cfg["destination"])
			require.True(t, ok)
			assert.Equal(t, "aws_cloudwatch_log_group", lg.Type)
			assert.Equal(t, "/scalepayments/"+env.Name+"/redis/"+logType, lg.Body["name"])
			assert.Equal(t, cacheLogsKey, lg.Body["kms_key_id"])
			assert.EqualValues(t, map[string]float64{"dev": 7, "staging": 30, "prod": 365}[env.Name], lg.Body["retention_in_days"])
		}
		assert.Equal(t, []string{"slow-log", "engine-log"}, types)
		assert.Equal(t, 2, d.Count("aws_cloudwatch_log_group"), "one per log type")
	})
}
