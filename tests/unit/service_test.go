package unit

import (
	"encoding/json"
	"regexp"
	"strconv"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecsclustercapacityproviders"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/cache"
	"github.com/scalepayments/infra/constructs/database"
	"github.com/scalepayments/infra/constructs/service"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/synthesized"
	"github.com/scalepayments/infra/tests"
)

// Inputs the services attach to, as plain values: what the stack would pass.
const (
	serviceLogsKey     = "arn:aws:kms:us-east-1:111122223333:key/logs"
	serviceImagesKey   = "arn:aws:kms:us-east-1:111122223333:key/images"
	serviceSecretsKey  = "arn:aws:kms:us-east-1:111122223333:key/secrets"
	serviceDatabaseKey = "arn:aws:kms:us-east-1:111122223333:key/database"
	serviceCacheKey    = "arn:aws:kms:us-east-1:111122223333:key/cache"
	serviceVPC         = "vpc-0a1b2c3d4e5f60718"
	serviceALBSuffix   = "app/sp-alb/50dc6c495c0c9188"
	serviceListener    = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/sp-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"
	// serviceCapacity is the address of the stand-in for the cluster's capacity-provider
	// association: the one input that must be a resource, since the services wait for it.
	serviceCapacity = "aws_ecs_cluster_capacity_providers.cluster-capacity"
)

// serviceSubnets are the private subnets the stack would pass, one per AZ.
var serviceSubnets = map[string][]string{
	"dev":     {"subnet-private-a", "subnet-private-b"},
	"staging": {"subnet-private-a", "subnet-private-b"},
	"prod":    {"subnet-private-a", "subnet-private-b", "subnet-private-c"},
}

func serviceClusterName(env envconfig.Environment) string {
	return "scalepayments-" + env.Name + "-cluster"
}

// servicesOf is env's services alone, configured as the stack configures them. A service's
// database.Access and cache.Access have unexported fields (the cluster resource id, the Redis
// user ids, the account) that only the database and cache constructs fill, so those two are
// built beside the services, with plain inputs, and their Access() passed as the stack passes
// it; the cluster's capacity association, which the services wait for, is a stand-in resource.
// Everything else is a plain value.
func servicesOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("service", env, func(stack cdktf.TerraformStack) {
		namer, floors := stacks.EnvNamer(env), env.Stage.Floors()
		dbSubnets := jsii.Strings("subnet-db-a", "subnet-db-b")
		db := database.New(stack, "database", &database.Props{
			Namer: namer, Account: tests.TestAccount, Config: env.Aurora, AvailabilityZones: env.AvailabilityZones,
			Protected: floors.Protected, PreventDestroy: floors.PreventDestroy,
			SubnetIDs: dbSubnets, SecurityGroupID: jsii.String("sg-aurora"),
			KMSKeyARN: jsii.String(serviceDatabaseKey), LogsKeyARN: jsii.String(serviceLogsKey), LogRetentionDays: env.LogRetentionDays,
		})
		var users []string
		for _, svc := range env.Services {
			if svc.Cache {
				users = append(users, svc.Name)
			}
		}
		c := cache.New(stack, "cache", &cache.Props{
			Namer: namer, Account: tests.TestAccount, Config: env.Redis, AvailabilityZones: env.AvailabilityZones,
			SubnetIDs: dbSubnets, SecurityGroupID: jsii.String("sg-redis"),
			KMSKeyARN: jsii.String(serviceCacheKey), LogsKeyARN: jsii.String(serviceLogsKey), LogRetentionDays: env.LogRetentionDays,
			Users: users,
		})
		capacity := ecsclustercapacityproviders.NewEcsClusterCapacityProviders(stack, jsii.String("cluster-capacity"), &ecsclustercapacityproviders.EcsClusterCapacityProvidersConfig{
			ClusterName: jsii.String(serviceClusterName(env)), CapacityProviders: jsii.Strings("FARGATE", "FARGATE_SPOT"),
		})
		dbAccess, cacheAccess := db.Access(), c.Access()
		for _, svc := range env.Services {
			service.New(stack, "service-"+svc.Name, &service.Props{
				Namer: namer, Account: tests.TestAccount, Service: svc,
				Digest: env.Images[svc.Name].Digest, ReadOnlyRootFilesystem: env.ReadOnlyRootFilesystem, ExecuteCommand: env.ExecuteCommand,
				LogRetentionDays: env.LogRetentionDays, SecretRecoveryDays: env.SecretRecoveryDays,
				ClusterID:       jsii.String("arn:aws:ecs:us-east-1:111122223333:cluster/" + serviceClusterName(env)),
				ClusterName:     jsii.String(serviceClusterName(env)),
				ClusterCapacity: capacity, CapacityStrategy: help.CapacityStrategy(env.FargateSpotWeight),
				ExecLogGroupARN: jsii.String("arn:aws:logs:us-east-1:111122223333:log-group:/scalepayments/" + env.Name + "/ecs/exec"),
				SubnetIDs:       jsii.Strings(serviceSubnets[env.Name]...), VPCID: jsii.String(serviceVPC), SecurityGroupID: jsii.String("sg-" + svc.Name + "-tasks"),
				ListenerARN: jsii.String(serviceListener), ALBARNSuffix: jsii.String(serviceALBSuffix),
				Database: dbAccess, Cache: cacheAccess,
				LogsKeyARN: jsii.String(serviceLogsKey), ImagesKeyARN: jsii.String(serviceImagesKey), SecretsKeyARN: jsii.String(serviceSecretsKey),
			})
		}
	})
}

