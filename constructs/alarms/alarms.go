// Package alarms creates the CloudWatch alarms of an environment, the KMS-encrypted SNS topic
// they notify with its subscriptions, and the EventBridge rules that route ECS deployment
// failures and GuardDuty findings to it (PCI-DSS 10.4, 10.7, 11.5, 12.10.5).
package alarms

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchdashboard"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchmetricalarm"

	"github.com/scalepayments/infra/constructs/notify"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// Props holds the thresholds and the ids of everything watched.
type Props struct {
	Namer      naming.Namer
	Account    iam.Account
	KMSKeyARN  *string
	Thresholds envconfig.Alarms
	Services   []envconfig.Service
	Notify     envconfig.Notifications

	ALBARNSuffix    *string
	ClusterName     *string
	AuroraClusterID string
	AuroraInstances []string // instance identifiers
	RedisNodes      []string // member cache cluster ids
	APIID           *string
	// TargetGroups are the services' target group ARN suffixes (dashboard), by service.
	TargetGroups map[string]*string
	WebACLName   *string // nil without WAF
}

// Alarms is the topic (with its event rules) and every alarm by name.
type Alarms struct {
	Topic     *notify.Topic
	Alarms    map[string]cloudwatchmetricalarm.CloudwatchMetricAlarm
	Dashboard cloudwatchdashboard.CloudwatchDashboard
}

// Alarm is one metric alarm, described in plain Go.
type Alarm struct {
	Name, Namespace, Metric, Statistic, Comparison string
	Dimensions                                     map[string]string
	Threshold                                      float64
	Description                                    string
}

// Definitions lists every alarm of an environment; pure Go, so it is easy to test and read.
func Definitions(p *Props) []Alarm {
	t := p.Thresholds
	gt, lt := "GreaterThanOrEqualToThreshold", lessThan
	alb := map[string]string{"LoadBalancer": *p.ALBARNSuffix}
	out := []Alarm{
		{"alb-5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", gt, alb, float64(t.Errors5xx), "ALB returned 5xx responses"},
		{"alb-target-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", gt, alb, float64(t.Errors5xx), "services returned 5xx responses"},
		{"alb-response-time-p95", "AWS/ApplicationELB", "TargetResponseTime", "p95", gt, alb, float64(t.ResponseTimeMs) / 1000, "p95 target response time too high"},
		{"api-5xx", "AWS/ApiGateway", "5xx", "Sum", gt, map[string]string{"ApiId": *p.APIID, "Stage": "$default"}, float64(t.Errors5xx), "API Gateway returned 5xx responses"},
		{"aurora-cpu", "AWS/RDS", "CPUUtilization", "Average", gt, map[string]string{"DBClusterIdentifier": p.AuroraClusterID}, float64(t.CPUPercent), "Aurora CPU high"},
	}
	for _, svc := range p.Services {
		dims := map[string]string{"ClusterName": *p.ClusterName, "ServiceName": svc.Name}
		out = append(out,
			Alarm{"ecs-" + svc.Name + "-cpu", "AWS/ECS", "CPUUtilization", "Average", gt, dims, float64(t.CPUPercent), svc.Name + " CPU high"},
			Alarm{"ecs-" + svc.Name + "-memory", "AWS/ECS", "MemoryUtilization", "Average", gt, dims, float64(t.MemoryPercent), svc.Name + " memory high"},
			Alarm{"ecs-" + svc.Name + "-running-tasks", "ECS/ContainerInsights", "RunningTaskCount", "Minimum", lt, dims, float64(svc.DesiredCount), svc.Name + " runs fewer tasks than its minimum"})
	}
	for i, id := range p.AuroraInstances {
		out = append(out, Alarm{fmt.Sprintf("aurora-freeable-memory-%d", i+1), "AWS/RDS", "FreeableMemory", "Minimum", lt,
			map[string]string{"DBInstanceIdentifier": id}, float64(t.FreeableMemoryMiB) * 1024 * 1024, id + " low on memory"})
	}
	if len(p.AuroraInstances) > 1 {
		out = append(out, Alarm{"aurora-replica-lag", "AWS/RDS", "AuroraReplicaLagMaximum", "Maximum", gt,
			map[string]string{"DBClusterIdentifier": p.AuroraClusterID}, float64(t.ReplicaLagMs), "Aurora readers lag behind the writer"})
	}
	for i, node := range p.RedisNodes {
		dims := map[string]string{"CacheClusterId": node}
		out = append(out,
			Alarm{fmt.Sprintf("redis-cpu-%d", i+1), "AWS/ElastiCache", "EngineCPUUtilization", "Average", gt, dims, float64(t.CPUPercent), node + " engine CPU high"},
			Alarm{fmt.Sprintf("redis-memory-%d", i+1), "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Average", gt, dims, float64(t.MemoryPercent), node + " memory high"},
			Alarm{fmt.Sprintf("redis-evictions-%d", i+1), "AWS/ElastiCache", "Evictions", "Sum", gt, dims, float64(t.Evictions), node + " evicts keys"})
	}
	return out
}

