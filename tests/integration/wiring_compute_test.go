package integration

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/tests"
)

// How the stack wires the compute constructs (edge, cluster, services) to the rest of it: the
// network, the security groups, the keys, the data stores, each other. The constructs' own
// settings are asserted on each construct alone (tests/unit).

var (
	wiringComputeServices = []string{"api", "payment", "notification"}
	wiringComputeAZs      = map[string][]string{
		"dev":     {"us-east-1a", "us-east-1b"},
		"staging": {"us-east-1a", "us-east-1b"},
		"prod":    {"us-east-1a", "us-east-1b", "us-east-1c"},
	}
	wiringComputeCode = map[string]string{"dev": "dev", "staging": "stg", "prod": "prd"}
	wiringComputeExec = map[string]bool{"dev": true, "staging": false, "prod": false}
)

// The account and partition of a stack, as the stacks read them.
const (
	wiringComputeAccount   = "${data.aws_caller_identity.caller.account_id}"
	wiringComputePartition = "${data.aws_partition.partition.partition}"
)

// wiringComputeEach runs f as one subtest per environment stack, named after it.
func wiringComputeEach(t *testing.T, f func(t *testing.T, d *tests.Doc)) {
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) { f(t, d) })
	}
}

// wiringComputeRef is "${typ.<name>.attr}" for the resource of typ tagged Name=name.
func wiringComputeRef(d *tests.Doc, typ, name, attr string) string {
	return tests.RefTo(typ, d.NameOf(typ, name), attr)
}

// wiringComputeOne is "${typ.<name>.attr}" for the only resource of typ.
func wiringComputeOne(d *tests.Doc, typ, attr string) string {
	return tests.RefTo(typ, d.OneName(typ), attr)
}

// wiringComputeKey is the ARN reference of the stack's KMS key for a domain.
func wiringComputeKey(d *tests.Doc, domain string) string {
	return wiringComputeRef(d, "aws_kms_key", "scalepayments-"+d.Env.Name+"-"+domain, "arn")
}

// wiringComputeGroup is the id reference of the stack's security group named
// scalepayments-<env>-<group>.
func wiringComputeGroup(d *tests.Doc, group string) string {
	return wiringComputeRef(d, "aws_security_group", "scalepayments-"+d.Env.Name+"-"+group, "id")
}

// wiringComputePrivate are the id references of the stack's private subnets, in AZ order.
func wiringComputePrivate(d *tests.Doc) []any {
	var out []any
	for _, az := range wiringComputeAZs[d.Env.Name] {
		out = append(out, wiringComputeRef(d, "aws_subnet", "scalepayments-"+d.Env.Name+"-private-"+az, "id"))
	}
	return out
}

// wiringComputeService is the ECS service of the stack named name.
func wiringComputeService(d *tests.Doc, name string) tests.Body {
	return d.Resources("aws_ecs_service")[d.NameOf("aws_ecs_service", "scalepayments-"+d.Env.Name+"-"+name)]
}

// wiringComputeStatements are the statements of the role's inline policies, by Sid.
func wiringComputeStatements(t *testing.T, d *tests.Doc, role string) map[string]iam.Statement {
	t.Helper()
	ref := wiringComputeRef(d, "aws_iam_role", role, "id")
	out := map[string]iam.Statement{}
	for _, p := range d.List("aws_iam_role_policy") {
		if p["role"] == ref {
			for _, s := range tests.Statements(p["policy"]) {
				out[s.Sid] = s
			}
		}
	}
	require.NotEmpty(t, out, "%s: no policy for %s", d.Env.Name, role)
	return out
}

// wiringComputeEnvironment is the plain environment of a service's container.
func wiringComputeEnvironment(t *testing.T, d *tests.Doc, name string) map[string]string {
	t.Helper()
	td, ok := d.Ref(wiringComputeService(d, name)["task_definition"])
	require.True(t, ok)
	var defs []struct {
		Environment []struct{ Name, Value string }
	}
	require.NoError(t, json.Unmarshal([]byte(td.Body["container_definitions"].(string)), &defs))
	require.Len(t, defs, 1)
	out := map[string]string{}
	for _, e := range defs[0].Environment {
		out[e.Name] = e.Value
	}
	return out
}