// The design, spelled out once so a typo in envconfig or the construct cannot hide.
var (
	serviceNames = []string{"api", "payment", "notification"}
	// serviceSizes: desired count (= autoscaling minimum), autoscaling maximum, CPU units, memory MiB.
	serviceSizes = map[string]map[string][4]int{
		"dev":     {"api": {2, 4, 256, 512}, "payment": {2, 4, 512, 1024}, "notification": {1, 2, 256, 512}},
		"staging": {"api": {3, 6, 512, 1024}, "payment": {3, 6, 1024, 2048}, "notification": {2, 4, 512, 1024}},
		"prod":    {"api": {5, 20, 1024, 2048}, "payment": {5, 20, 2048, 4096}, "notification": {3, 10, 1024, 2048}},
	}
	serviceCode         = map[string]string{"dev": "dev", "staging": "stg", "prod": "prd"}
	serviceReadOnlyRoot = map[string]bool{"dev": false, "staging": true, "prod": true}
	serviceExec         = map[string]bool{"dev": true, "staging": false, "prod": false}
	serviceSpot         = map[string]float64{"dev": 3, "staging": 1, "prod": 0}
	serviceRecoveryDays = map[string]int{"dev": 0, "staging": 7, "prod": 30}
	serviceRetention    = map[string]int{"dev": 7, "staging": 30, "prod": 365}
	servicePriority     = map[string]int{"api": 10, "payment": 20, "notification": 30}
	// serviceReaches is what each service reaches besides its own Redis user (every service has
	// one): its own database user, its own secret and the variable that carries it.
	serviceReaches = map[string]struct {
		database          bool
		secret, secretVar string
	}{
		"api":          {database: true},
		"payment":      {database: true, secret: "processor-api-key", secretVar: "PROCESSOR_API_KEY"},
		"notification": {secret: "email-api-key", secretVar: "EMAIL_API_KEY"},
	}
)

// serviceRef is "${typ.<name>.attr}" for the resource of typ tagged Name=name.
func serviceRef(d *tests.Doc, typ, name, attr string) string {
	return tests.RefTo(typ, d.NameOf(typ, name), attr)
}

// serviceBody is the resource of typ tagged Name=name.
func serviceBody(d *tests.Doc, typ, name string) tests.Body {
	return d.Resources(typ)[d.NameOf(typ, name)]
}

// serviceRole is the role named name.
func serviceRole(d *tests.Doc, name string) synthesized.Resource {
	return synthesized.Resource{Type: "aws_iam_role", Name: d.NameOf("aws_iam_role", name), Body: serviceBody(d, "aws_iam_role", name)}
}

// servicePolicy is the address and statements of the inline policy named policy of the role
// named role.
func servicePolicy(t *testing.T, d *tests.Doc, role, policy string) (string, []iam.Statement) {
	t.Helper()
	roleRef := serviceRef(d, "aws_iam_role", role, "id")
	var found []string
	var statements []iam.Statement
	for _, p := range d.Of("aws_iam_role_policy") {
		if p.Body["role"] == roleRef && p.Body["name"] == policy {
			found, statements = append(found, p.Address()), tests.Statements(p.Body["policy"])
		}
	}
	require.Len(t, found, 1, "%s: policy %s of role %s", d.Env.Name, policy, role)
	return found[0], statements
}