// New creates the topic and the alarms.
func New(scope constructs.Construct, id string, props *Props) *Alarms {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	n := props.Namer
	topic := notify.New(scope, "topic", &notify.Props{
		Namer: n, Account: props.Account, Name: "alarms", KMSKeyARN: props.KMSKeyARN, Notify: props.Notify,
		CloudWatchAlarms: true, Events: EventPatterns(props),
	})
	a := &Alarms{Topic: topic, Alarms: map[string]cloudwatchmetricalarm.CloudwatchMetricAlarm{}}
	actions := &[]*string{topic.Arn()}
	for _, def := range Definitions(props) {
		cfg := &cloudwatchmetricalarm.CloudwatchMetricAlarmConfig{
			AlarmName:          jsii.String(n.Name(naming.MaxName, def.Name)),
			AlarmDescription:   jsii.String(def.Description),
			Namespace:          jsii.String(def.Namespace),
			MetricName:         jsii.String(def.Metric),
			Dimensions:         help.Pointers(def.Dimensions),
			ComparisonOperator: jsii.String(def.Comparison),
			Threshold:          jsii.Number(def.Threshold),
			Period:             jsii.Number(300),
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   jsii.String("notBreaching"),
			AlarmActions:       actions,
			OkActions:          actions,
			Tags:               naming.NameTag(n.Name(naming.MaxName, def.Name)),
		}
		if def.Statistic[0] == 'p' {
			cfg.ExtendedStatistic = jsii.String(def.Statistic)
		} else {
			cfg.Statistic = jsii.String(def.Statistic)
		}
		if def.Comparison == lessThan {
			// A missing task count or memory figure means nothing is running: that is the alarm.
			cfg.TreatMissingData = jsii.String("breaching")
		}
		a.Alarms[def.Name] = cloudwatchmetricalarm.NewCloudwatchMetricAlarm(scope, jsii.String(def.Name), cfg)
	}
	a.dashboard(scope, props)
	return a
}

const lessThan = "LessThanThreshold"

// EventPatterns are the EventBridge rules that notify the topic, by name.
func EventPatterns(p *Props) map[string]any {
	rds := []string{p.Account.ARN("rds", "cluster:"+p.AuroraClusterID)}
	for _, id := range p.AuroraInstances {
		rds = append(rds, p.Account.ARN("rds", "db:"+id))
	}
	return map[string]any{
		// Failed, aborted or expired backup, copy and restore (including restore-test) jobs. The
		// job events carry "state" or "status" depending on the type ("Monitoring AWS Backup events
		// with EventBridge"); delivery is best effort, within about 5 minutes. The account's other
		// environment's jobs arrive too: a duplicate is better than a missed failure.
		"backup-failed": map[string]any{
			"source":      []string{"aws.backup"},
			"detail-type": []string{"Backup Job State Change", "Copy Job State Change", "Restore Job State Change"},
			"detail": map[string]any{"$or": []any{
				map[string]any{"state": []string{"FAILED", "ABORTED", "EXPIRED", "PARTIAL"}},
				map[string]any{"status": []string{"FAILED", "ABORTED"}},
			}},
		},
		// Failovers (RDS-EVENT-0069 to 0073) and failures of this cluster and its instances.
		"aurora-failover": map[string]any{
			"source":      []string{"aws.rds"},
			"detail-type": []string{"RDS DB Cluster Event", "RDS DB Instance Event"},
			"resources":   rds,
			"detail":      map[string]any{"EventCategories": []string{"failover", "failure"}},
		},
		// Circuit-breaker rollbacks and failed deployments of this cluster's services.
		"ecs-deployment-failed": map[string]any{
			"source": []string{"aws.ecs"}, "detail-type": []string{"ECS Deployment State Change"},
			"resources": []any{map[string]string{"prefix": p.Account.ARN("ecs", "service/"+*p.ClusterName+"/")}},
			"detail":    map[string]any{"eventName": []string{"SERVICE_DEPLOYMENT_FAILED"}},
		},
	}
}
