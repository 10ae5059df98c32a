package unit

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/netplan"
	"github.com/scalepayments/infra/tests"
)

type containerDef struct {
	Name                   string
	Image                  string
	ReadonlyRootFilesystem *bool
	Privileged             *bool
	User                   string
	PortMappings           []struct{ ContainerPort int }
	Environment            []struct{ Name, Value string }
	Secrets                []struct{ Name, ValueFrom string }
	LogConfiguration       struct {
		LogDriver string
		Options   map[string]string
	}
	HealthCheck struct{ Command []string }
	MountPoints []struct {
		SourceVolume, ContainerPath string
		ReadOnly                    bool
	}
}

// services returns, per ECS service name, the service and its task definition.
func services(t *testing.T, d *tests.Doc) map[string][2]tests.Body {
	out := map[string][2]tests.Body{}
	for _, s := range d.List("aws_ecs_service") {
		td, ok := d.Ref(s["task_definition"])
		require.True(t, ok)
		out[s["name"].(string)] = [2]tests.Body{s, td.Body}
	}
	return out
}

func containers(t *testing.T, td tests.Body) []containerDef {
	var defs []containerDef
	require.NoError(t, json.Unmarshal([]byte(td["container_definitions"].(string)), &defs))
	return defs
}

func TestThreeServicesWithTheirSizes(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		got := services(t, d)
		require.Len(t, got, 3, d.Env.Name)
		for _, want := range d.Env.Services {
			s, td := got[want.Name][0], got[want.Name][1]
			require.NotNil(t, s, want.Name)
			assert.EqualValues(t, want.DesiredCount, s["desired_count"], "%s %s", d.Env.Name, want.Name)
			assert.Equal(t, []any{"FARGATE"}, td["requires_compatibilities"])
			assert.Equal(t, "awsvpc", td["network_mode"])
			assert.Equal(t, want.CPU, atoi(t, td["cpu"]), "%s %s cpu", d.Env.Name, want.Name)
			assert.Equal(t, want.MemoryMiB, atoi(t, td["memory"]), "%s %s memory", d.Env.Name, want.Name)
		}
	}
	// The design's table, spelled out once so a typo in envconfig cannot hide.
	cpu := func(d *tests.Doc) []int {
		var out []int
		for _, n := range []string{"api", "payment", "notification"} {
			out = append(out, atoi(t, services(t, d)[n][1]["cpu"]))
		}
		return out
	}
	assert.Equal(t, []int{256, 512, 256}, cpu(dev))
	assert.Equal(t, []int{512, 1024, 512}, cpu(staging))
	assert.Equal(t, []int{1024, 2048, 1024}, cpu(prod))
}

func atoi(t *testing.T, v any) int {
	var n int
	require.NoError(t, json.Unmarshal([]byte(v.(string)), &n))
	return n
}

func TestServicesAreSafeToDeploy(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		for name, st := range services(t, d) {
			s := st[0]
			net := s["network_configuration"].(tests.Body)
			assert.Equal(t, false, net["assign_public_ip"], name)
			assert.Equal(t, []any{sgRef(d, name+"-tasks")}, net["security_groups"], "%s has its own group", name)
			assert.Len(t, net["subnets"], len(d.Env.AvailabilityZones), "%s spreads over every AZ", name)
			for _, sub := range tests.Strings(net["subnets"]) {
				r, _ := d.Ref(sub)
				assert.Contains(t, subnetsOf(d, netplan.Private), r.Name, "private subnets only")
			}
			assert.Equal(t, map[string]any{"enable": true, "rollback": true}, s["deployment_circuit_breaker"])
			assert.EqualValues(t, 100, s["deployment_minimum_healthy_percent"])
			assert.EqualValues(t, 200, s["deployment_maximum_percent"])
			assert.EqualValues(t, 60, s["health_check_grace_period_seconds"])
			assert.Equal(t, "SERVICE", s["propagate_tags"])
			assert.Equal(t, map[string]any{"ignore_changes": []any{"desired_count"}}, s["lifecycle"], "autoscaling owns the count")
			assert.Equal(t, d.Env.ExecuteCommand, s["enable_execute_command"])
		}
	}
}

var secretLooking = regexp.MustCompile(`(?i)(password|secret|token|api_?key|private|credential)`)

