package unit

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/alarms"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/tests"
)

// What the alarms watch, as the plain values the stack would pass: the ALB's ARN suffix, the API
// id, the ECS cluster's name, the Aurora and Redis ids, the target groups and the web ACL.
const (
	alarmsKey = "arn:aws:kms:us-east-1:111122223333:key/alarms"
	alarmsAPI = "a1b2c3d4e5"
)

func alarmsALB(env envconfig.Environment) string {
	return "app/sp-" + env.Code + "-alb/0123456789abcdef"
}

func alarmsTargetGroup(env envconfig.Environment, svc string) string {
	return "targetgroup/sp-" + env.Code + "-" + svc + "/0123456789abcdef"
}

// alarmsOf is the alarms construct of env alone, configured as the stack configures it: every
// Aurora instance and Redis node of env, a target group per service, the web ACL where env has
// one.
func alarmsOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("alarms", env, func(stack cdktf.TerraformStack) {
		var instances, nodes []string
		for i := 1; i <= env.Aurora.Instances; i++ {
			instances = append(instances, fmt.Sprintf("scalepayments-%s-aurora-%d", env.Name, i))
		}
		for i := 1; i <= env.Redis.Nodes; i++ {
			nodes = append(nodes, fmt.Sprintf("scalepayments-%s-redis-%03d", env.Name, i))
		}
		targetGroups := map[string]*string{}
		for _, svc := range env.Services {
			targetGroups[svc.Name] = jsii.String(alarmsTargetGroup(env, svc.Name))
		}
		var webACL *string
		if env.WAF {
			webACL = jsii.String("scalepayments-" + env.Name + "-waf")
		}
		alarms.New(stack, "alarms", &alarms.Props{
			Namer: stacks.EnvNamer(env), Account: tests.TestAccount, KMSKeyARN: jsii.String(alarmsKey), Thresholds: env.Alarms,
			Services: env.Services, Notify: env.Notify,
			ALBARNSuffix: jsii.String(alarmsALB(env)), ClusterName: jsii.String("scalepayments-" + env.Name + "-cluster"), APIID: jsii.String(alarmsAPI),
			AuroraClusterID: "scalepayments-" + env.Name + "-aurora", AuroraInstances: instances,
			RedisNodes: nodes, TargetGroups: targetGroups, WebACLName: webACL,
		})
	})
}

// alarmsByName are the alarms of d by alarm_name.
func alarmsByName(d *tests.Doc) map[string]tests.Body {
	out := map[string]tests.Body{}
	for _, a := range d.List("aws_cloudwatch_metric_alarm") {
		out[a["alarm_name"].(string)] = a
	}
	return out
}