// The stack runs the environment's three services, each once, each with its own repository,
// task definition, target group, listener rule and scaling target.
func TestStackRunsExactlyItsThreeServices(t *testing.T) {
	wiringComputeEach(t, func(t *testing.T, d *tests.Doc) {
		var names []string
		for _, s := range d.List("aws_ecs_service") {
			names = append(names, s["name"].(string))
		}
		assert.ElementsMatch(t, wiringComputeServices, names)
		for _, typ := range []string{"aws_ecr_repository", "aws_ecs_task_definition", "aws_lb_target_group", "aws_lb_listener_rule", "aws_appautoscaling_target"} {
			assert.Equal(t, 3, d.Count(typ), typ)
		}
		assert.Equal(t, 1, d.Count("aws_ecs_cluster"))
		assert.Equal(t, 1, d.Count("aws_lb"))
	})
}

// Every service runs in its own tasks group on the private subnets, one per AZ; its target
// group is in the stack's VPC and its listener rule on the edge's HTTPS listener. The ALB and
// the VPC link sit on the same private subnets, each in its own group.
func TestComputeAttachesToTheStacksNetwork(t *testing.T) {
	wiringComputeEach(t, func(t *testing.T, d *tests.Doc) {
		e, private := d.Env.Name, wiringComputePrivate(d)
		vpc := wiringComputeRef(d, "aws_vpc", "scalepayments-"+e+"-vpc", "id")
		listener := wiringComputeOne(d, "aws_lb_listener", "arn")
		for _, name := range wiringComputeServices {
			net := wiringComputeService(d, name)["network_configuration"].(tests.Body)
			assert.Equal(t, []any{wiringComputeGroup(d, name+"-tasks")}, net["security_groups"], "%s has its own group", name)
			assert.Equal(t, private, net["subnets"], "%s spreads over every AZ, on private subnets only", name)
			tg := "sp-" + wiringComputeCode[e] + "-" + name
			assert.Equal(t, vpc, d.Resources("aws_lb_target_group")[d.NameOf("aws_lb_target_group", tg)]["vpc_id"], name)
			assert.Equal(t, listener, d.Resources("aws_lb_listener_rule")[d.NameOf("aws_lb_listener_rule", tg)]["listener_arn"], name)
		}
		alb := d.One("aws_lb")
		assert.Equal(t, private, alb["subnets"], "%s: the ALB on the private subnets", e)
		assert.Equal(t, []any{wiringComputeGroup(d, "alb")}, alb["security_groups"], "%s: the ALB in its group", e)
		link := d.One("aws_apigatewayv2_vpc_link")
		assert.Equal(t, private, link["subnet_ids"], "%s: the VPC link on the private subnets", e)
		assert.Equal(t, []any{wiringComputeGroup(d, "vpc-link")}, link["security_group_ids"], "%s: the VPC link in its group", e)
	})
}

// Every resource that takes security groups takes exactly its own group of the chain.
func TestEachResourceUsesOnlyItsOwnSecurityGroup(t *testing.T) {
	want := map[string]string{
		"aws_lb": "alb", "aws_apigatewayv2_vpc_link": "vpc-link", "aws_rds_cluster": "aurora",
		"aws_elasticache_replication_group": "redis", "aws_vpc_endpoint": "endpoints",
	}
	wiringComputeEach(t, func(t *testing.T, d *tests.Doc) {
		for _, r := range d.Each() {
			var groups any
			for _, attr := range []string{"security_groups", "security_group_ids", "vpc_security_group_ids"} {
				if g, ok := r.Body[attr]; ok {
					groups = g
				}
			}
			if net, ok := r.Body["network_configuration"].(tests.Body); ok {
				groups = net["security_groups"]
			}
			if groups == nil {
				continue
			}
			group := want[r.Type]
			if r.Type == "aws_ecs_service" {
				group = r.Body["name"].(string) + "-tasks" // each service its own group
			}
			require.NotEmpty(t, group, "%s takes security groups: add it to the chain", r.Address())
			assert.Equal(t, []any{wiringComputeGroup(d, group)}, groups, r.Address())
		}
	})
}

