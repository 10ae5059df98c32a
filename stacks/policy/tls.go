package policy

import (
	"slices"

	"github.com/scalepayments/infra/stacks/synthesized"
)

const strongPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// strongPolicies are ALB policies that allow only TLS 1.2 and 1.3.
var strongPolicies = []string{strongPolicy, "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06"}

func auroraForcesTLS(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_rds_cluster") {
		pg, ok := c.Ref(r.Body["db_cluster_parameter_group_name"])
		if !ok || !hasParameter(pg.Body, "rds.force_ssl", "1") {
			out = append(out, find(r, "its cluster parameter group does not set rds.force_ssl = 1"))
		}
	}
	return out
}

func hasParameter(group synthesized.Body, name, value string) bool {
	params, _ := group["parameter"].([]any)
	for _, p := range params {
		if p.(synthesized.Body)["name"] == name && p.(synthesized.Body)["value"] == value {
			return true
		}
	}
	return false
}

func redisRequiresTLS(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_elasticache_replication_group") {
		if !isTrue(r.Body["transit_encryption_enabled"]) || r.Body["transit_encryption_mode"] == "preferred" {
			out = append(out, find(r, "clients may connect without TLS"))
		}
	}
	return out
}

func listenersUseTLS(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_lb_listener") {
		switch {
		case r.Body["protocol"] == "HTTPS":
			if p, _ := r.Body["ssl_policy"].(string); !slices.Contains(strongPolicies, p) {
				out = append(out, find(r, "ssl_policy %q allows TLS below 1.2 or weak ciphers", p))
			}
		case !redirectsToHTTPS(r.Body):
			out = append(out, find(r, "plain %v listener that does not only redirect to HTTPS", r.Body["protocol"]))
		}
	}
	return out
}

func redirectsToHTTPS(l synthesized.Body) bool {
	actions, _ := l["default_action"].([]any)
	if len(actions) != 1 {
		return false
	}
	redirect := synthesized.Block(actions[0].(synthesized.Body)["redirect"])
	return actions[0].(synthesized.Body)["type"] == "redirect" && redirect["protocol"] == "HTTPS"
}

func apiDomainsTLS(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_apigatewayv2_domain_name") {
		cfg := synthesized.Block(r.Body["domain_name_configuration"])
		if cfg["security_policy"] != "TLS_1_2" {
			out = append(out, find(r, "security_policy is %v", cfg["security_policy"]))
		}
	}
	return out
}