// Regression: alarms and security findings reach people. The topic has exactly the
// environment's subscriptions; EventBridge routes ECS deployment failures, Aurora failovers and
// failed backup jobs to it under AWS's documented topic and key policy.
func TestAlarmsAndFindingsReachASubscribedTopic(t *testing.T) {
	emails := map[string][]string{
		"dev":     {"email:platform-dev-alerts@scalepayments.com"},
		"staging": {"email:platform-alerts@scalepayments.com"},
		"prod":    {"email:platform-alerts@scalepayments.com", "email:security-oncall@scalepayments.com"},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := alarmsOf(env)
		topic := tests.RefTo("aws_sns_topic", d.OneName("aws_sns_topic"), "arn")
		var subs []string
		for _, s := range d.List("aws_sns_topic_subscription") {
			assert.Equal(t, topic, s["topic_arn"])
			subs = append(subs, s["protocol"].(string)+":"+s["endpoint"].(string))
		}
		assert.ElementsMatch(t, emails[env.Name], subs)
		assert.NotEmpty(t, subs, "somebody is told")

		rules := map[string]string{}
		for _, r := range d.Of("aws_cloudwatch_event_rule") {
			rules[r.Body["name"].(string)] = r.Body["event_pattern"].(string)
		}
		prefix := "scalepayments-" + env.Name + "-"
		want := []string{prefix + "aurora-failover", prefix + "backup-failed", prefix + "ecs-deployment-failed"}
		assert.Equal(t, want, help.SortedKeys(rules))
		assert.JSONEq(t, `{"source":["aws.ecs"],"detail-type":["ECS Deployment State Change"],"detail":{"eventName":["SERVICE_DEPLOYMENT_FAILED"]},
			"resources":[{"prefix":"arn:aws:ecs:us-east-1:111122223333:service/scalepayments-`+env.Name+`-cluster/"}]}`, rules[want[2]])
		assert.JSONEq(t, `{"source":["aws.backup"],"detail-type":["Backup Job State Change","Copy Job State Change","Restore Job State Change"],
			"detail":{"$or":[{"state":["FAILED","ABORTED","EXPIRED","PARTIAL"]},{"status":["FAILED","ABORTED"]}]}}`, rules[want[1]])
		rds := []string{"arn:aws:rds:us-east-1:111122223333:cluster:scalepayments-" + env.Name + "-aurora"}
		for i := 1; i <= map[string]int{"dev": 1, "staging": 2, "prod": 3}[env.Name]; i++ {
			rds = append(rds, fmt.Sprintf("arn:aws:rds:us-east-1:111122223333:db:scalepayments-%s-aurora-%d", env.Name, i))
		}
		var failover struct {
			Source, DetailType, Resources []string
			Detail                        map[string][]string
		}
		require.NoError(t, json.Unmarshal([]byte(rules[want[0]]), &failover))
		assert.Equal(t, []string{"aws.rds"}, failover.Source)
		assert.Equal(t, rds, failover.Resources, "the cluster and each of its instances")
		assert.Equal(t, map[string][]string{"EventCategories": {"failover", "failure"}}, failover.Detail)
		var pattern map[string]any
		require.NoError(t, json.Unmarshal([]byte(rules[want[0]]), &pattern))
		assert.Equal(t, []any{"RDS DB Cluster Event", "RDS DB Instance Event"}, pattern["detail-type"])

		policyAddress := "aws_sns_topic_policy." + d.OneName("aws_sns_topic_policy")
		targets := d.List("aws_cloudwatch_event_target")
		assert.Len(t, targets, len(want))
		for _, tg := range targets {
			assert.Equal(t, topic, tg["arn"])
			assert.Equal(t, "alarm-topic", tg["target_id"])
			assert.NotContains(t, tg, "role_arn", "a role on an SNS target breaks delivery to an encrypted topic")
			assert.Equal(t, []any{policyAddress}, tg["depends_on"], "published under the topic policy")
		}

		policy := d.One("aws_sns_topic_policy")
		assert.Equal(t, topic, policy["arn"])
		principals := map[any]tests.Body{}
		statements := tests.Statements(policy["policy"])
		require.Len(t, statements, 2)
		for _, s := range statements {
			principals[s.Principal["Service"]] = tests.Body{"action": s.Action, "resource": s.Resource, "condition": s.Condition}
		}
		assert.Equal(t, tests.Body{"action": []string{"sns:Publish"}, "resource": []string{topic}, "condition": map[string]map[string]any(nil)},
			principals["events.amazonaws.com"], "EventBridge topic policies take no conditions")
		assert.Equal(t, tests.Body{"action": []string{"sns:Publish"}, "resource": []string{topic},
			"condition": map[string]map[string]any{"StringEquals": {"aws:SourceAccount": "111122223333"}}}, principals["cloudwatch.amazonaws.com"])
	})
}

func TestAlarmsNotifyAnEncryptedTopic(t *testing.T) {
	want := map[string]struct {
		alarms     int
		replicaLag bool
	}{
		// 4 ALB/API + aurora cpu + 3 per service + 1 memory per Aurora instance + lag if readers + 3 per Redis node
		"dev":     {5 + 9 + 1 + 0 + 3, false},
		"staging": {5 + 9 + 2 + 1 + 6, true},
		"prod":    {5 + 9 + 3 + 1 + 9, true},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := alarmsOf(env)
		tests.Has(t, d, "aws_sns_topic", map[string]any{"name": "scalepayments-" + env.Name + "-alarms", "kms_master_key_id": alarmsKey})
		topicRef := tests.RefTo("aws_sns_topic", d.OneName("aws_sns_topic"), "arn")
		list := d.List("aws_cloudwatch_metric_alarm")
		assert.Equal(t, want[env.Name].alarms, len(list))
		metrics := map[string]bool{}
		for _, a := range list {
			assert.Equal(t, []any{topicRef}, a["alarm_actions"])
			assert.Equal(t, []any{topicRef}, a["ok_actions"])
			assert.EqualValues(t, 300, a["period"])
			assert.EqualValues(t, 1, a["evaluation_periods"])
			metrics[a["namespace"].(string)+"/"+a["metric_name"].(string)] = true
		}
		for _, m := range []string{"AWS/ApplicationELB/HTTPCode_ELB_5XX_Count", "AWS/ApplicationELB/HTTPCode_Target_5XX_Count", "AWS/ApplicationELB/TargetResponseTime",
			"AWS/ECS/CPUUtilization", "AWS/ECS/MemoryUtilization", "ECS/ContainerInsights/RunningTaskCount", "AWS/RDS/CPUUtilization", "AWS/RDS/FreeableMemory",
			"AWS/ElastiCache/EngineCPUUtilization", "AWS/ElastiCache/DatabaseMemoryUsagePercentage", "AWS/ElastiCache/Evictions", "AWS/ApiGateway/5xx"} {
			assert.True(t, metrics[m], "%s alarm", m)
		}
		assert.Equal(t, want[env.Name].replicaLag, metrics["AWS/RDS/AuroraReplicaLagMaximum"])
	})
}

