package unit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/help/netplan"
	"github.com/scalepayments/infra/tests"
)

func TestRedisIsEncryptedAndTLSOnly(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		rg := d.One("aws_elasticache_replication_group")
		assert.Equal(t, "redis", rg["engine"])
		assert.Equal(t, "7.1", rg["engine_version"])
		assert.Equal(t, "true", rg["at_rest_encryption_enabled"])
		assert.Equal(t, d.KeyRef("cache"), rg["kms_key_id"])
		assert.Equal(t, true, rg["transit_encryption_enabled"])
		assert.Equal(t, "required", rg["transit_encryption_mode"])
		assert.NotContains(t, rg, "auth_token")
		assert.Equal(t, []any{sgRef(d, "redis")}, rg["security_group_ids"], "the redis group and nothing else")
		assert.Equal(t, d.Namer.Name(naming.MaxReplicationGroupID, "redis"), rg["replication_group_id"])
		assert.LessOrEqual(t, len(rg["replication_group_id"].(string)), naming.MaxReplicationGroupID)
		assert.Equal(t, map[string]any{"ignore_changes": []any{"engine_version"}}, rg["lifecycle"], "engine_version is a floor")

		pg, ok := d.Ref(rg["parameter_group_name"])
		require.True(t, ok, "a custom parameter group, never default.*")
		assert.Equal(t, "redis7", pg.Body["family"])

		sub, ok := d.Ref(rg["subnet_group_name"])
		require.True(t, ok)
		assert.ElementsMatch(t, subnetRefs(d, netplan.Database), tests.Strings(sub.Body["subnet_ids"]), "database subnets only")
	}
}

func TestRedisSizeFailoverAndSnapshotsPerEnvironment(t *testing.T) {
	for _, tt := range []struct {
		d         *tests.Doc
		nodeType  string
		nodes     int
		failover  bool
		snapshots int
	}{
		{dev, "cache.t4g.micro", 1, false, 0},
		{staging, "cache.t4g.small", 2, true, 5},
		{prod, "cache.r7g.large", 3, true, 7},
	} {
		rg := tt.d.One("aws_elasticache_replication_group")
		name := tt.d.Env.Name
		assert.Equal(t, tt.nodeType, rg["node_type"], name)
		assert.EqualValues(t, tt.nodes, rg["num_cache_clusters"], name)
		assert.Equal(t, tt.d.Env.AvailabilityZones[:tt.nodes], tests.Strings(rg["preferred_cache_cluster_azs"]), "nodes spread over AZs")
		assert.Equal(t, tt.failover, rg["automatic_failover_enabled"], name)
		assert.Equal(t, tt.failover, rg["multi_az_enabled"], name)
		assert.EqualValues(t, tt.snapshots, rg["snapshot_retention_limit"], name)
		if tt.snapshots > 0 {
			assert.Equal(t, "01:00-02:00", rg["snapshot_window"])
			assert.Equal(t, tt.d.Namer.Name(naming.MaxReplicationGroupID, "redis", "final"), rg["final_snapshot_identifier"])
		} else {
			assert.NotContains(t, rg, "final_snapshot_identifier", "dev keeps no final snapshot")
		}
	}
}

func TestRedisAuthenticatesWithIAMAndTheDefaultUserIsOff(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		users := map[string]tests.Body{}
		for _, u := range d.List("aws_elasticache_user") {
			users[u["user_name"].(string)] = u
			assert.NotContains(t, u, "passwords")
		}
		def := users["default"]
		require.NotNil(t, def, "RBAC needs a user named default")
		assert.Equal(t, "off -@all", def["access_string"])
		for _, svc := range []string{"api", "payment", "notification"} {
			u := users[d.Namer.Name(naming.MaxElastiCacheUserID, svc)]
			require.NotNil(t, u, svc)
			assert.Equal(t, u["user_name"], u["user_id"], "IAM auth requires user_id = user_name")
			assert.Equal(t, map[string]any{"type": "iam"}, u["authentication_mode"])
			assert.Equal(t, "on ~"+svc+":* &"+svc+":* +@all -@dangerous", u["access_string"], "each service sees only its own keys")
		}
		assert.Len(t, users, 4)
		g := d.One("aws_elasticache_user_group")
		assert.Len(t, g["user_ids"], 4)
		rg := d.One("aws_elasticache_replication_group")
		assert.Equal(t, []any{tests.RefTo("aws_elasticache_user_group", d.OneName("aws_elasticache_user_group"), "user_group_id")}, rg["user_group_ids"])
	}
}

func TestRedisLogsGoToKMSLogGroups(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		rg := d.One("aws_elasticache_replication_group")
		var types []string
		for _, ld := range rg["log_delivery_configuration"].([]any) {
			cfg := ld.(tests.Body)
			types = append(types, cfg["log_type"].(string))
			assert.Equal(t, "cloudwatch-logs", cfg["destination_type"])
			lg, ok := d.Ref(cfg["destination"])
			require.True(t, ok)
			assert.Equal(t, "/scalepayments/"+d.Env.Name+"/redis/"+cfg["log_type"].(string), lg.Body["name"])
			assert.Equal(t, d.KeyRef("logs"), lg.Body["kms_key_id"])
			assert.EqualValues(t, d.Env.LogRetentionDays, lg.Body["retention_in_days"])
		}
		assert.Equal(t, []string{"slow-log", "engine-log"}, types)
	}
}

func TestEveryLogGroupIsEncryptedAndRetained(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		for n, lg := range d.Resources("aws_cloudwatch_log_group") {
			assert.Equal(t, d.KeyRef("logs"), lg["kms_key_id"], n)
			assert.EqualValues(t, d.Env.LogRetentionDays, lg["retention_in_days"], n)
		}
	}
}