func TestContainersAreHardenedAndReadSecretsOnlyByARN(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		for name, st := range services(t, d) {
			defs := containers(t, st[1])
			require.Len(t, defs, 1)
			c := defs[0]
			assert.Equal(t, name, c.Name)
			require.NotNil(t, c.ReadonlyRootFilesystem)
			assert.Equal(t, d.Env.Stage != "development", *c.ReadonlyRootFilesystem, "%s %s: read-only outside development", d.Env.Name, name)
			require.NotNil(t, c.Privileged)
			assert.False(t, *c.Privileged, name)
			assert.NotEqual(t, "", c.User)
			assert.NotContains(t, []string{"root", "0", "0:0"}, c.User)
			repo := tests.RefTo("aws_ecr_repository", d.NameOf("aws_ecr_repository", d.Namer.Slash(name)), "repository_url")
			assert.Equal(t, repo+"@"+d.Env.Images[name].Digest, c.Image, "%s %s: the manifest's digest", d.Env.Name, name)
			assert.Equal(t, []struct{ ContainerPort int }{{8080}}, c.PortMappings)
			assert.Equal(t, "awslogs", c.LogConfiguration.LogDriver)
			lg, ok := d.Ref(c.LogConfiguration.Options["awslogs-group"])
			require.True(t, ok)
			assert.Equal(t, "/scalepayments/"+d.Env.Name+"/ecs/"+name, lg.Body["name"])
			assert.Equal(t, d.KeyRef("logs"), lg.Body["kms_key_id"])
			assert.Contains(t, strings.Join(c.HealthCheck.Command, " "), "/"+name+"/health")
			for _, e := range c.Environment {
				assert.NotRegexp(t, secretLooking, e.Name, "%s: secret-looking name in plain environment", name)
			}
			var secrets []string
			for _, svc := range d.Env.Services {
				if svc.Name == name {
					secrets = svc.Secrets
				}
			}
			require.Len(t, c.Secrets, len(secrets), name)
			for _, sec := range c.Secrets {
				r, ok := d.Ref(sec.ValueFrom)
				require.True(t, ok, "secret %s must be a reference to an ARN", sec.Name)
				assert.Equal(t, "aws_secretsmanager_secret", r.Type)
				assert.Equal(t, d.KeyRef("secrets"), r.Body["kms_key_id"])
				assert.EqualValues(t, d.Env.SecretRecoveryDays, r.Body["recovery_window_in_days"])
			}
		}
	}
}

func TestPaymentReadsItsProcessorKeyAndNothingElseDoes(t *testing.T) {
	secretNames := func(service string) []string {
		var out []string
		for _, s := range containers(t, services(t, prod)[service][1])[0].Secrets {
			out = append(out, s.Name)
		}
		return out
	}
	assert.Equal(t, []string{"PROCESSOR_API_KEY"}, secretNames("payment"))
	assert.Equal(t, []string{"EMAIL_API_KEY"}, secretNames("notification"))
	assert.Empty(t, secretNames("api"))
}

// starResources lists, by action, why a "*" resource is acceptable: AWS offers nothing narrower.
var starResources = map[string]bool{
	"ecr:GetAuthorizationToken":        true,
	"logs:DescribeLogGroups":           true,
	"ssmmessages:CreateControlChannel": true,
	"ssmmessages:CreateDataChannel":    true,
	"ssmmessages:OpenControlChannel":   true,
	"ssmmessages:OpenDataChannel":      true,
}

func TestIAMPoliciesAreLeastPrivilege(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		for n, p := range d.Resources("aws_iam_role_policy") {
			var doc iam.PolicyDocument
			require.NoError(t, json.Unmarshal([]byte(p["policy"].(string)), &doc), n)
			for _, s := range doc.Statement {
				assert.Equal(t, "Allow", s.Effect)
				for _, a := range s.Action {
					assert.NotContains(t, a, "*", "%s: wildcard action %s", n, a)
				}
				for _, r := range s.Resource {
					if r == "*" {
						for _, a := range s.Action {
							assert.True(t, starResources[a], "%s: %s on * is not justified", n, a)
						}
					}
				}
			}
		}
	}
}