// Every alarm of every environment, with its exact threshold, statistic and dimensions.
func TestAlarmThresholdsComeFromTheEnvironment(t *testing.T) {
	type limits struct {
		cpu, memory, errors, responseTime, freeableMiB, lagMs, evictions float64
		tasks                                                            map[string]float64 // min running = desired, by service
	}
	want := map[string]limits{
		"dev":     {90, 90, 50, 2, 256, 2000, 100, map[string]float64{"api": 2, "payment": 2, "notification": 1}},
		"staging": {80, 85, 20, 1, 512, 1000, 10, map[string]float64{"api": 3, "payment": 3, "notification": 2}},
		"prod":    {75, 80, 10, 0.5, 1024, 500, 1, map[string]float64{"api": 5, "payment": 5, "notification": 3}},
	}
	type alarm struct {
		threshold float64
		stat      string // Sum, Average, Minimum, Maximum or a percentile
		below     bool   // LessThanThreshold, and no data is breaching
		dims      map[string]any
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, l, p := alarmsOf(env), want[env.Name], "scalepayments-"+env.Name+"-"
		alb := map[string]any{"LoadBalancer": alarmsALB(env)}
		aurora := map[string]any{"DBClusterIdentifier": "scalepayments-" + env.Name + "-aurora"}
		expected := map[string]alarm{
			p + "alb-5xx":               {l.errors, "Sum", false, alb},
			p + "alb-target-5xx":        {l.errors, "Sum", false, alb},
			p + "alb-response-time-p95": {l.responseTime, "p95", false, alb},
			p + "api-5xx":               {l.errors, "Sum", false, map[string]any{"ApiId": alarmsAPI, "Stage": "$default"}},
			p + "aurora-cpu":            {l.cpu, "Average", false, aurora},
		}
		for svc, tasks := range l.tasks {
			ecs := map[string]any{"ClusterName": "scalepayments-" + env.Name + "-cluster", "ServiceName": svc}
			expected[p+"ecs-"+svc+"-cpu"] = alarm{l.cpu, "Average", false, ecs}
			expected[p+"ecs-"+svc+"-memory"] = alarm{l.memory, "Average", false, ecs}
			expected[p+"ecs-"+svc+"-running-tasks"] = alarm{tasks, "Minimum", true, ecs} // no data means no tasks
		}
		instances := map[string]int{"dev": 1, "staging": 2, "prod": 3}[env.Name]
		for i := 1; i <= instances; i++ {
			expected[fmt.Sprintf("%saurora-freeable-memory-%d", p, i)] = alarm{l.freeableMiB * 1024 * 1024, "Minimum", true,
				map[string]any{"DBInstanceIdentifier": fmt.Sprintf("scalepayments-%s-aurora-%d", env.Name, i)}}
		}
		if instances > 1 {
			expected[p+"aurora-replica-lag"] = alarm{l.lagMs, "Maximum", false, aurora}
		}
		for i := 1; i <= map[string]int{"dev": 1, "staging": 2, "prod": 3}[env.Name]; i++ { // Redis nodes
			node := map[string]any{"CacheClusterId": fmt.Sprintf("scalepayments-%s-redis-%03d", env.Name, i)}
			expected[fmt.Sprintf("%sredis-cpu-%d", p, i)] = alarm{l.cpu, "Average", false, node}
			expected[fmt.Sprintf("%sredis-memory-%d", p, i)] = alarm{l.memory, "Average", false, node}
			expected[fmt.Sprintf("%sredis-evictions-%d", p, i)] = alarm{l.evictions, "Sum", false, node}
		}

		have := alarmsByName(d)
		assert.ElementsMatch(t, help.SortedKeys(expected), help.SortedKeys(have))
		for name, w := range expected {
			a, ok := have[name]
			if !assert.True(t, ok, "no alarm %s", name) {
				continue
			}
			assert.Equal(t, w.threshold, a["threshold"], name)
			assert.Equal(t, w.dims, a["dimensions"], name)
			assert.Equal(t, map[bool]string{false: "GreaterThanOrEqualToThreshold", true: "LessThanThreshold"}[w.below], a["comparison_operator"], name)
			assert.Equal(t, map[bool]string{false: "notBreaching", true: "breaching"}[w.below], a["treat_missing_data"], name)
			if w.stat[0] == 'p' {
				assert.Equal(t, w.stat, a["extended_statistic"], name)
				assert.NotContains(t, a, "statistic", name)
			} else {
				assert.Equal(t, w.stat, a["statistic"], name)
				assert.NotContains(t, a, "extended_statistic", name)
			}
		}
	})
}