// serviceContainers are the decoded container definitions of the task family.
func serviceContainers(t *testing.T, d *tests.Doc, family string) []any {
	t.Helper()
	var defs []any
	require.NoError(t, json.Unmarshal([]byte(serviceBody(d, "aws_ecs_task_definition", family)["container_definitions"].(string)), &defs))
	return defs
}

// serviceContainer is the only container of the task family, typed for reading.
type serviceContainer struct {
	ReadonlyRootFilesystem *bool
	Environment            []struct{ Name, Value string }
	Secrets                []struct{ Name, ValueFrom string }
	MountPoints            []struct {
		SourceVolume, ContainerPath string
		ReadOnly                    bool
	}
}

func serviceContainerOf(t *testing.T, d *tests.Doc, family string) serviceContainer {
	t.Helper()
	var defs []serviceContainer
	require.NoError(t, json.Unmarshal([]byte(serviceBody(d, "aws_ecs_task_definition", family)["container_definitions"].(string)), &defs))
	require.Len(t, defs, 1, "%s: one container in %s", d.Env.Name, family)
	return defs[0]
}

func TestThreeServicesWithTheirSizes(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, e := servicesOf(env), env.Name
		require.Equal(t, 3, d.Count("aws_ecs_service"))
		require.Equal(t, 3, d.Count("aws_ecs_task_definition"))
		for _, name := range serviceNames {
			size, family := serviceSizes[e][name], "scalepayments-"+e+"-"+name
			tests.Has(t, d, "aws_ecs_task_definition", map[string]any{
				"family": family, "requires_compatibilities": []any{"FARGATE"}, "network_mode": "awsvpc",
				"cpu": strconv.Itoa(size[2]), "memory": strconv.Itoa(size[3]),
				"runtime_platform":   map[string]any{"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
				"execution_role_arn": serviceRef(d, "aws_iam_role", family+"-execution", "arn"),
				"task_role_arn":      serviceRef(d, "aws_iam_role", family+"-task", "arn"),
				"tags":               map[string]any{"Name": family},
			})
			tests.Has(t, d, "aws_ecs_service", map[string]any{
				"name": name, "desired_count": size[0],
				"task_definition": serviceRef(d, "aws_ecs_task_definition", family, "arn"),
			})
		}
	})
}

func TestServicesAreSafeToDeploy(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, e := servicesOf(env), env.Name
		for _, name := range serviceNames {
			tests.Has(t, d, "aws_ecs_service", map[string]any{
				"name":    name,
				"cluster": "arn:aws:ecs:us-east-1:111122223333:cluster/scalepayments-" + e + "-cluster",
				"load_balancer": []any{map[string]any{
					"target_group_arn": serviceRef(d, "aws_lb_target_group", "sp-"+serviceCode[e]+"-"+name, "arn"),
					"container_name":   name, "container_port": 8080,
				}},
				"deployment_circuit_breaker":         map[string]any{"enable": true, "rollback": true},
				"deployment_minimum_healthy_percent": 100,
				"deployment_maximum_percent":         200,
				"health_check_grace_period_seconds":  60,
				"availability_zone_rebalancing":      "ENABLED",
				"enable_ecs_managed_tags":            true,
				"propagate_tags":                     "SERVICE",
				"enable_execute_command":             serviceExec[e],
				"tags":                               map[string]any{"Name": "scalepayments-" + e + "-" + name},
			})
			s := serviceBody(d, "aws_ecs_service", "scalepayments-"+e+"-"+name)
			var subnets []any
			for _, id := range serviceSubnets[e] {
				subnets = append(subnets, id)
			}
			assert.Equal(t, map[string]any{"assign_public_ip": false, "security_groups": []any{"sg-" + name + "-tasks"}, "subnets": subnets},
				s["network_configuration"], "%s %s: its own group, the subnets it is given, no public IP", e, name)
			assert.Equal(t, map[string]any{"ignore_changes": []any{"desired_count"}}, s["lifecycle"], "%s %s: autoscaling owns the count", e, name)
		}
	})
}