func TestTaskRolesReachOnlyTheirOwnDataStoreUsers(t *testing.T) {
	p := prod.ServiceGrants("payment", "task")
	require.Len(t, p["rds-db:connect"], 1)
	assert.Regexp(t, `:dbuser:\$\{aws_rds_cluster\.[^}]+\.cluster_resource_id\}/payment$`, p["rds-db:connect"][0])
	assert.Len(t, p["elasticache:Connect"], 2)
	assert.Regexp(t, `:user:\$\{aws_elasticache_user\.cache_user-payment_[^}]+\.user_id\}$`, p["elasticache:Connect"][1])

	n := prod.ServiceGrants("notification", "task")
	assert.NotContains(t, n, "rds-db:connect", "notification never touches the database")
	assert.Regexp(t, `:user:\$\{aws_elasticache_user\.cache_user-notification_[^}]+\.user_id\}$`, n["elasticache:Connect"][1])
	assert.NotContains(t, n, "ssmmessages:CreateControlChannel", "no ECS Exec in prod")
	assert.Contains(t, dev.ServiceGrants("notification", "task"), "ssmmessages:CreateControlChannel", "ECS Exec in dev")
}

func TestAutoscaling(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		targets := d.List("aws_appautoscaling_target")
		require.Len(t, targets, 3)
		byService := map[string]tests.Body{}
		for _, tg := range targets {
			m := regexp.MustCompile(`^service/\$\{aws_ecs_cluster\.[^}]+\.name\}/\$\{aws_ecs_service\.service-([a-z]+)_[^}]+\.name\}$`).FindStringSubmatch(tg["resource_id"].(string))
			require.NotNil(t, m, tg["resource_id"])
			byService[m[1]] = tg
			assert.Equal(t, "ecs:service:DesiredCount", tg["scalable_dimension"])
		}
		for _, svc := range d.Env.Services {
			assert.EqualValues(t, svc.DesiredCount, byService[svc.Name]["min_capacity"], "min = desired")
			assert.EqualValues(t, svc.MaxCount, byService[svc.Name]["max_capacity"])
		}
		metrics := map[string]float64{}
		for _, p := range d.List("aws_appautoscaling_policy") {
			assert.Equal(t, "TargetTrackingScaling", p["policy_type"])
			cfg := p["target_tracking_scaling_policy_configuration"].(tests.Body)
			spec := cfg["predefined_metric_specification"].(tests.Body)
			metrics[spec["predefined_metric_type"].(string)+"/"+strings.Split(p["name"].(string), "-")[2]] = cfg["target_value"].(float64)
			if spec["predefined_metric_type"] == "ALBRequestCountPerTarget" {
				assert.Regexp(t, `^\$\{aws_lb\.[^}]+\.arn_suffix\}/\$\{aws_lb_target_group\.service-api_[^}]+\.arn_suffix\}$`, spec["resource_label"])
			}
		}
		assert.Equal(t, map[string]float64{
			"ECSServiceAverageCPUUtilization/api": 60, "ECSServiceAverageMemoryUtilization/api": 75, "ALBRequestCountPerTarget/api": 1000,
			"ECSServiceAverageCPUUtilization/payment": 60, "ECSServiceAverageMemoryUtilization/payment": 75,
			"ECSServiceAverageCPUUtilization/notification": 60, "ECSServiceAverageMemoryUtilization/notification": 75,
		}, metrics, d.Env.Name)
	}
}

