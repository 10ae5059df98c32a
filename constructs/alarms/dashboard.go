package alarms

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchdashboard"

	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/naming"
)

// Widget is one dashboard widget: a metric graph (Metrics) or, for Alarms, the alarms' states.
type Widget struct {
	Title   string
	Metrics []Metric
	Alarms  []string // alarm ARNs: an alarm-status widget
}

// Metric is one line of a graph.
type Metric struct {
	Namespace, Name, Stat string
	Dimensions            [][2]string // ordered name/value pairs
}

func metric(ns, name, stat string, dims ...string) Metric {
	m := Metric{Namespace: ns, Name: name, Stat: stat}
	for i := 0; i+1 < len(dims); i += 2 {
		m.Dimensions = append(m.Dimensions, [2]string{dims[i], dims[i+1]})
	}
	return m
}

// Widgets are the operations dashboard of an environment, built from the same service and data
// store lists as the alarms: a service added to envconfig gets its row by itself.
func Widgets(p *Props) []Widget {
	alb, cluster, api := *p.ALBARNSuffix, *p.ClusterName, *p.APIID
	var out []Widget
	for _, svc := range p.Services {
		tg := []string{"TargetGroup", *p.TargetGroups[svc.Name], "LoadBalancer", alb}
		ecs := []string{"ClusterName", cluster, "ServiceName", svc.Name}
		out = append(out,
			Widget{Title: svc.Name + ": requests and 5xx", Metrics: []Metric{
				metric("AWS/ApplicationELB", "RequestCount", "Sum", tg...),
				metric("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", tg...)}},
			Widget{Title: svc.Name + ": p95 latency (s)", Metrics: []Metric{metric("AWS/ApplicationELB", "TargetResponseTime", "p95", tg...)}},
			Widget{Title: svc.Name + ": CPU and memory (%)", Metrics: []Metric{
				metric("AWS/ECS", "CPUUtilization", "Average", ecs...),
				metric("AWS/ECS", "MemoryUtilization", "Average", ecs...)}},
			Widget{Title: svc.Name + ": running vs desired tasks", Metrics: []Metric{
				metric("ECS/ContainerInsights", "RunningTaskCount", "Minimum", ecs...),
				metric("ECS/ContainerInsights", "DesiredTaskCount", "Maximum", ecs...)}})
	}
	albAll := []string{"LoadBalancer", alb}
	out = append(out, Widget{Title: "ALB: all targets", Metrics: []Metric{
		metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", albAll...),
		metric("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", albAll...),
		metric("AWS/ApplicationELB", "TargetResponseTime", "p95", albAll...)}})
	apiDims := []string{"ApiId", api, "Stage", "$default"}
	out = append(out, Widget{Title: "API Gateway: 4xx, 5xx and p95 latency (ms)", Metrics: []Metric{
		metric("AWS/ApiGateway", "4xx", "Sum", apiDims...), metric("AWS/ApiGateway", "5xx", "Sum", apiDims...),
		metric("AWS/ApiGateway", "Latency", "p95", apiDims...)}})
	db := []string{"DBClusterIdentifier", p.AuroraClusterID}
	aurora := Widget{Title: "Aurora: CPU, connections, replica lag", Metrics: []Metric{
		metric("AWS/RDS", "CPUUtilization", "Average", db...), metric("AWS/RDS", "DatabaseConnections", "Maximum", db...),
		metric("AWS/RDS", "AuroraReplicaLagMaximum", "Maximum", db...)}}
	for _, id := range p.AuroraInstances {
		aurora.Metrics = append(aurora.Metrics, metric("AWS/RDS", "FreeableMemory", "Minimum", "DBInstanceIdentifier", id))
	}
	out = append(out, aurora)
	redis := Widget{Title: "Redis: engine CPU, memory, evictions"}
	for _, node := range p.RedisNodes {
		redis.Metrics = append(redis.Metrics,
			metric("AWS/ElastiCache", "EngineCPUUtilization", "Average", "CacheClusterId", node),
			metric("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Average", "CacheClusterId", node),
			metric("AWS/ElastiCache", "Evictions", "Sum", "CacheClusterId", node))
	}
	out = append(out, redis)
	if p.WebACLName != nil {
		out = append(out, Widget{Title: "WAF: blocked requests", Metrics: []Metric{
			metric("AWS/WAFV2", "BlockedRequests", "Sum", "WebACL", *p.WebACLName, "Region", p.Account.Region, "Rule", "ALL")}})
	}
	return out
}

// dashboard creates the dashboard: the widgets in a 2-column grid, then every alarm's state.
func (a *Alarms) dashboard(scope constructs.Construct, p *Props) {
	var arns []string
	for _, name := range help.SortedKeys(a.Alarms) {
		arns = append(arns, *a.Alarms[name].Arn())
	}
	widgets := append(Widgets(p), Widget{Title: "Alarms", Alarms: arns})
	var body []map[string]any
	for i, w := range widgets {
		props := map[string]any{"title": w.Title, "region": p.Account.Region}
		kind := "metric"
		if w.Alarms != nil {
			kind, props["alarms"] = "alarm", w.Alarms
		} else {
			var lines []any
			for _, m := range w.Metrics {
				line := []any{m.Namespace, m.Name}
				for _, d := range m.Dimensions {
					line = append(line, d[0], d[1])
				}
				lines = append(lines, append(line, map[string]string{"stat": m.Stat}))
			}
			props["metrics"], props["period"], props["view"] = lines, 300, "timeSeries"
		}
		body = append(body, map[string]any{"type": kind, "x": (i % 2) * 12, "y": (i / 2) * 6, "width": 12, "height": 6, "properties": props})
	}
	name := p.Namer.Name(naming.MaxDashboardName, "operations")
	a.Dashboard = cloudwatchdashboard.NewCloudwatchDashboard(scope, jsii.String("dashboard"), &cloudwatchdashboard.CloudwatchDashboardConfig{
		DashboardName: jsii.String(name), DashboardBody: jsii.String(help.Document(map[string]any{"widgets": body})),
	})
}
