package unit

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/tests"
)

func TestWAFOnTheALBInStagingAndProd(t *testing.T) {
	assert.Zero(t, dev.Count("aws_wafv2_web_acl"), "dev has no WAF")
	for _, d := range []*tests.Doc{staging, prod} {
		acl := d.One("aws_wafv2_web_acl")
		assert.Equal(t, "REGIONAL", acl["scope"])
		assert.Equal(t, map[string]any{"allow": map[string]any{}}, acl["default_action"])
		var rules []struct {
			Name             string
			Priority         int
			Statement        map[string]map[string]any
			VisibilityConfig struct{ CloudWatchMetricsEnabled, SampledRequestsEnabled bool }
		}
		require.NoError(t, json.Unmarshal([]byte(acl["rule_json"].(string)), &rules))
		var names []string
		for _, r := range rules {
			names = append(names, r.Name)
			assert.True(t, r.VisibilityConfig.CloudWatchMetricsEnabled && r.VisibilityConfig.SampledRequestsEnabled, r.Name)
		}
		assert.Equal(t, []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet",
			"AWSManagedRulesAmazonIpReputationList", "RateLimitPerClient"}, names)
		rate := rules[4].Statement["RateBasedStatement"]
		assert.EqualValues(t, d.Env.WAFRateLimit, rate["Limit"])
		assert.Equal(t, "FORWARDED_IP", rate["AggregateKeyType"])
		assert.Equal(t, map[string]any{"HeaderName": "X-Forwarded-For", "FallbackBehavior": "MATCH"}, rate["ForwardedIPConfig"])

		assoc := d.One("aws_wafv2_web_acl_association")
		assert.Equal(t, tests.RefTo("aws_lb", d.OneName("aws_lb"), "arn"), assoc["resource_arn"])
		logging := d.One("aws_wafv2_web_acl_logging_configuration")
		lg, ok := d.Ref(tests.Strings(logging["log_destination_configs"])[0])
		require.True(t, ok)
		assert.Equal(t, "aws-waf-logs-scalepayments-"+d.Env.Name, lg.Body["name"])
		assert.Equal(t, d.KeyRef("logs"), lg.Body["kms_key_id"])
		assert.Equal(t, []any{
			map[string]any{"single_header": map[string]any{"name": "authorization"}},
			map[string]any{"single_header": map[string]any{"name": "cookie"}},
		}, logging["redacted_fields"])
	}
}

// Environment stacks hold no account-wide control: each account stack does, once.
func TestAccountBaselineLivesInTheAccountStacks(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		for _, typ := range []string{"aws_guardduty_detector", "aws_config_configuration_recorder", "aws_cloudtrail", "aws_securityhub_account", "aws_route53_zone"} {
			assert.Zero(t, d.Count(typ), "%s holds no %s", d.Env.Name, typ)
		}
	}
	for _, a := range tests.Accounts() {
		d := a.Doc
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
		assert.Equal(t, d.KeyRef("audit"), ch["s3_kms_key_arn"])

		trail := d.One("aws_cloudtrail")
		assert.Equal(t, true, trail["is_multi_region_trail"])
		assert.Equal(t, true, trail["include_global_service_events"])
		assert.Equal(t, true, trail["enable_log_file_validation"])
		assert.Equal(t, d.KeyRef("audit"), trail["kms_key_id"])
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
		assert.Empty(t, trust.Statement[0].Condition, "%s: no confused-deputy condition on the trail's log role", d.Env.Name)
		assert.Contains(t, tests.Strings(trail["depends_on"]), "aws_iam_role_policy."+policyOf(t, d, role.Name))

		// Regression: Config checks delivery with its role when the channel is created and
		// records only once AWS_ConfigRole is attached: Terraform sees neither from the role ARN.
		config, ok := d.Ref(d.One("aws_config_configuration_recorder")["role_arn"])
		require.True(t, ok)
		assert.Contains(t, tests.Strings(ch["depends_on"]), "aws_iam_role_policy."+policyOf(t, d, config.Name))
		attachment := ""
		for _, a := range d.Of("aws_iam_role_policy_attachment") {
			if a.Body["role"] == tests.RefTo("aws_iam_role", config.Name, "name") {
				attachment = "aws_iam_role_policy_attachment." + a.Name
			}
		}
		require.NotEmpty(t, attachment)
		assert.Contains(t, tests.Strings(d.One("aws_config_configuration_recorder_status")["depends_on"]), attachment)
	}
}

