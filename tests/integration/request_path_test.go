package integration

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/tests"
)

// hop follows a reference and requires it to resolve to the given type.
func hop(t *testing.T, d *tests.Doc, ref any, typ string) tests.Body {
	r, ok := d.Ref(ref)
	require.True(t, ok, "%v does not resolve", ref)
	require.Equal(t, typ, r.Type, "%v", ref)
	return r.Body
}

// Scenario 1: a payment request from the internet reaches the payment tasks only as
// API Gateway -> VPC link -> ALB (HTTPS, WAF outside dev) -> payment tasks, and they reach
// Aurora and Redis over TLS.
func TestPaymentRequestPath(t *testing.T) {
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) {
			n := netOf(d)
			// The API's only integration goes through the VPC link to the ALB listener.
			in := d.One("aws_apigatewayv2_integration")
			require.Equal(t, "VPC_LINK", in["connection_type"])
			link := hop(t, d, in["connection_id"], "aws_apigatewayv2_vpc_link")
			listener := hop(t, d, in["integration_uri"], "aws_lb_listener")
			alb := hop(t, d, listener["load_balancer_arn"], "aws_lb")
			assert.Equal(t, "HTTPS", listener["protocol"])
			assert.Equal(t, map[string]string{"dev": "api.dev.scalepayments.com", "staging": "api.staging.scalepayments.com", "prod": "api.scalepayments.com"}[d.Env.Name],
				in["tls_config"].(tests.Body)["server_name_to_verify"])
			var paymentRoute bool
			for _, r := range d.List("aws_apigatewayv2_route") {
				paymentRoute = paymentRoute || r["route_key"] == "ANY /payment/{proxy+}"
			}
			assert.True(t, paymentRoute)

			linkSG, albSG := n.GroupOf(link), n.GroupOf(alb)
			assert.True(t, n.Allows(linkSG, albSG, int(listener["port"].(float64))), "VPC link -> ALB listener")

			// The listener rule for /payment/* forwards to the target group of the payment service.
			var tg tests.Body
			for _, rule := range d.ListenerRules() {
				if rule.Paths[0] == "/payment/*" {
					tg = rule.TargetGroup.Body
					var svc tests.Body
					for _, s := range d.List("aws_ecs_service") {
						if tests.Block(s["load_balancer"])["target_group_arn"] == tests.Ref(rule.TargetGroup, "arn") {
							svc = s
						}
					}
					require.NotNil(t, svc, "a service behind /payment/*")
					assert.Equal(t, "payment", svc["name"])
					tasksSG := n.GroupOf(svc)
					assert.True(t, n.Allows(albSG, tasksSG, int(tg["port"].(float64))), "ALB -> payment tasks")
					aurora, redis := d.One("aws_rds_cluster"), d.One("aws_elasticache_replication_group")
					assert.True(t, n.Allows(tasksSG, n.GroupOf(aurora), 5432), "tasks -> Aurora 5432")
					assert.True(t, n.Allows(tasksSG, n.GroupOf(redis), 6379), "tasks -> Redis 6379")
					pg := hop(t, d, aurora["db_cluster_parameter_group_name"], "aws_rds_cluster_parameter_group")
					assert.Contains(t, pg["parameter"], map[string]any{"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"})
					assert.Equal(t, "required", redis["transit_encryption_mode"])
				}
			}
			require.NotNil(t, tg, "a listener rule for /payment/*")

			var waf bool
			for _, a := range d.List("aws_wafv2_web_acl_association") {
				waf = waf || a["resource_arn"] == listener["load_balancer_arn"]
			}
			assert.Equal(t, map[string]bool{"dev": false, "staging": true, "prod": true}[d.Env.Name], waf, "WAF on the ALB outside dev")
		})
	}
}

// Nothing else in the VPC is reachable from the internet: the VPC link is the only entry,
// and what it reaches is exactly the documented chain.
func TestNothingElseIsReachableFromTheInternet(t *testing.T) {
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) {
			n := netOf(d)
			for _, r := range d.List("aws_vpc_security_group_ingress_rule") {
				assert.NotContains(t, r, "cidr_ipv4", "no CIDR ingress at all")
				assert.NotContains(t, r, "cidr_ipv6")
			}
			for _, lb := range d.List("aws_lb") {
				assert.Equal(t, true, lb["internal"])
			}
			for _, s := range d.List("aws_subnet") {
				assert.Equal(t, false, s["map_public_ip_on_launch"])
			}
			var natEIPs []string
			for _, nat := range d.List("aws_nat_gateway") {
				natEIPs = append(natEIPs, nat["allocation_id"].(string))
			}
			for _, e := range d.Of("aws_eip") {
				assert.Contains(t, natEIPs, tests.RefTo("aws_eip", e.Name, "allocation_id"), "public IPs belong to NAT gateways only")
			}
			for _, typ := range []string{"aws_instance", "aws_lb_listener_certificate", "aws_api_gateway_rest_api", "aws_lambda_function_url"} {
				assert.Zero(t, d.Count(typ), typ)
			}
			// Interface endpoints (and tasks' way to S3 through the gateway) outside dev.
			reachable := map[string][]string{
				"dev":     {"alb", "api-tasks", "aurora", "internet", "notification-tasks", "payment-tasks", "redis", "vpc-link"},
				"staging": {"alb", "api-tasks", "aurora", "endpoints", "internet", "notification-tasks", "payment-tasks", "redis", "s3", "vpc-link"},
				"prod":    {"alb", "api-tasks", "aurora", "endpoints", "internet", "notification-tasks", "payment-tasks", "redis", "s3", "vpc-link"},
			}
			assert.Equal(t, reachable[d.Env.Name], n.Reachable("vpc-link"))
			assert.Equal(t, []string{"vpc-link:443"}, n.InboundTo("alb"))
			for _, svc := range []string{"api", "payment", "notification"} {
				assert.Equal(t, []string{"alb:8080"}, n.InboundTo(svc+"-tasks"), "only the ALB reaches %s", svc)
			}
			assert.Equal(t, []string{"api-tasks:5432", "payment-tasks:5432"}, n.InboundTo("aurora"), "only services with a database user")
			assert.Equal(t, []string{"api-tasks:6379", "notification-tasks:6379", "payment-tasks:6379"}, n.InboundTo("redis"))
			assert.Empty(t, n.InboundTo("vpc-link"), "only API Gateway, through the link, sends into the VPC link group")
		})
	}
}