// The services run in the stack's cluster, state its default capacity strategy and wait for
// its capacity association (regression: a service without a strategy is replaced on every
// apply); autoscaling targets them in that cluster, the api by its requests through the
// stack's ALB; ECS Exec sessions log to the cluster's exec log group.
func TestServicesUseTheStacksClusterAndWaitForItsCapacity(t *testing.T) {
	wiringComputeEach(t, func(t *testing.T, d *tests.Doc) {
		e := d.Env.Name
		capacity := d.One("aws_ecs_cluster_capacity_providers")
		execLogs := wiringComputeRef(d, "aws_cloudwatch_log_group", "/scalepayments/"+e+"/ecs/exec", "arn")
		assert.Equal(t, wiringComputeOne(d, "aws_ecs_cluster", "name"), capacity["cluster_name"])
		for _, name := range wiringComputeServices {
			s := wiringComputeService(d, name)
			assert.Equal(t, wiringComputeOne(d, "aws_ecs_cluster", "id"), s["cluster"], name)
			assert.Equal(t, capacity["default_capacity_provider_strategy"], s["capacity_provider_strategy"], "%s states the cluster default", name)
			deps := tests.Strings(s["depends_on"])
			require.NotEmpty(t, deps, name)
			assert.Equal(t, "aws_ecs_cluster_capacity_providers."+d.OneName("aws_ecs_cluster_capacity_providers"), deps[0], "%s waits for the capacity providers", name)
			prefix := "scalepayments-" + e + "-" + name
			target := d.Resources("aws_appautoscaling_target")[d.NameOf("aws_appautoscaling_target", prefix+"-scaling")]
			assert.Equal(t, "service/"+wiringComputeOne(d, "aws_ecs_cluster", "name")+"/"+wiringComputeRef(d, "aws_ecs_service", prefix, "name"), target["resource_id"], name)
			task := wiringComputeStatements(t, d, prefix+"-task")
			if s["enable_execute_command"] == true {
				assert.Equal(t, []string{execLogs + ":*"}, task["EcsExecAuditLogs"].Resource, "%s: sessions log to the cluster's exec log group", name)
			} else {
				assert.NotContains(t, task, "EcsExecAuditLogs", name)
			}
		}
		var label any
		for _, p := range d.List("aws_appautoscaling_policy") {
			if p["name"] == "scalepayments-"+e+"-api-ALBRequestCountPerTarget" {
				label = p["target_tracking_scaling_policy_configuration"].(tests.Body)["predefined_metric_specification"].(tests.Body)["resource_label"]
			}
		}
		assert.Equal(t, wiringComputeOne(d, "aws_lb", "arn_suffix")+"/"+wiringComputeRef(d, "aws_lb_target_group", "sp-"+wiringComputeCode[e]+"-api", "arn_suffix"), label)
	})
}

// Each domain's data is encrypted with the stack's key for it: service logs, the exec
// sessions and the API access logs with the logs key, secrets with the secrets key (which the
// execution roles decrypt through Secrets Manager only), images with the images key.
func TestComputeUsesTheStacksKeys(t *testing.T) {
	wiringComputeEach(t, func(t *testing.T, d *tests.Doc) {
		e := d.Env.Name
		logs, secrets, images := wiringComputeKey(d, "logs"), wiringComputeKey(d, "secrets"), wiringComputeKey(d, "images")
		for _, name := range wiringComputeServices {
			lg := d.Resources("aws_cloudwatch_log_group")[d.NameOf("aws_cloudwatch_log_group", "/scalepayments/"+e+"/ecs/"+name)]
			assert.Equal(t, logs, lg["kms_key_id"], name)
			repo := d.Resources("aws_ecr_repository")[d.NameOf("aws_ecr_repository", "scalepayments/"+e+"/"+name)]
			assert.Equal(t, []any{map[string]any{"encryption_type": "KMS", "kms_key": images}}, repo["encryption_configuration"], name)
			exec := wiringComputeStatements(t, d, "scalepayments-"+e+"-"+name+"-execution")
			if s, ok := exec["DecryptOwnSecrets"]; ok {
				assert.Equal(t, []string{secrets}, s.Resource, name)
			}
			task := wiringComputeStatements(t, d, "scalepayments-"+e+"-"+name+"-task")
			if s, ok := task["EcsExecSessionKey"]; ok {
				// Regression: tasks only decrypt the session key.
				assert.Equal(t, []string{logs}, s.Resource, name)
				assert.Equal(t, []string{"kms:Decrypt"}, s.Action, name)
			}
		}
		assert.Contains(t, wiringComputeStatements(t, d, "scalepayments-"+e+"-payment-execution"), "DecryptOwnSecrets")
		_, session := wiringComputeStatements(t, d, "scalepayments-"+e+"-api-task")["EcsExecSessionKey"]
		assert.Equal(t, wiringComputeExec[e], session, "a session key only where ECS Exec is on")
		require.Equal(t, 2, d.Count("aws_secretsmanager_secret"))
		for _, s := range d.List("aws_secretsmanager_secret") {
			assert.Equal(t, secrets, s["kms_key_id"], s["name"])
		}
		exec := d.One("aws_ecs_cluster")["configuration"].(tests.Body)["execute_command_configuration"].(tests.Body)
		assert.Equal(t, logs, exec["kms_key_id"])
		assert.Equal(t, logs, d.Resources("aws_cloudwatch_log_group")[d.NameOf("aws_cloudwatch_log_group", "/scalepayments/"+e+"/ecs/exec")]["kms_key_id"])
		stage := d.One("aws_apigatewayv2_stage")
		lg, ok := d.Ref(stage["access_log_settings"].(tests.Body)["destination_arn"])
		require.True(t, ok)
		assert.Equal(t, logs, lg.Body["kms_key_id"])
	})
}