// policyOf is the logical name of the only inline policy of a role.
func policyOf(t *testing.T, d *tests.Doc, role string) string {
	var names []string
	for _, p := range d.Of("aws_iam_role_policy") {
		if p.Body["role"] == tests.RefTo("aws_iam_role", role, "id") {
			names = append(names, p.Name)
		}
	}
	require.Len(t, names, 1, role)
	return names[0]
}

// Regression: alarms and security findings reach people. The topic has exactly the
// environment's subscriptions; EventBridge routes ECS deployment failures (everywhere) and
// GuardDuty findings (where the detector is) to it under AWS's documented topic and key policy.
func TestAlarmsAndFindingsReachASubscribedTopic(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		topic := tests.RefTo("aws_sns_topic", d.OneName("aws_sns_topic"), "arn")
		var subs []string
		for _, s := range d.List("aws_sns_topic_subscription") {
			assert.Equal(t, topic, s["topic_arn"])
			subs = append(subs, s["protocol"].(string)+":"+s["endpoint"].(string))
		}
		var want []string
		for _, e := range d.Env.Notify.Emails {
			want = append(want, "email:"+e)
		}
		assert.ElementsMatch(t, want, subs, d.Env.Name)
		assert.NotEmpty(t, subs, "%s: somebody is told", d.Env.Name)

		rules := map[string]string{}
		for _, r := range d.Of("aws_cloudwatch_event_rule") {
			rules[r.Body["name"].(string)] = r.Body["event_pattern"].(string)
		}
		want = []string{d.Namer.Name(naming.MaxEventRuleName, "aurora-failover"), d.Namer.Name(naming.MaxEventRuleName, "backup-failed"),
			d.Namer.Name(naming.MaxEventRuleName, "ecs-deployment-failed")}
		assert.Equal(t, want, help.SortedKeys(rules), d.Env.Name)
		assert.JSONEq(t, `{"source":["aws.ecs"],"detail-type":["ECS Deployment State Change"],"detail":{"eventName":["SERVICE_DEPLOYMENT_FAILED"]},
			"resources":[{"prefix":"arn:${data.aws_partition.partition.partition}:ecs:us-east-1:${data.aws_caller_identity.caller.account_id}:service/${aws_ecs_cluster.cluster_A4C38409.name}/"}]}`, rules[want[2]])
		assert.JSONEq(t, `{"source":["aws.backup"],"detail-type":["Backup Job State Change","Copy Job State Change","Restore Job State Change"],
			"detail":{"$or":[{"state":["FAILED","ABORTED","EXPIRED","PARTIAL"]},{"status":["FAILED","ABORTED"]}]}}`, rules[want[1]])
		rds := []string{"arn:${data.aws_partition.partition.partition}:rds:us-east-1:${data.aws_caller_identity.caller.account_id}:cluster:" + d.One("aws_rds_cluster")["cluster_identifier"].(string)}
		for _, i := range d.List("aws_rds_cluster_instance") {
			rds = append(rds, "arn:${data.aws_partition.partition.partition}:rds:us-east-1:${data.aws_caller_identity.caller.account_id}:db:"+i["identifier"].(string))
		}
		var failover struct {
			Resources []string
			Detail    map[string][]string
		}
		require.NoError(t, json.Unmarshal([]byte(rules[want[0]]), &failover))
		assert.ElementsMatch(t, rds, failover.Resources, "the cluster and each of its %d instances", d.Env.Aurora.Instances)
		assert.Equal(t, map[string][]string{"EventCategories": {"failover", "failure"}}, failover.Detail)
		targets := d.List("aws_cloudwatch_event_target")
		assert.Len(t, targets, len(want))
		for _, tg := range targets {
			assert.Equal(t, topic, tg["arn"])
			assert.NotContains(t, tg, "role_arn", "a role on an SNS target breaks delivery to an encrypted topic")
		}

		var policy iam.PolicyDocument
		require.NoError(t, json.Unmarshal([]byte(d.One("aws_sns_topic_policy")["policy"].(string)), &policy))
		principals := map[any]iam.Statement{}
		for _, s := range policy.Statement {
			principals[s.Principal["Service"]] = s
		}
		assert.Equal(t, []string{"sns:Publish"}, principals["events.amazonaws.com"].Action)
		assert.Empty(t, principals["events.amazonaws.com"].Condition, "EventBridge topic policies take no conditions")
		assert.Equal(t, []string{"sns:Publish"}, principals["cloudwatch.amazonaws.com"].Action)
	}
}

