package integration

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/tests"
)

// endpointFor is the interface endpoint each AWS API a task role or execution role grants is
// reached through. IAM-authenticated database and Redis connections sign a token locally: no
// API call leaves the task for them.
var endpointFor = map[string]string{
	"ecr": "ecr.api", "logs": "logs", "secretsmanager": "secretsmanager", "kms": "kms", "ssmmessages": "ssmmessages",
	"rds-db": "", "elasticache": "",
}

// Scenario 6: in staging and prod a task reaches every AWS API its roles grant without the NAT:
// each API has an interface endpoint its group may reach, and ECR's image layers come from S3
// through the gateway endpoint's prefix list.
func TestTasksReachEveryGrantedAWSAPIWithoutTheNAT(t *testing.T) {
	for _, d := range []*tests.Doc{staging, prod} {
		endpoints := map[string]bool{}
		for _, e := range d.List("aws_vpc_endpoint") {
			endpoints[strings.TrimPrefix(e["service_name"].(string), "com.amazonaws."+d.Env.Region+".")] = true
		}
		n := netOf(d)
		for _, svc := range d.Env.Services {
			group := svc.Name + "-tasks"
			assert.True(t, n.Allows(group, "endpoints", 443), "%s %s -> endpoints", d.Env.Name, svc.Name)
			assert.True(t, n.Allows(group, "s3", 443), "%s %s -> S3 gateway", d.Env.Name, svc.Name)
			for _, kind := range []string{"task", "execution"} {
				for action := range d.ServiceGrants(svc.Name, kind) {
					prefix := strings.SplitN(action, ":", 2)[0]
					endpoint, known := endpointFor[prefix]
					require.True(t, known, "%s: which endpoint serves %s?", d.Env.Name, action)
					if endpoint != "" {
						assert.True(t, endpoints[endpoint], "%s: %s %s needs the %s endpoint", d.Env.Name, svc.Name, action, endpoint)
					}
				}
			}
		}
		assert.True(t, endpoints["ecr.dkr"] && endpoints["s3"], "%s: image pulls (ecr.dkr, S3 layers)", d.Env.Name)
	}
}

// Only services that declare third-party domains reach the internet, and only those names
// resolve: the DNS Firewall answers for AWS's names and exactly the declared ones, blocks every
// other name, fails closed and logs every query; production also filters TLS SNI and HTTP host.
func TestEgressByNameOnly(t *testing.T) {
	for _, d := range all() {
		n := netOf(d)
		assert.Equal(t, !d.Env.InterfaceEndpoints, n.Allows("api-tasks", "internet", 443), "%s: api declares no domain", d.Env.Name)
		assert.True(t, n.Allows("payment-tasks", "internet", 443), d.Env.Name)

		// Fully qualified, as the DNS Firewall returns them (no diff on every plan).
		allowed := tests.Strings(d.Named("aws_route53_resolver_firewall_domain_list", "dns", "allowed").Body["domains"])
		assert.Equal(t, []string{"amazonaws.com.", "*.amazonaws.com.", "*.ec2.internal.", "*.compute.internal.", "api.sendgrid.com.", "api.stripe.com."}, allowed,
			"%s: AWS's names and the declared domains, nothing else", d.Env.Name)
		assert.Equal(t, []string{"*."}, tests.Strings(d.Named("aws_route53_resolver_firewall_domain_list", "dns", "everything").Body["domains"]))
		rules := map[string]tests.Body{}
		for _, r := range d.List("aws_route53_resolver_firewall_rule") {
			rules[r["name"].(string)] = r
		}
		assert.Equal(t, "ALLOW", rules["allow-declared"]["action"])
		assert.Equal(t, "TRUST_REDIRECTION_DOMAIN", rules["allow-declared"]["firewall_domain_redirection_action"], "a declared domain's CNAME chain is its owner's")
		assert.NotContains(t, rules["block-everything-else"], "firewall_domain_redirection_action")
		assert.Equal(t, "BLOCK", rules["block-everything-else"]["action"])
		assert.Equal(t, "NXDOMAIN", rules["block-everything-else"]["block_response"])
		assert.Less(t, rules["allow-declared"]["priority"].(float64), rules["block-everything-else"]["priority"].(float64), "allow first")
		vpc := tests.Ref(d.Named("aws_vpc", "vpc"), "id")
		association := d.One("aws_route53_resolver_firewall_rule_group_association")
		assert.Equal(t, vpc, association["vpc_id"])
		assert.Equal(t, map[string]string{"dev": "DISABLED", "staging": "ENABLED", "prod": "ENABLED"}[d.Env.Name], association["mutation_protection"],
			"%s: dev is destroyed at will", d.Env.Name)
		assert.Equal(t, "DISABLED", d.One("aws_route53_resolver_firewall_config")["firewall_fail_open"], "fail closed")
		assert.Equal(t, vpc, d.One("aws_route53_resolver_query_log_config_association")["resource_id"])
		queries, ok := d.Ref(d.One("aws_route53_resolver_query_log_config")["destination_arn"])
		require.True(t, ok)
		assert.Equal(t, d.KeyRef("logs"), queries.Body["kms_key_id"], "query logs encrypted")

		if !d.Env.NetworkFirewall {
			assert.Zero(t, d.Count("aws_networkfirewall_firewall"), d.Env.Name)
			continue
		}
		fw := d.One("aws_networkfirewall_firewall")
		for _, p := range []string{"delete_protection", "subnet_change_protection", "firewall_policy_change_protection"} {
			assert.Equal(t, true, fw[p], p)
		}
		list := tests.Block(tests.Block(tests.Block(d.One("aws_networkfirewall_rule_group")["rule_group"])["rules_source"])["rules_source_list"])
		assert.Equal(t, []string{"api.sendgrid.com", "api.stripe.com"}, tests.Strings(list["targets"]), "only the declared domains leave through the firewall")
		assert.Equal(t, "ALLOWLIST", list["generated_rules_type"])
		policy := tests.Block(d.One("aws_networkfirewall_firewall_policy")["firewall_policy"])
		assert.Equal(t, []string{"aws:drop_established", "aws:alert_established"}, tests.Strings(policy["stateful_default_actions"]), "everything else is dropped")
		var kinds []string
		for _, c := range tests.Block(d.One("aws_networkfirewall_logging_configuration")["logging_configuration"])["log_destination_config"].([]any) {
			kinds = append(kinds, c.(tests.Body)["log_type"].(string))
		}
		assert.Equal(t, []string{"ALERT", "FLOW"}, kinds)
	}
}