// Regression: a service without a strategy reads back the cluster default and provider 5.x
// replaces it on every apply; with force_new_deployment a weight change updates in place. The
// service waits for the capacity association, its listener rule and its roles' policies.
func TestServicesStateTheClusterDefaultAndWaitForWhatTheyUse(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, e := servicesOf(env), env.Name
		strategy := []any{
			map[string]any{"capacity_provider": "FARGATE", "base": 1.0, "weight": 1.0},
			map[string]any{"capacity_provider": "FARGATE_SPOT", "base": 0.0, "weight": serviceSpot[e]},
		}
		for _, name := range serviceNames {
			s := serviceBody(d, "aws_ecs_service", "scalepayments-"+e+"-"+name)
			assert.Equal(t, strategy, s["capacity_provider_strategy"], "%s %s states the cluster default", e, name)
			assert.NotContains(t, s, "launch_type", name)
			assert.Equal(t, true, s["force_new_deployment"], name)
			exec, _ := servicePolicy(t, d, "scalepayments-"+e+"-"+name+"-execution", "pull-log-secrets")
			task, _ := servicePolicy(t, d, "scalepayments-"+e+"-"+name+"-task", "service-access")
			assert.Equal(t, []string{
				serviceCapacity,
				"aws_lb_listener_rule." + d.NameOf("aws_lb_listener_rule", "sp-"+serviceCode[e]+"-"+name),
				exec, task,
			}, tests.Strings(s["depends_on"]), "%s %s waits for the capacity providers, its listener rule and its roles' policies", e, name)
		}
	})
}

var serviceSecretLooking = regexp.MustCompile(`(?i)(password|secret|token|api_?key|private|credential)`)

// serviceWantContainer is the exact container definition of a service in env.
func serviceWantContainer(d *tests.Doc, env envconfig.Environment, name string) map[string]any {
	e := env.Name
	nv := func(n, v string) any { return map[string]any{"name": n, "value": v} }
	environment := []any{nv("APP_ENV", e), nv("SERVICE_NAME", name), nv("AWS_REGION", "us-east-1"), nv("PORT", "8080")}
	if serviceReaches[name].database {
		aurora := d.OneName("aws_rds_cluster")
		environment = append(environment,
			nv("DB_HOST", tests.RefTo("aws_rds_cluster", aurora, "endpoint")),
			nv("DB_READER_HOST", tests.RefTo("aws_rds_cluster", aurora, "reader_endpoint")),
			nv("DB_PORT", "5432"), nv("DB_NAME", "scalepayments"), nv("DB_USER", name),
			nv("DB_IAM_AUTH", "true"), nv("DB_SSLMODE", "verify-full"))
	}
	redis := d.OneName("aws_elasticache_replication_group")
	environment = append(environment,
		nv("REDIS_HOST", tests.RefTo("aws_elasticache_replication_group", redis, "primary_endpoint_address")),
		nv("REDIS_READER_HOST", tests.RefTo("aws_elasticache_replication_group", redis, "reader_endpoint_address")),
		nv("REDIS_PORT", "6379"),
		nv("REDIS_USER", serviceRef(d, "aws_elasticache_user", "scalepayments-"+e+"-"+name, "user_id")),
		nv("REDIS_REPLICATION_GROUP_ID", "scalepayments-"+e+"-redis"),
		nv("REDIS_TLS", "true"), nv("REDIS_KEY_PREFIX", name+":"))
	secrets := []any{}
	if r := serviceReaches[name]; r.secret != "" {
		secrets = append(secrets, map[string]any{"name": r.secretVar,
			"valueFrom": serviceRef(d, "aws_secretsmanager_secret", "scalepayments/"+e+"/"+name+"/"+r.secret, "arn")})
	}
	return map[string]any{
		"name":                   name,
		"image":                  serviceRef(d, "aws_ecr_repository", "scalepayments/"+e+"/"+name, "repository_url") + "@" + env.Images[name].Digest,
		"essential":              true,
		"readonlyRootFilesystem": serviceReadOnlyRoot[e],
		"privileged":             false,
		"user":                   "10001:10001",
		"portMappings":           []any{map[string]any{"containerPort": 8080.0, "protocol": "tcp"}},
		"environment":            environment,
		"secrets":                secrets,
		"mountPoints":            []any{map[string]any{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": false}},
		"linuxParameters":        map[string]any{"capabilities": map[string]any{"drop": []any{"ALL"}}, "initProcessEnabled": true},
		"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]any{
			"awslogs-group":         serviceRef(d, "aws_cloudwatch_log_group", "/scalepayments/"+e+"/ecs/"+name, "name"),
			"awslogs-region":        "us-east-1",
			"awslogs-stream-prefix": name,
		}},
		"healthCheck": map[string]any{
			"command":  []any{"CMD-SHELL", "curl -fsS http://localhost:8080/" + name + "/health || exit 1"},
			"interval": 30.0, "timeout": 5.0, "retries": 3.0, "startPeriod": 30.0,
		},
	}
}

