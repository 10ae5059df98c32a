package integration

// How the stacks wire the data stores, their backups, the WAF, the alarms and the log groups to
// the rest of each environment, and what lives in the account stacks: assertions that need the
// whole stack. What each construct does alone is in tests/unit (cache, backup, waf, alarms, logs).

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/stacks/synthesized"
	"github.com/scalepayments/infra/tests"
)

// wiringDataEnvs runs f as one subtest per whole environment, named after it.
func wiringDataEnvs(t *testing.T, f func(t *testing.T, d *tests.Doc)) {
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) { f(t, d) })
	}
}

// wiringDataTagged is the reference to attr of the resource of typ tagged Name=name.
func wiringDataTagged(d *tests.Doc, typ, name, attr string) string {
	return tests.RefTo(typ, d.NameOf(typ, name), attr)
}

// wiringDataKey is the ARN reference of the stack's KMS key for domain (scalepayments-<env>-<domain>).
func wiringDataKey(d *tests.Doc, domain string) string {
	return wiringDataTagged(d, "aws_kms_key", "scalepayments-"+d.Env.Name+"-"+domain, "arn")
}

// wiringDataNamed is the resource of typ whose name attribute is name.
func wiringDataNamed(t *testing.T, d *tests.Doc, typ, name string) synthesized.Resource {
	t.Helper()
	var found []synthesized.Resource
	for _, r := range d.Of(typ) {
		if r.Body["name"] == name {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "%s: %s named %s", d.Env.Name, typ, name)
	return found[0]
}

// wiringDataAZs are the availability zones of each environment.
var wiringDataAZs = map[string][]string{
	"dev":     {"us-east-1a", "us-east-1b"},
	"staging": {"us-east-1a", "us-east-1b"},
	"prod":    {"us-east-1a", "us-east-1b", "us-east-1c"},
}

// The replication group sits in the database subnets, behind the redis security group, encrypted
// with the stack's cache key, with a user for each service that uses Redis.
func TestRedisUsesTheDatabaseTierAndItsOwnKey(t *testing.T) {
	wiringDataEnvs(t, func(t *testing.T, d *tests.Doc) {
		env := d.Env.Name
		rg := d.One("aws_elasticache_replication_group")
		assert.Equal(t, []any{wiringDataTagged(d, "aws_security_group", "scalepayments-"+env+"-redis", "id")}, rg["security_group_ids"], "the redis group and nothing else")
		assert.Equal(t, wiringDataKey(d, "cache"), rg["kms_key_id"])
		sub, ok := d.Ref(rg["subnet_group_name"])
		require.True(t, ok)
		var database []string
		for _, az := range wiringDataAZs[env] {
			database = append(database, wiringDataTagged(d, "aws_subnet", "scalepayments-"+env+"-database-"+az, "id"))
		}
		assert.Equal(t, database, tests.Strings(sub.Body["subnet_ids"]), "database subnets only, one per AZ")

		var users []string
		for _, u := range d.List("aws_elasticache_user") {
			users = append(users, u["user_name"].(string))
		}
		assert.ElementsMatch(t, []string{"default", "scalepayments-" + env + "-api", "scalepayments-" + env + "-payment", "scalepayments-" + env + "-notification"}, users,
			"a user for each service that uses Redis")
	})
}

func TestEveryLogGroupIsEncryptedAndRetained(t *testing.T) {
	retention := map[string]float64{"dev": 7, "staging": 30, "prod": 365}
	wiringDataEnvs(t, func(t *testing.T, d *tests.Doc) {
		logs := wiringDataKey(d, "logs")
		require.NotZero(t, d.Count("aws_cloudwatch_log_group"))
		for n, lg := range d.Resources("aws_cloudwatch_log_group") {
			assert.Equal(t, logs, lg["kms_key_id"], n)
			assert.Equal(t, retention[d.Env.Name], lg["retention_in_days"], n)
		}
	})
}

// The stack backs up its own Aurora cluster into a vault encrypted with its backup key, and the
// restore test restores into the cluster's subnet group and security group.
func TestAuroraBackupProtectsTheStacksCluster(t *testing.T) {
	restores := map[string]bool{"dev": false, "staging": true, "prod": true}
	wiringDataEnvs(t, func(t *testing.T, d *tests.Doc) {
		env := d.Env.Name
		vault := d.NamedAs("aws_backup_vault", "scalepayments-"+env+"-backups", "")
		assert.Equal(t, wiringDataKey(d, "backup"), vault.Body["kms_key_arn"])
		cluster := d.OneName("aws_rds_cluster")
		sel := d.One("aws_backup_selection")
		assert.Equal(t, []any{tests.RefTo("aws_rds_cluster", cluster, "arn")}, sel["resources"], "the stack's cluster, by ARN")

		role := wiringDataNamed(t, d, "aws_iam_role", "scalepayments-"+env+"-backup")
		var attached []any
		for _, a := range d.List("aws_iam_role_policy_attachment") {
			if a["role"] == tests.Ref(role, "name") {
				attached = append(attached, a["policy_arn"])
			}
		}
		assert.ElementsMatch(t, []any{"arn:${data.aws_partition.partition.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
			"arn:${data.aws_partition.partition.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"}, attached, "in the stack's partition")

		if !restores[env] {
			assert.Zero(t, d.Count("aws_backup_restore_testing_selection"))
			return
		}
		rts := d.One("aws_backup_restore_testing_selection")
		assert.Equal(t, sel["resources"], rts["protected_resource_arns"])
		assert.Equal(t, map[string]any{
			"dbsubnetgroupname":   tests.RefTo("aws_rds_cluster", cluster, "db_subnet_group_name"),
			"vpcsecuritygroupids": "${jsonencode([" + strings.TrimSuffix(strings.TrimPrefix(wiringDataTagged(d, "aws_security_group", "scalepayments-"+env+"-aurora", "id"), "${"), "}") + "])}",
		}, rts["restore_metadata_overrides"], "restored into the database tier, never a default VPC")
	})
}

// The DR region gets its own provider (same account, same tags), which the DR key and vault use.
func TestDisasterRecoveryRegionProvider(t *testing.T) {
	dr := map[string]string{"prod": "us-west-2"}
	account := map[string][]any{"dev": {"111122223333"}, "staging": {"111122223333"}, "prod": {"444455556666"}}
	wiringDataEnvs(t, func(t *testing.T, d *tests.Doc) {
		providers := tests.Blocks(d.Root["provider"].(tests.Body)["aws"])
		main := providers[0]
		assert.NotContains(t, main, "alias")
		assert.Equal(t, account[d.Env.Name], main["allowed_account_ids"])
		region, ok := dr[d.Env.Name]
		if !ok {
			assert.Len(t, providers, 1, "no second provider")
			return
		}
		require.Len(t, providers, 2)
		second := providers[1]
		assert.Equal(t, "dr", second["alias"])
		assert.Equal(t, region, second["region"])
		assert.Equal(t, main["allowed_account_ids"], second["allowed_account_ids"])
		assert.Equal(t, main["default_tags"], second["default_tags"])
		key := d.NamedAs("aws_kms_key", "scalepayments-"+d.Env.Name+"-dr-backup", "aws.dr")
		assert.Equal(t, tests.Ref(key, "arn"), d.NamedAs("aws_backup_vault", "scalepayments-"+d.Env.Name+"-backups", "aws.dr").Body["kms_key_arn"])
	})
}

// Dev has no WAF; staging and prod have one, on the stack's ALB, logging with the stack's key.
func TestWAFOnTheALBInStagingAndProd(t *testing.T) {
	waf := map[string]bool{"dev": false, "staging": true, "prod": true}
	wiringDataEnvs(t, func(t *testing.T, d *tests.Doc) {
		if !waf[d.Env.Name] {
			for _, typ := range []string{"aws_wafv2_web_acl", "aws_wafv2_web_acl_association", "aws_wafv2_web_acl_logging_configuration"} {
				assert.Zero(t, d.Count(typ), "%s has no %s", d.Env.Name, typ)
			}
			return
		}
		d.One("aws_wafv2_web_acl")
		assoc := d.One("aws_wafv2_web_acl_association")
		assert.Equal(t, tests.RefTo("aws_lb", d.OneName("aws_lb"), "arn"), assoc["resource_arn"])
		logging := d.One("aws_wafv2_web_acl_logging_configuration")
		lg, ok := d.Ref(tests.Strings(logging["log_destination_configs"])[0])
		require.True(t, ok)
		assert.Equal(t, "aws-waf-logs-scalepayments-"+d.Env.Name, lg.Body["name"])
		assert.Equal(t, wiringDataKey(d, "logs"), lg.Body["kms_key_id"])
	})
}

// The alarms, event rules and dashboard watch the stack's own ALB, API, ECS cluster, Aurora
// instances and Redis nodes, and notify a topic encrypted with its alarms key that has exactly the
// environment's subscribers; nothing else in the stack routes events.
func TestAlarmsWatchTheStacksResources(t *testing.T) {
	want := map[string]struct {
		alarms int
		emails []string
		waf    bool
	}{
		"dev":     {18, []string{"email:platform-dev-alerts@scalepayments.com"}, false},
		"staging": {23, []string{"email:platform-alerts@scalepayments.com"}, true},
		"prod":    {27, []string{"email:platform-alerts@scalepayments.com", "email:security-oncall@scalepayments.com"}, true},
	}
	wiringDataEnvs(t, func(t *testing.T, d *tests.Doc) {
		env, w := d.Env.Name, want[d.Env.Name]
		topic := d.One("aws_sns_topic")
		assert.Equal(t, wiringDataKey(d, "alarms"), topic["kms_master_key_id"])
		topicRef := tests.RefTo("aws_sns_topic", d.OneName("aws_sns_topic"), "arn")
		var subs []string
		for _, s := range d.List("aws_sns_topic_subscription") {
			assert.Equal(t, topicRef, s["topic_arn"])
			subs = append(subs, s["protocol"].(string)+":"+s["endpoint"].(string))
		}
		assert.ElementsMatch(t, w.emails, subs)

		cluster := d.One("aws_rds_cluster")
		var instances []string
		for _, i := range d.List("aws_rds_cluster_instance") {
			instances = append(instances, i["identifier"].(string))
		}
		rg := d.One("aws_elasticache_replication_group")
		var nodes []string
		for i := 1; i <= int(rg["num_cache_clusters"].(float64)); i++ {
			nodes = append(nodes, fmt.Sprintf("%s-%03d", rg["replication_group_id"], i))
		}
		alb := tests.RefTo("aws_lb", d.OneName("aws_lb"), "arn_suffix")
		ecs := tests.RefTo("aws_ecs_cluster", d.OneName("aws_ecs_cluster"), "name")
		watched := map[string][]string{}
		alarms := d.List("aws_cloudwatch_metric_alarm")
		assert.Equal(t, w.alarms, len(alarms), "as many alarms as the stack has instances and nodes")
		for _, a := range alarms {
			for k, v := range a["dimensions"].(tests.Body) {
				watched[k] = append(watched[k], v.(string))
			}
		}
		for k, v := range watched {
			watched[k] = slices.Compact(slices.Sorted(slices.Values(v)))
		}
		assert.Equal(t, []string{alb}, watched["LoadBalancer"])
		assert.Equal(t, []string{tests.RefTo("aws_apigatewayv2_api", d.OneName("aws_apigatewayv2_api"), "id")}, watched["ApiId"])
		assert.Equal(t, []string{ecs}, watched["ClusterName"])
		assert.Equal(t, []string{cluster["cluster_identifier"].(string)}, watched["DBClusterIdentifier"])
		assert.ElementsMatch(t, instances, watched["DBInstanceIdentifier"], "every instance of the stack's cluster")
		assert.ElementsMatch(t, nodes, watched["CacheClusterId"], "every node of the stack's replication group")

		rules := map[string]string{}
		for _, r := range d.Of("aws_cloudwatch_event_rule") {
			rules[r.Body["name"].(string)] = r.Body["event_pattern"].(string)
		}
		names := []string{"scalepayments-" + env + "-aurora-failover", "scalepayments-" + env + "-backup-failed", "scalepayments-" + env + "-ecs-deployment-failed"}
		assert.Equal(t, names, help.SortedKeys(rules))
		assert.JSONEq(t, `{"source":["aws.ecs"],"detail-type":["ECS Deployment State Change"],"detail":{"eventName":["SERVICE_DEPLOYMENT_FAILED"]},
			"resources":[{"prefix":"arn:${data.aws_partition.partition.partition}:ecs:us-east-1:${data.aws_caller_identity.caller.account_id}:service/`+ecs+`/"}]}`, rules[names[2]])
		rds := []string{"arn:${data.aws_partition.partition.partition}:rds:us-east-1:${data.aws_caller_identity.caller.account_id}:cluster:" + cluster["cluster_identifier"].(string)}
		for _, i := range instances {
			rds = append(rds, "arn:${data.aws_partition.partition.partition}:rds:us-east-1:${data.aws_caller_identity.caller.account_id}:db:"+i)
		}
		var failover struct{ Resources []string }
		require.NoError(t, json.Unmarshal([]byte(rules[names[0]]), &failover))
		assert.ElementsMatch(t, rds, failover.Resources, "the stack's cluster and each of its instances")
		targets := d.List("aws_cloudwatch_event_target")
		assert.Len(t, targets, len(names))
		for _, tg := range targets {
			assert.Equal(t, topicRef, tg["arn"])
		}

		var body struct {
			Widgets []struct {
				Properties struct {
					Title   string
					Metrics [][]any
				}
			}
		}
		require.NoError(t, json.Unmarshal([]byte(d.One("aws_cloudwatch_dashboard")["dashboard_body"].(string)), &body))
		graphed := map[string]bool{}
		wafWidget := false
		for _, widget := range body.Widgets {
			wafWidget = wafWidget || widget.Properties.Title == "WAF: blocked requests"
			for _, m := range widget.Properties.Metrics {
				for i := 2; i+1 < len(m); i += 2 {
					graphed[fmt.Sprint(m[i], "=", m[i+1])] = true
				}
			}
		}
		for _, svc := range []string{"api", "payment", "notification"} {
			tg := tests.Ref(wiringDataNamed(t, d, "aws_lb_target_group", "sp-"+d.Env.Code+"-"+svc), "arn_suffix")
			assert.True(t, graphed["TargetGroup="+tg], "%s: the dashboard graphs its target group", svc)
		}
		assert.Equal(t, w.waf, wafWidget)
		if w.waf {
			assert.True(t, graphed["WebACL="+tests.RefTo("aws_wafv2_web_acl", d.OneName("aws_wafv2_web_acl"), "name")], "the stack's web ACL")
		}
	})
}

// Every service's log group masks card numbers, and only theirs.
func TestServiceLogsMaskCardNumbers(t *testing.T) {
	wiringDataEnvs(t, func(t *testing.T, d *tests.Doc) {
		masked := map[string]bool{}
		for _, p := range d.List("aws_cloudwatch_log_data_protection_policy") {
			lg, ok := d.Ref(p["log_group_name"])
			require.True(t, ok)
			masked[lg.Body["name"].(string)] = true
			assert.Contains(t, p["policy_document"], `"arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"`)
			assert.Contains(t, p["policy_document"], `"Deidentify":{"MaskConfig":{}}`)
		}
		prefix := "/scalepayments/" + d.Env.Name + "/ecs/"
		assert.Equal(t, map[string]bool{prefix + "api": true, prefix + "payment": true, prefix + "notification": true}, masked)
	})
}

// Environment stacks hold no account-wide control: each account stack does, once.
func TestAccountBaselineLivesInTheAccountStacks(t *testing.T) {
	wiringDataEnvs(t, func(t *testing.T, d *tests.Doc) {
		for _, typ := range []string{"aws_guardduty_detector", "aws_config_configuration_recorder", "aws_cloudtrail", "aws_securityhub_account", "aws_route53_zone"} {
			assert.Zero(t, d.Count(typ), "%s holds no %s", d.Env.Name, typ)
		}
	})
	for _, a := range tests.Accounts() {
		t.Run(a.Stack.Name, func(t *testing.T) {
			d := a.Doc
			audit := wiringDataTagged(d, "aws_kms_key", "scalepayments-"+a.Stack.Account.Name+"-audit", "arn")
			gd := d.One("aws_guardduty_detector")
			assert.Equal(t, true, gd["enable"])
			assert.Equal(t, "FIFTEEN_MINUTES", gd["finding_publishing_frequency"])
			// Security Hub GuardDuty.1, .6 and .7; the ECS Fargate agent stays off (its sidecar would
			// need image pulls the execution roles deny).
			features := map[string]tests.Body{}
			for _, f := range d.List("aws_guardduty_detector_feature") {
				features[f["name"].(string)] = f
				assert.Equal(t, "ENABLED", f["status"])
			}
			assert.ElementsMatch(t, []string{"S3_DATA_EVENTS", "RDS_LOGIN_EVENTS", "LAMBDA_NETWORK_LOGS", "RUNTIME_MONITORING"}, help.SortedKeys(features))
			agents := map[string]any{}
			for _, c := range tests.Blocks(features["RUNTIME_MONITORING"]["additional_configuration"]) {
				agents[c["name"].(string)] = c["status"]
			}
			assert.Equal(t, map[string]any{"EKS_ADDON_MANAGEMENT": "ENABLED", "ECS_FARGATE_AGENT_MANAGEMENT": "DISABLED", "EC2_AGENT_MANAGEMENT": "DISABLED"}, agents)

			rec := d.One("aws_config_configuration_recorder")
			assert.Equal(t, map[string]any{"all_supported": true, "include_global_resource_types": true}, rec["recording_group"])
			assert.Equal(t, true, d.One("aws_config_configuration_recorder_status")["is_enabled"])
			ch := d.One("aws_config_delivery_channel")
			assert.Equal(t, audit, ch["s3_kms_key_arn"])

			trail := d.One("aws_cloudtrail")
			assert.Equal(t, true, trail["is_multi_region_trail"])
			assert.Equal(t, true, trail["include_global_service_events"])
			assert.Equal(t, true, trail["enable_log_file_validation"])
			assert.Equal(t, audit, trail["kms_key_id"])
			assert.Regexp(t, `^\$\{aws_cloudwatch_log_group\.[^}]+\.arn\}:\*$`, trail["cloud_watch_logs_group_arn"])
			role, ok := d.Ref(trail["cloud_watch_logs_role_arn"])
			require.True(t, ok)
			assert.Equal(t, trail["s3_bucket_name"], ch["s3_bucket_name"], "one audit bucket")

			// Regression: CloudTrail's CloudWatch Logs role supports no aws:SourceAccount/SourceArn,
			// and CreateTrail checks the role's policy, so the trail waits for it.
			var trust iam.PolicyDocument
			require.NoError(t, json.Unmarshal([]byte(role.Body["assume_role_policy"].(string)), &trust))
			require.Len(t, trust.Statement, 1)
			assert.Equal(t, map[string]any{"Service": "cloudtrail.amazonaws.com"}, trust.Statement[0].Principal)
			assert.Empty(t, trust.Statement[0].Condition, "no confused-deputy condition on the trail's log role")
			assert.Contains(t, tests.Strings(trail["depends_on"]), "aws_iam_role_policy."+wiringDataPolicyOf(t, d, role.Name))

			// Regression: Config checks delivery with its role when the channel is created and
			// records only once AWS_ConfigRole is attached: Terraform sees neither from the role ARN.
			config, ok := d.Ref(rec["role_arn"])
			require.True(t, ok)
			assert.Contains(t, tests.Strings(ch["depends_on"]), "aws_iam_role_policy."+wiringDataPolicyOf(t, d, config.Name))
			attachment := ""
			for _, a := range d.Of("aws_iam_role_policy_attachment") {
				if a.Body["role"] == tests.RefTo("aws_iam_role", config.Name, "name") {
					attachment = a.Address()
				}
			}
			require.NotEmpty(t, attachment)
			assert.Contains(t, tests.Strings(d.One("aws_config_configuration_recorder_status")["depends_on"]), attachment)
		})
	}
}

// wiringDataPolicyOf is the logical name of the only inline policy of a role.
func wiringDataPolicyOf(t *testing.T, d *tests.Doc, role string) string {
	t.Helper()
	var names []string
	for _, p := range d.Of("aws_iam_role_policy") {
		if p.Body["role"] == tests.RefTo("aws_iam_role", role, "id") {
			names = append(names, p.Name)
		}
	}
	require.Len(t, names, 1, role)
	return names[0]
}