func TestAlarmsNotifyAnEncryptedTopic(t *testing.T) {
	for _, tt := range []struct {
		d      *tests.Doc
		alarms int
	}{
		// 4 ALB/API + aurora cpu + 3 per service + 1 memory per Aurora instance + lag if readers + 3 per Redis node
		{dev, 5 + 9 + 1 + 0 + 3},
		{staging, 5 + 9 + 2 + 1 + 6},
		{prod, 5 + 9 + 3 + 1 + 9},
	} {
		d := tt.d
		topic := d.One("aws_sns_topic")
		assert.Equal(t, d.KeyRef("alarms"), topic["kms_master_key_id"])
		topicRef := tests.RefTo("aws_sns_topic", d.OneName("aws_sns_topic"), "arn")
		alarms := d.List("aws_cloudwatch_metric_alarm")
		assert.Len(t, alarms, tt.alarms, d.Env.Name)
		metrics := map[string]bool{}
		for _, a := range alarms {
			assert.Equal(t, []any{topicRef}, a["alarm_actions"])
			assert.Equal(t, []any{topicRef}, a["ok_actions"])
			metrics[a["namespace"].(string)+"/"+a["metric_name"].(string)] = true
		}
		for _, m := range []string{"AWS/ApplicationELB/HTTPCode_ELB_5XX_Count", "AWS/ApplicationELB/TargetResponseTime", "AWS/ECS/CPUUtilization",
			"AWS/ECS/MemoryUtilization", "ECS/ContainerInsights/RunningTaskCount", "AWS/RDS/CPUUtilization", "AWS/RDS/FreeableMemory",
			"AWS/ElastiCache/EngineCPUUtilization", "AWS/ElastiCache/DatabaseMemoryUsagePercentage", "AWS/ElastiCache/Evictions", "AWS/ApiGateway/5xx"} {
			assert.True(t, metrics[m], "%s: %s alarm", d.Env.Name, m)
		}
		assert.Equal(t, d.Env.Aurora.Instances > 1, metrics["AWS/RDS/AuroraReplicaLagMaximum"])
	}
}

func TestAlarmThresholdsComeFromTheEnvironment(t *testing.T) {
	byName := map[string]tests.Body{}
	for _, a := range prod.List("aws_cloudwatch_metric_alarm") {
		byName[a["alarm_name"].(string)] = a
	}
	p := prod.Env.Alarms
	assert.EqualValues(t, p.CPUPercent, byName["scalepayments-prod-ecs-payment-cpu"]["threshold"])
	assert.EqualValues(t, 5, byName["scalepayments-prod-ecs-payment-running-tasks"]["threshold"], "min running = desired")
	assert.Equal(t, "breaching", byName["scalepayments-prod-ecs-payment-running-tasks"]["treat_missing_data"], "no data means no tasks")
	assert.EqualValues(t, float64(p.ResponseTimeMs)/1000, byName["scalepayments-prod-alb-response-time-p95"]["threshold"])
	assert.Equal(t, "p95", byName["scalepayments-prod-alb-response-time-p95"]["extended_statistic"])
	assert.EqualValues(t, p.FreeableMemoryMiB*1024*1024, byName["scalepayments-prod-aurora-freeable-memory-1"]["threshold"])
	assert.Equal(t, map[string]any{"CacheClusterId": "scalepayments-prod-redis-003"}, byName["scalepayments-prod-redis-evictions-3"]["dimensions"])
}

func TestServiceLogsMaskCardNumbers(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
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
	}
}