// Each container: read-only root outside development, unprivileged, not root, every Linux
// capability dropped, the manifest's image by digest, encrypted logs, and secrets only as
// references to their Secrets Manager ARNs.
func TestContainersAreHardenedAndReadSecretsOnlyByARN(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, e := servicesOf(env), env.Name
		for _, name := range serviceNames {
			family := "scalepayments-" + e + "-" + name
			assert.Equal(t, []any{serviceWantContainer(d, env, name)}, serviceContainers(t, d, family), "%s %s", e, name)
			for _, v := range serviceContainerOf(t, d, family).Environment {
				assert.NotRegexp(t, serviceSecretLooking, v.Name, "%s %s: secret-looking name in plain environment", e, name)
			}
			group := "/scalepayments/" + e + "/ecs/" + name
			tests.Has(t, d, "aws_cloudwatch_log_group", map[string]any{"name": group, "kms_key_id": serviceLogsKey, "retention_in_days": serviceRetention[e]})
			tests.Has(t, d, "aws_cloudwatch_log_data_protection_policy", map[string]any{"log_group_name": serviceRef(d, "aws_cloudwatch_log_group", group, "name")})
			if secret := serviceReaches[name].secret; secret != "" {
				tests.Has(t, d, "aws_secretsmanager_secret", map[string]any{
					"name": "scalepayments/" + e + "/" + name + "/" + secret, "kms_key_id": serviceSecretsKey, "recovery_window_in_days": serviceRecoveryDays[e],
				})
			}
		}
		assert.Equal(t, 2, d.Count("aws_secretsmanager_secret"), "the two secrets, nothing else")
	})
}

func TestPaymentReadsItsProcessorKeyAndNothingElseDoes(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := servicesOf(env)
		secretNames := func(service string) []string {
			out := []string{}
			for _, s := range serviceContainerOf(t, d, "scalepayments-"+env.Name+"-"+service).Secrets {
				out = append(out, s.Name)
			}
			return out
		}
		assert.Equal(t, []string{"PROCESSOR_API_KEY"}, secretNames("payment"))
		assert.Equal(t, []string{"EMAIL_API_KEY"}, secretNames("notification"))
		assert.Empty(t, secretNames("api"))
	})
}

// serviceStarResources lists, by action, why a "*" resource is acceptable: AWS offers nothing narrower.
var serviceStarResources = map[string]bool{
	"ecr:GetAuthorizationToken":        true,
	"logs:DescribeLogGroups":           true,
	"ssmmessages:CreateControlChannel": true,
	"ssmmessages:CreateDataChannel":    true,
	"ssmmessages:OpenControlChannel":   true,
	"ssmmessages:OpenDataChannel":      true,
}