// The dashboard has a row per service and graphs every metric an alarm watches, plus every
// alarm's state.
func TestDashboardCoversEveryServiceAndAlarm(t *testing.T) {
	waf := map[string]bool{"dev": false, "staging": true, "prod": true}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := alarmsOf(env)
		dash := d.One("aws_cloudwatch_dashboard")
		assert.Equal(t, "scalepayments-"+env.Name+"-operations", dash["dashboard_name"])
		var body struct {
			Widgets []struct {
				Type       string
				Properties struct {
					Title   string
					Metrics [][]any
					Alarms  []string
				}
			}
		}
		require.NoError(t, json.Unmarshal([]byte(dash["dashboard_body"].(string)), &body))
		graphed, titles := map[string]bool{}, map[string]bool{}
		var alarmWidget []string
		for _, w := range body.Widgets {
			titles[w.Properties.Title] = true
			if w.Type == "alarm" {
				alarmWidget = w.Properties.Alarms
			}
			for _, m := range w.Properties.Metrics {
				key := m[0].(string) + " " + m[1].(string)
				for i := 2; i+1 < len(m); i += 2 {
					key += " " + m[i].(string) + "=" + m[i+1].(string)
				}
				graphed[key] = true
			}
		}
		for _, svc := range []string{"api", "payment", "notification"} {
			for _, suffix := range []string{": requests and 5xx", ": p95 latency (s)", ": CPU and memory (%)", ": running vs desired tasks"} {
				assert.True(t, titles[svc+suffix], "%s%s", svc, suffix)
			}
			tg := "TargetGroup=" + alarmsTargetGroup(env, svc) + " LoadBalancer=" + alarmsALB(env)
			assert.True(t, graphed["AWS/ApplicationELB RequestCount "+tg], "%s: requests of its own target group", svc)
		}
		alarmsByAddress := d.Resources("aws_cloudwatch_metric_alarm")
		require.Len(t, alarmWidget, len(alarmsByAddress))
		for name, a := range alarmsByAddress {
			assert.Contains(t, alarmWidget, tests.RefTo("aws_cloudwatch_metric_alarm", name, "arn"))
			key := a["namespace"].(string) + " " + a["metric_name"].(string)
			dims := a["dimensions"].(tests.Body)
			for _, k := range []string{"TargetGroup", "LoadBalancer", "ApiId", "Stage", "ClusterName", "ServiceName", "DBClusterIdentifier", "DBInstanceIdentifier", "CacheClusterId"} {
				if v, ok := dims[k]; ok {
					key += " " + k + "=" + v.(string)
				}
			}
			assert.True(t, graphed[key], "alarm %s has no graph of %s", a["alarm_name"], key)
		}
		assert.Equal(t, waf[env.Name], titles["WAF: blocked requests"])
		if waf[env.Name] {
			assert.True(t, graphed["AWS/WAFV2 BlockedRequests WebACL=scalepayments-"+env.Name+"-waf Region=us-east-1 Rule=ALL"])
		}
		for _, title := range []string{"ALB: all targets", "API Gateway: 4xx, 5xx and p95 latency (ms)", "Aurora: CPU, connections, replica lag", "Redis: engine CPU, memory, evictions"} {
			assert.True(t, titles[title], title)
		}
	})
}
