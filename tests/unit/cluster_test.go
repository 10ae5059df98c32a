package unit

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/cluster"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/tests"
)

// clusterLogsKey is the logs key the stack would pass, as a plain value.
const clusterLogsKey = "arn:aws:kms:us-east-1:111122223333:key/logs"

// clusterOf is the cluster of env alone, configured as the stack configures it.
func clusterOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("cluster", env, func(stack cdktf.TerraformStack) {
		cluster.New(stack, "cluster", &cluster.Props{
			Namer: stacks.EnvNamer(env), SpotWeight: env.FargateSpotWeight, LogsKeyARN: jsii.String(clusterLogsKey), LogRetentionDays: env.LogRetentionDays,
		})
	})
}

// Container insights on, every ECS Exec session logged to its own KMS log group and encrypted
// with the logs key, FARGATE carrying the base task with FARGATE_SPOT beside it (never in prod).
func TestClusterInsightsExecLoggingAndCapacity(t *testing.T) {
	want := map[string]struct {
		spot      int
		retention int
	}{"dev": {3, 7}, "staging": {1, 30}, "prod": {0, 365}}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, w := clusterOf(env), want[env.Name]
		require.Equal(t, 1, d.Count("aws_ecs_cluster"))
		require.Equal(t, 1, d.Count("aws_cloudwatch_log_group"))
		execLogs := "/scalepayments/" + env.Name + "/ecs/exec"
		tests.Has(t, d, "aws_cloudwatch_log_group", map[string]any{"name": execLogs, "kms_key_id": clusterLogsKey, "retention_in_days": w.retention})
		name := "scalepayments-" + env.Name + "-cluster"
		tests.Has(t, d, "aws_ecs_cluster", map[string]any{"name": name, "tags": map[string]any{"Name": name}})
		c := d.One("aws_ecs_cluster")
		assert.Equal(t, []any{map[string]any{"name": "containerInsights", "value": "enabled"}}, c["setting"], "%s: container insights", env.Name)
		assert.Equal(t, map[string]any{"execute_command_configuration": map[string]any{
			"logging": "OVERRIDE", "kms_key_id": clusterLogsKey,
			"log_configuration": map[string]any{
				"cloud_watch_encryption_enabled": true,
				"cloud_watch_log_group_name":     tests.RefTo("aws_cloudwatch_log_group", d.NameOf("aws_cloudwatch_log_group", execLogs), "name"),
			},
		}}, c["configuration"], "%s: every exec session logged, encrypted with the logs key", env.Name)

		require.Equal(t, 1, d.Count("aws_ecs_cluster_capacity_providers"))
		cp := d.One("aws_ecs_cluster_capacity_providers")
		assert.Equal(t, tests.RefTo("aws_ecs_cluster", d.OneName("aws_ecs_cluster"), "name"), cp["cluster_name"], env.Name)
		assert.Equal(t, []any{"FARGATE", "FARGATE_SPOT"}, cp["capacity_providers"], env.Name)
		assert.Equal(t, []any{
			map[string]any{"capacity_provider": "FARGATE", "base": 1.0, "weight": 1.0},
			map[string]any{"capacity_provider": "FARGATE_SPOT", "base": 0.0, "weight": float64(w.spot)},
		}, cp["default_capacity_provider_strategy"], "%s: FARGATE carries the base", env.Name)
	})
}