// serviceWantExecution is the exact execution-role policy of a service: pull its own images,
// write its own logs, read its own secrets (decrypting them only through Secrets Manager).
func serviceWantExecution(d *tests.Doc, env envconfig.Environment, name string) []iam.Statement {
	e := env.Name
	s := []iam.Statement{
		{Sid: "EcrLogin", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
		{Sid: "PullOwnImages", Effect: "Allow", Action: []string{"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"},
			Resource: []string{serviceRef(d, "aws_ecr_repository", "scalepayments/"+e+"/"+name, "arn")}},
		{Sid: "WriteOwnLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resource: []string{serviceRef(d, "aws_cloudwatch_log_group", "/scalepayments/"+e+"/ecs/"+name, "arn") + ":*"}},
	}
	if secret := serviceReaches[name].secret; secret != "" {
		s = append(s,
			iam.Statement{Sid: "ReadOwnSecrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"},
				Resource: []string{serviceRef(d, "aws_secretsmanager_secret", "scalepayments/"+e+"/"+name+"/"+secret, "arn")}},
			iam.Statement{Sid: "DecryptOwnSecrets", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{serviceSecretsKey},
				Condition: map[string]map[string]any{"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}})
	}
	return s
}

// serviceWantTask is the exact task-role policy of a service: its own database user, its own
// Redis user in the replication group and, where ECS Exec is on, the session channels, the
// audit log group and the session key (decrypt only).
func serviceWantTask(d *tests.Doc, env envconfig.Environment, name string) []iam.Statement {
	e := env.Name
	var s []iam.Statement
	if serviceReaches[name].database {
		s = append(s, iam.Statement{Sid: "ConnectAsOwnDatabaseUser", Effect: "Allow", Action: []string{"rds-db:connect"},
			Resource: []string{"arn:aws:rds-db:us-east-1:111122223333:dbuser:" + tests.RefTo("aws_rds_cluster", d.OneName("aws_rds_cluster"), "cluster_resource_id") + "/" + name}})
	}
	s = append(s, iam.Statement{Sid: "ConnectAsOwnRedisUser", Effect: "Allow", Action: []string{"elasticache:Connect"}, Resource: []string{
		"arn:aws:elasticache:us-east-1:111122223333:replicationgroup:scalepayments-" + e + "-redis",
		"arn:aws:elasticache:us-east-1:111122223333:user:" + serviceRef(d, "aws_elasticache_user", "scalepayments-"+e+"-"+name, "user_id"),
	}})
	if serviceExec[e] {
		s = append(s,
			iam.Statement{Sid: "EcsExecChannels", Effect: "Allow", Action: []string{"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"}, Resource: []string{"*"}},
			iam.Statement{Sid: "EcsExecAuditLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
				Resource: []string{"arn:aws:logs:us-east-1:111122223333:log-group:/scalepayments/" + e + "/ecs/exec:*"}},
			iam.Statement{Sid: "EcsExecFindLogGroup", Effect: "Allow", Action: []string{"logs:DescribeLogGroups"}, Resource: []string{"*"}},
			iam.Statement{Sid: "EcsExecSessionKey", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{serviceLogsKey}})
	}
	return s
}

// Both roles of every service are assumed only by ECS tasks acting for this account.
func TestServiceRolesTrustOnlyTheAccountsTasks(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := servicesOf(env)
		for _, name := range serviceNames {
			for _, kind := range []string{"execution", "task"} {
				role := serviceBody(d, "aws_iam_role", "scalepayments-"+env.Name+"-"+name+"-"+kind)
				assert.Equal(t, []iam.Statement{{Effect: "Allow", Principal: map[string]any{"Service": "ecs-tasks.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
					Condition: map[string]map[string]any{"StringEquals": {"aws:SourceAccount": "111122223333"}}}},
					tests.Statements(role["assume_role_policy"]), "%s %s %s", env.Name, name, kind)
			}
		}
	})
}

func TestIAMPoliciesAreLeastPrivilege(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := servicesOf(env)
		require.Equal(t, 6, d.Count("aws_iam_role_policy"), "an execution and a task policy per service")
		for _, p := range d.Of("aws_iam_role_policy") {
			for _, s := range tests.Statements(p.Body["policy"]) {
				assert.Equal(t, "Allow", s.Effect)
				for _, a := range s.Action {
					assert.NotContains(t, a, "*", "%s: wildcard action %s", p.Address(), a)
				}
				for _, r := range s.Resource {
					if r == "*" {
						for _, a := range s.Action {
							assert.True(t, serviceStarResources[a], "%s: %s on * is not justified", p.Address(), a)
						}
					}
				}
			}
		}
		for _, name := range serviceNames {
			_, got := servicePolicy(t, d, "scalepayments-"+env.Name+"-"+name+"-execution", "pull-log-secrets")
			assert.Equal(t, serviceWantExecution(d, env, name), got, "%s %s execution role", env.Name, name)
		}
	})
}

func TestTaskRolesReachOnlyTheirOwnDataStoreUsers(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := servicesOf(env)
		for _, name := range serviceNames {
			_, got := servicePolicy(t, d, "scalepayments-"+env.Name+"-"+name+"-task", "service-access")
			assert.Equal(t, serviceWantTask(d, env, name), got, "%s %s task role", env.Name, name)
		}
		notification := d.Grants(serviceRole(d, "scalepayments-"+env.Name+"-notification-task"))
		assert.NotContains(t, notification, "rds-db:connect", "notification never touches the database")
		if !serviceExec[env.Name] {
			assert.NotContains(t, notification, "ssmmessages:CreateControlChannel", "no ECS Exec in %s", env.Name)
		} else {
			assert.Contains(t, notification, "ssmmessages:CreateControlChannel", "ECS Exec in %s", env.Name)
		}
	})
}