func TestClusterInsightsExecLoggingAndCapacity(t *testing.T) {
	for _, tt := range []struct {
		d    *tests.Doc
		spot float64
	}{{dev, 3}, {staging, 1}, {prod, 0}} {
		c := tt.d.One("aws_ecs_cluster")
		assert.Equal(t, []any{map[string]any{"name": "containerInsights", "value": "enabled"}}, c["setting"])
		exec := c["configuration"].(tests.Body)["execute_command_configuration"].(tests.Body)
		assert.Equal(t, "OVERRIDE", exec["logging"])
		assert.Equal(t, tt.d.KeyRef("logs"), exec["kms_key_id"])
		lc := exec["log_configuration"].(tests.Body)
		assert.Equal(t, true, lc["cloud_watch_encryption_enabled"])
		cp := tt.d.One("aws_ecs_cluster_capacity_providers")
		assert.Equal(t, []any{"FARGATE", "FARGATE_SPOT"}, cp["capacity_providers"])
		strategy := []any{
			map[string]any{"capacity_provider": "FARGATE", "base": 1.0, "weight": 1.0},
			map[string]any{"capacity_provider": "FARGATE_SPOT", "base": 0.0, "weight": tt.spot},
		}
		assert.Equal(t, strategy, cp["default_capacity_provider_strategy"])
		// Regression: a service without a strategy reads back the cluster default and provider
		// 5.x replaces it on every apply; with force_new_deployment a weight change updates in place.
		capacity := "aws_ecs_cluster_capacity_providers." + tt.d.OneName("aws_ecs_cluster_capacity_providers")
		for name, st := range services(t, tt.d) {
			assert.Equal(t, strategy, st[0]["capacity_provider_strategy"], "%s %s states the cluster default", tt.d.Env.Name, name)
			assert.NotContains(t, st[0], "launch_type", name)
			assert.Equal(t, true, st[0]["force_new_deployment"], name)
			deps := tests.Strings(st[0]["depends_on"])
			assert.Contains(t, deps, capacity, "%s waits for the capacity providers", name)
			require.Len(t, deps, 4, name)
			assert.Regexp(t, `^aws_lb_listener_rule\.service-`+name+`_listener-rule_[0-9A-F]{8}$`, deps[1], "%s waits for its listener rule", name)
			assert.Regexp(t, `^aws_iam_role_policy\.service-`+name+`_execution-role-pull-log-secrets_[0-9A-F]{8}$`, deps[2], "%s waits for its execution role's policy", name)
			assert.Regexp(t, `^aws_iam_role_policy\.service-`+name+`_task-role-service-access_[0-9A-F]{8}$`, deps[3], "%s waits for its task role's policy", name)
		}
	}
}

func TestRepositoriesAreImmutableScannedAndEncrypted(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		require.Equal(t, 3, d.Count("aws_ecr_repository"))
		for _, r := range d.List("aws_ecr_repository") {
			assert.Equal(t, "IMMUTABLE", r["image_tag_mutability"])
			assert.Equal(t, map[string]any{"scan_on_push": true}, r["image_scanning_configuration"])
			assert.Equal(t, []any{map[string]any{"encryption_type": "KMS", "kms_key": d.KeyRef("images")}}, r["encryption_configuration"])
		}
	}
}

// Outside development the root filesystem is read-only and /tmp (ephemeral task storage) is the
// only writable path. Regression: ECS Exec is unsupported with a read-only root filesystem, so
// it runs only where the root is writable (development).
func TestOnlyEphemeralPathsAreWritable(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		for name, st := range services(t, d) {
			c := containers(t, st[1])[0]
			require.Len(t, c.MountPoints, 1)
			assert.Equal(t, "/tmp", c.MountPoints[0].ContainerPath, "%s %s", d.Env.Name, name)
			assert.Equal(t, []any{map[string]any{"name": "tmp"}}, st[1]["volume"], "ephemeral task storage only")
			if st[0]["enable_execute_command"] == true {
				assert.False(t, *c.ReadonlyRootFilesystem, "%s %s: ECS Exec needs a writable root", d.Env.Name, name)
			}
		}
	}
	assert.Equal(t, []bool{true, false, false}, []bool{dev.Env.ExecuteCommand, staging.Env.ExecuteCommand, prod.Env.ExecuteCommand})
}

// Regression: the ECS Exec session key is only decrypted by tasks (AWS's documented task role
// statement); the operator's identity generates the data key.
func TestExecTaskRoleOnlyDecryptsTheSessionKey(t *testing.T) {
	for _, svc := range dev.Env.Services {
		p := dev.ServiceGrants(svc.Name, "task")
		assert.Equal(t, []string{dev.KeyRef("logs")}, p["kms:Decrypt"], svc.Name)
		assert.NotContains(t, p, "kms:GenerateDataKey", svc.Name)
	}
}

// Regression: a Redis IAM auth token is signed for the replication group id, which containers
// cannot derive from the endpoint host.
func TestContainersKnowTheRedisReplicationGroup(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		group := d.One("aws_elasticache_replication_group")["replication_group_id"]
		for name, st := range services(t, d) {
			env := map[string]string{}
			for _, e := range containers(t, st[1])[0].Environment {
				env[e.Name] = e.Value
			}
			assert.Equal(t, group, env["REDIS_REPLICATION_GROUP_ID"], "%s %s", d.Env.Name, name)
		}
	}
}