// Each task role reaches its own user of the stack's Aurora cluster and Redis group, and the
// containers are told the stack's endpoints, user and replication group (regression: a Redis
// IAM auth token is signed for the replication group id).
func TestServicesReachTheStacksDataStores(t *testing.T) {
	wiringComputeEach(t, func(t *testing.T, d *tests.Doc) {
		e := d.Env.Name
		aurora, redis := d.OneName("aws_rds_cluster"), d.OneName("aws_elasticache_replication_group")
		group := d.One("aws_elasticache_replication_group")["replication_group_id"]
		assert.Equal(t, "scalepayments-"+e+"-redis", group)
		arn := func(service, resource string) string {
			return "arn:" + wiringComputePartition + ":" + service + ":us-east-1:" + wiringComputeAccount + ":" + resource
		}
		for _, name := range wiringComputeServices {
			user := wiringComputeRef(d, "aws_elasticache_user", "scalepayments-"+e+"-"+name, "user_id")
			task := wiringComputeStatements(t, d, "scalepayments-"+e+"-"+name+"-task")
			vars := wiringComputeEnvironment(t, d, name)
			if name == "notification" {
				assert.NotContains(t, task, "ConnectAsOwnDatabaseUser", "notification never touches the database")
				assert.NotContains(t, vars, "DB_HOST")
			} else {
				assert.Equal(t, []string{arn("rds-db", "dbuser:"+tests.RefTo("aws_rds_cluster", aurora, "cluster_resource_id")+"/"+name)}, task["ConnectAsOwnDatabaseUser"].Resource, name)
				assert.Equal(t, tests.RefTo("aws_rds_cluster", aurora, "endpoint"), vars["DB_HOST"], name)
				assert.Equal(t, tests.RefTo("aws_rds_cluster", aurora, "reader_endpoint"), vars["DB_READER_HOST"], name)
			}
			assert.Equal(t, []string{arn("elasticache", "replicationgroup:"+group.(string)), arn("elasticache", "user:"+user)}, task["ConnectAsOwnRedisUser"].Resource, name)
			assert.Equal(t, group, vars["REDIS_REPLICATION_GROUP_ID"], name)
			assert.Equal(t, user, vars["REDIS_USER"], name)
			assert.Equal(t, tests.RefTo("aws_elasticache_replication_group", redis, "primary_endpoint_address"), vars["REDIS_HOST"], name)
			assert.Equal(t, tests.RefTo("aws_elasticache_replication_group", redis, "reader_endpoint_address"), vars["REDIS_READER_HOST"], name)
		}
	})
}

// wiringComputeStar lists, by action, why a "*" resource is acceptable: AWS offers nothing narrower.
var wiringComputeStar = map[string]bool{
	"ecr:GetAuthorizationToken":        true,
	"logs:DescribeLogGroups":           true,
	"ssmmessages:CreateControlChannel": true,
	"ssmmessages:CreateDataChannel":    true,
	"ssmmessages:OpenControlChannel":   true,
	"ssmmessages:OpenDataChannel":      true,
}