// Regression: the ECS Exec session key is only decrypted by tasks (AWS's documented task role
// statement); the operator's identity generates the data key.
func TestExecTaskRoleOnlyDecryptsTheSessionKey(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := servicesOf(env)
		for _, name := range serviceNames {
			p := d.Grants(serviceRole(d, "scalepayments-"+env.Name+"-"+name+"-task"))
			if serviceExec[env.Name] {
				assert.Equal(t, []string{serviceLogsKey}, p["kms:Decrypt"], name)
			} else {
				assert.NotContains(t, p, "kms:Decrypt", "%s: no session key without ECS Exec", name)
			}
			assert.NotContains(t, p, "kms:GenerateDataKey", name)
		}
	})
}

func TestAutoscaling(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, e := servicesOf(env), env.Name
		require.Equal(t, 3, d.Count("aws_appautoscaling_target"))
		type policy struct {
			target, metric string
			value          float64
		}
		want := map[string]policy{}
		for _, name := range serviceNames {
			size, prefix := serviceSizes[e][name], "scalepayments-"+e+"-"+name
			tests.Has(t, d, "aws_appautoscaling_target", map[string]any{
				"service_namespace": "ecs", "scalable_dimension": "ecs:service:DesiredCount",
				"resource_id":  "service/scalepayments-" + e + "-cluster/" + serviceRef(d, "aws_ecs_service", prefix, "name"),
				"min_capacity": size[0], // min = desired
				"max_capacity": size[1],
				"tags":         map[string]any{"Name": prefix + "-scaling"},
			})
			target := d.NameOf("aws_appautoscaling_target", prefix+"-scaling")
			want[prefix+"-ECSServiceAverageCPUUtilization"] = policy{target, "ECSServiceAverageCPUUtilization", 60}
			want[prefix+"-ECSServiceAverageMemoryUtilization"] = policy{target, "ECSServiceAverageMemoryUtilization", 75}
			if name == "api" {
				want[prefix+"-ALBRequestCountPerTarget"] = policy{target, "ALBRequestCountPerTarget", 1000}
			}
		}
		got := map[string]policy{}
		for _, p := range d.List("aws_appautoscaling_policy") {
			assert.Equal(t, "TargetTrackingScaling", p["policy_type"])
			target, ok := d.Ref(p["resource_id"])
			require.True(t, ok)
			for _, attr := range []string{"resource_id", "scalable_dimension", "service_namespace"} {
				assert.Equal(t, tests.RefTo("aws_appautoscaling_target", target.Name, attr), p[attr])
			}
			cfg := p["target_tracking_scaling_policy_configuration"].(tests.Body)
			assert.EqualValues(t, 300, cfg["scale_in_cooldown"])
			assert.EqualValues(t, 60, cfg["scale_out_cooldown"])
			spec := cfg["predefined_metric_specification"].(tests.Body)
			got[p["name"].(string)] = policy{target.Name, spec["predefined_metric_type"].(string), cfg["target_value"].(float64)}
		}
		assert.Equal(t, want, got)
		tests.Has(t, d, "aws_appautoscaling_policy", map[string]any{
			"name": "scalepayments-" + e + "-api-ALBRequestCountPerTarget",
			"target_tracking_scaling_policy_configuration": map[string]any{"predefined_metric_specification": map[string]any{
				"predefined_metric_type": "ALBRequestCountPerTarget",
				"resource_label":         serviceALBSuffix + "/" + serviceRef(d, "aws_lb_target_group", "sp-"+serviceCode[e]+"-api", "arn_suffix"),
			}},
		})
	})
}

// Each service's listener rule sends its path, and only it, to its own target group.
func TestListenerRulesRouteEachPathToItsService(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, code := servicesOf(env), serviceCode[env.Name]
		require.Equal(t, 3, d.Count("aws_lb_listener_rule"))
		require.Equal(t, 3, d.Count("aws_lb_target_group"))
		for _, name := range serviceNames {
			tg := "sp-" + code + "-" + name
			assert.LessOrEqual(t, len(tg), 32, "target group names are at most 32 characters")
			tests.Has(t, d, "aws_lb_listener_rule", map[string]any{
				"listener_arn": serviceListener, "priority": servicePriority[name],
				"condition": []any{map[string]any{"path_pattern": map[string]any{"values": []any{"/" + name + "/*"}}}},
				"action":    []any{map[string]any{"type": "forward", "target_group_arn": serviceRef(d, "aws_lb_target_group", tg, "arn")}},
				"tags":      map[string]any{"Name": tg},
			})
			tests.Has(t, d, "aws_lb_target_group", map[string]any{
				"name": tg, "target_type": "ip", "port": 8080, "protocol": "HTTP", "vpc_id": serviceVPC, "deregistration_delay": "30",
				"health_check": map[string]any{"enabled": true, "path": "/" + name + "/health", "matcher": "200",
					"interval": 15, "timeout": 5, "healthy_threshold": 2, "unhealthy_threshold": 3},
			})
		}
	})
}

func TestRepositoriesAreImmutableScannedAndEncrypted(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := servicesOf(env)
		require.Equal(t, 3, d.Count("aws_ecr_repository"))
		for _, name := range serviceNames {
			repo := "scalepayments/" + env.Name + "/" + name
			r := serviceBody(d, "aws_ecr_repository", repo)
			assert.Equal(t, "IMMUTABLE", r["image_tag_mutability"])
			assert.Equal(t, map[string]any{"scan_on_push": true}, r["image_scanning_configuration"])
			assert.Equal(t, []any{map[string]any{"encryption_type": "KMS", "kms_key": serviceImagesKey}}, r["encryption_configuration"])
			tests.Has(t, d, "aws_ecr_lifecycle_policy", map[string]any{"repository": serviceRef(d, "aws_ecr_repository", repo, "name")})
		}
	})
}

// Outside development the root filesystem is read-only and /tmp (ephemeral task storage) is the
// only writable path. Regression: ECS Exec is unsupported with a read-only root filesystem, so
// it runs only where the root is writable (development).
func TestOnlyEphemeralPathsAreWritable(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, e := servicesOf(env), env.Name
		for _, name := range serviceNames {
			family := "scalepayments-" + e + "-" + name
			c := serviceContainerOf(t, d, family)
			require.Len(t, c.MountPoints, 1)
			assert.Equal(t, "/tmp", c.MountPoints[0].ContainerPath, "%s %s", e, name)
			assert.Equal(t, "tmp", c.MountPoints[0].SourceVolume)
			assert.Equal(t, []any{map[string]any{"name": "tmp"}}, serviceBody(d, "aws_ecs_task_definition", family)["volume"], "ephemeral task storage only")
			require.NotNil(t, c.ReadonlyRootFilesystem)
			assert.Equal(t, serviceReadOnlyRoot[e], *c.ReadonlyRootFilesystem, "%s %s: read-only outside development", e, name)
			s := serviceBody(d, "aws_ecs_service", family)
			assert.Equal(t, serviceExec[e], s["enable_execute_command"], "%s %s: ECS Exec in development only", e, name)
			if s["enable_execute_command"] == true {
				assert.False(t, *c.ReadonlyRootFilesystem, "%s %s: ECS Exec needs a writable root", e, name)
			}
		}
	})
}

// Regression: a Redis IAM auth token is signed for the replication group id, which containers
// cannot derive from the endpoint host.
func TestContainersKnowTheRedisReplicationGroup(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := servicesOf(env)
		require.Equal(t, "scalepayments-"+env.Name+"-redis", d.One("aws_elasticache_replication_group")["replication_group_id"])
		for _, name := range serviceNames {
			vars := map[string]string{}
			for _, v := range serviceContainerOf(t, d, "scalepayments-"+env.Name+"-"+name).Environment {
				vars[v.Name] = v.Value
			}
			assert.Equal(t, "scalepayments-"+env.Name+"-redis", vars["REDIS_REPLICATION_GROUP_ID"], "%s %s", env.Name, name)
		}
	})
}