// No inline role policy of the stack allows a wildcard action, or a "*" resource AWS does not
// require.
func TestIAMPoliciesAreLeastPrivilege(t *testing.T) {
	wiringComputeEach(t, func(t *testing.T, d *tests.Doc) {
		require.NotZero(t, d.Count("aws_iam_role_policy"))
		for _, p := range d.Of("aws_iam_role_policy") {
			for _, s := range tests.Statements(p.Body["policy"]) {
				assert.Equal(t, "Allow", s.Effect, p.Address())
				for _, a := range s.Action {
					assert.NotContains(t, a, "*", "%s: wildcard action %s", p.Address(), a)
				}
				for _, r := range s.Resource {
					if r == "*" {
						for _, a := range s.Action {
							assert.True(t, wiringComputeStar[a], "%s: %s on * is not justified", p.Address(), a)
						}
					}
				}
			}
		}
	})
}

// The stack's listener routes each service's path to that service's target group, and only
// those paths.
func TestListenerRulesRouteEachPathToItsService(t *testing.T) {
	wiringComputeEach(t, func(t *testing.T, d *tests.Doc) {
		routes, priorities := map[string]string{}, map[int]bool{}
		for _, r := range d.ListenerRules() {
			require.Len(t, r.Paths, 1)
			routes[r.Paths[0]] = r.TargetGroup.Body["name"].(string)
			assert.False(t, priorities[r.Priority], "priority %d used twice", r.Priority)
			priorities[r.Priority] = true
		}
		code := wiringComputeCode[d.Env.Name]
		assert.Equal(t, map[string]string{
			"/api/*": "sp-" + code + "-api", "/payment/*": "sp-" + code + "-payment", "/notification/*": "sp-" + code + "-notification",
		}, routes)
		for name, tg := range map[string]string{"api": "sp-" + code + "-api", "payment": "sp-" + code + "-payment", "notification": "sp-" + code + "-notification"} {
			lb := tests.Block(wiringComputeService(d, name)["load_balancer"])
			assert.Equal(t, wiringComputeRef(d, "aws_lb_target_group", tg, "arn"), lb["target_group_arn"], "%s is behind its own target group", name)
		}
	})
}

// The stack's api_url output is the custom domain the edge serves.
func TestAPIURLIsTheCustomDomain(t *testing.T) {
	want := map[string]string{"dev": "https://api.dev.scalepayments.com", "staging": "https://api.staging.scalepayments.com", "prod": "https://api.scalepayments.com"}
	wiringComputeEach(t, func(t *testing.T, d *tests.Doc) {
		assert.Equal(t, want[d.Env.Name], d.Root["output"].(tests.Body)["api_url"].(tests.Body)["value"])
		assert.Equal(t, strings.TrimPrefix(want[d.Env.Name], "https://"), d.One("aws_apigatewayv2_domain_name")["domain_name"])
	})
}

// wiringComputeConfigOf is the only resource of typ that configures the bucket with logical
// name bucket.
func wiringComputeConfigOf(t *testing.T, d *tests.Doc, typ, bucket string) tests.Body {
	t.Helper()
	var found []tests.Body
	for _, r := range d.List(typ) {
		if r["bucket"] == tests.RefTo("aws_s3_bucket", bucket, "id") {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "%s %s for %s", d.Env.Name, typ, bucket)
	return found[0]
}

// Every bucket of every stack: an environment's ALB log bucket and an account's audit bucket,
// each with the stack's S3 server access-log bucket beside it. All are locked down; the ALB and
// access logs are SSE-S3 (all those services support), the audit bucket uses the account's
// audit key; each logs to the stack's access-log bucket, which grants S3 logging exactly the
// other bucket's prefix.
func TestEveryBucketIsLockedDown(t *testing.T) {
	stacks := map[string]*tests.Doc{}
	sources := map[string]string{} // the bucket that is not the access-log bucket, by stack
	for _, d := range all() {
		stacks[d.Env.Name], sources[d.Env.Name] = d, "scalepayments-"+d.Env.Name+"-alb-logs-"+wiringComputeAccount
	}
	for _, a := range tests.Accounts() {
		stacks["account-"+a.Env.Name], sources["account-"+a.Env.Name] = a.Doc, "scalepayments-"+a.Env.Name+"-audit-"+wiringComputeAccount
	}
	require.Len(t, stacks, 5, "three environments, two accounts")
	for _, name := range []string{"dev", "staging", "prod", "account-nonprod", "account-prod"} {
		d, source := stacks[name], sources[name]
		t.Run(name, func(t *testing.T) {
			accessLogs := "scalepayments-" + d.Env.Name + "-s3-access-logs-" + wiringComputeAccount
			byName := map[string]string{}
			for _, b := range d.Of("aws_s3_bucket") {
				byName[b.Body["bucket"].(string)] = b.Name
			}
			require.Len(t, byName, 2)
			require.Contains(t, byName, source)
			require.Contains(t, byName, accessLogs)
			for bucketName, b := range byName {
				body := d.Resources("aws_s3_bucket")[b]
				assert.NotContains(t, body, "force_destroy")
				assert.Equal(t, "Enabled", wiringComputeConfigOf(t, d, "aws_s3_bucket_versioning", b)["versioning_configuration"].(tests.Body)["status"])
				assert.Equal(t, "BucketOwnerEnforced", wiringComputeConfigOf(t, d, "aws_s3_bucket_ownership_controls", b)["rule"].(tests.Body)["object_ownership"])
				pab := wiringComputeConfigOf(t, d, "aws_s3_bucket_public_access_block", b)
				for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
					assert.Equal(t, true, pab[k], k)
				}
				sse := tests.Block(tests.Block(wiringComputeConfigOf(t, d, "aws_s3_bucket_server_side_encryption_configuration", b)["rule"])["apply_server_side_encryption_by_default"])
				if strings.HasPrefix(name, "account-") && bucketName == source {
					assert.Equal(t, map[string]any{"sse_algorithm": "aws:kms", "kms_master_key_id": wiringComputeKey(d, "audit")}, sse)
				} else {
					assert.Equal(t, map[string]any{"sse_algorithm": "AES256"}, sse, "ALB and S3 access logs support SSE-S3 only")
				}
				policy := tests.Statements(wiringComputeConfigOf(t, d, "aws_s3_bucket_policy", b)["policy"])
				assert.Equal(t, "DenyInsecureTransport", policy[0].Sid)
				assert.Equal(t, "Deny", policy[0].Effect)
				assert.Equal(t, map[string]any{"aws:SecureTransport": "false"}, policy[0].Condition["Bool"])
				rule := tests.Block(wiringComputeConfigOf(t, d, "aws_s3_bucket_lifecycle_configuration", b)["rule"])
				assert.GreaterOrEqual(t, tests.Block(rule["expiration"])["days"].(float64), 365.0, "kept at least a year (PCI-DSS 10.5.1)")
			}
			// "Grant permissions to the logging service principal by using a bucket policy"
			// (enable-server-access-logging.html): only the stack's other bucket, only its prefix.
			target := byName[accessLogs]
			policy := tests.Statements(wiringComputeConfigOf(t, d, "aws_s3_bucket_policy", target)["policy"])
			require.Len(t, policy, 2)
			assert.Equal(t, iam.Statement{Sid: "S3ServerAccessLogs0", Effect: "Allow", Principal: map[string]any{"Service": "logging.s3.amazonaws.com"},
				Action: []string{"s3:PutObject"}, Resource: []string{tests.RefTo("aws_s3_bucket", target, "arn") + "/" + source + "/*"},
				Condition: map[string]map[string]any{
					"ArnLike":      {"aws:SourceArn": "arn:" + wiringComputePartition + ":s3:::" + source},
					"StringEquals": {"aws:SourceAccount": wiringComputeAccount},
				}}, policy[1], "Security Hub S3.9: the other bucket logs here")
			require.Equal(t, 1, d.Count("aws_s3_bucket_logging"), "the access-log bucket does not log itself")
			logging := wiringComputeConfigOf(t, d, "aws_s3_bucket_logging", byName[source])
			assert.Equal(t, tests.RefTo("aws_s3_bucket", target, "id"), logging["target_bucket"], "server access logs go to the stack's access-log bucket")
			assert.Equal(t, source+"/", logging["target_prefix"], "under the prefix the target's policy grants")
			var grant string
			for _, p := range d.Of("aws_s3_bucket_policy") {
				if p.Body["bucket"] == tests.RefTo("aws_s3_bucket", target, "id") {
					grant = p.Address()
				}
			}
			assert.Equal(t, []any{grant}, logging["depends_on"], "logging is switched on after the target's grant")
		})
	}
}
