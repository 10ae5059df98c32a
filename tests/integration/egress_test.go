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
		t.Run(d.Env.Name, func(t *testing.T) {
			var services []string
			endpoints := map[string]bool{}
			for _, e := range d.List("aws_vpc_endpoint") {
				service, ok := strings.CutPrefix(e["service_name"].(string), "com.amazonaws.us-east-1.")
				require.True(t, ok, "%s: an endpoint of the stack's region", e["service_name"])
				endpoints[service] = true
				services = append(services, service)
			}
			assert.ElementsMatch(t, []string{"ecr.api", "ecr.dkr", "kms", "logs", "s3", "secretsmanager", "sts"}, services)
			n := netOf(d)
			for _, svc := range []string{"api", "notification", "payment"} {
				group := svc + "-tasks"
				assert.True(t, n.Allows(group, "endpoints", 443), "%s -> endpoints", svc)
				assert.True(t, n.Allows(group, "s3", 443), "%s -> S3 gateway", svc)
				for _, kind := range []string{"task", "execution"} {
					for action := range d.Grants(d.NamedAs("aws_iam_role", "scalepayments-"+d.Env.Name+"-"+svc+"-"+kind, "")) {
						prefix := strings.SplitN(action, ":", 2)[0]
						endpoint, known := endpointFor[prefix]
						require.True(t, known, "which endpoint serves %s?", action)
						if endpoint != "" {
							assert.True(t, endpoints[endpoint], "%s %s needs the %s endpoint", svc, action, endpoint)
						}
					}
				}
			}
			assert.True(t, endpoints["ecr.dkr"] && endpoints["s3"], "image pulls (ecr.dkr, S3 layers)")
		})
	}
}

// Only services that declare third-party domains reach the internet, and only those names
// resolve: the DNS Firewall answers for AWS's names and exactly the declared ones, blocks every
// other name, fails closed and logs every query; production also filters TLS SNI and HTTP host.
func TestEgressByNameOnly(t *testing.T) {
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) {
			env := d.Env.Name
			n := netOf(d)
			assert.Equal(t, map[string]bool{"dev": true, "staging": false, "prod": false}[env], n.Allows("api-tasks", "internet", 443),
				"api declares no domain: only dev (no interface endpoints) lets it out for AWS's APIs")
			assert.True(t, n.Allows("payment-tasks", "internet", 443))

			// Fully qualified, as the DNS Firewall returns them (no diff on every plan).
			allowed := tests.Strings(d.NamedAs("aws_route53_resolver_firewall_domain_list", "scalepayments-"+env+"-dns-allowed", "").Body["domains"])
			assert.Equal(t, []string{"amazonaws.com.", "*.amazonaws.com.", "*.ec2.internal.", "*.compute.internal.", "api.sendgrid.com.", "api.stripe.com."}, allowed,
				"AWS's names and the declared domains, nothing else")
			assert.Equal(t, []string{"*."}, tests.Strings(d.NamedAs("aws_route53_resolver_firewall_domain_list", "scalepayments-"+env+"-dns-everything", "").Body["domains"]))
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
			vpc := tests.Ref(d.NamedAs("aws_vpc", "scalepayments-"+env+"-vpc", ""), "id")
			association := d.One("aws_route53_resolver_firewall_rule_group_association")
			assert.Equal(t, vpc, association["vpc_id"])
			assert.Equal(t, map[string]string{"dev": "DISABLED", "staging": "ENABLED", "prod": "ENABLED"}[env], association["mutation_protection"],
				"dev is destroyed at will")
			assert.Equal(t, "DISABLED", d.One("aws_route53_resolver_firewall_config")["firewall_fail_open"], "fail closed")
			assert.Equal(t, vpc, d.One("aws_route53_resolver_query_log_config_association")["resource_id"])
			logging := d.One("aws_route53_resolver_query_log_config")
			assert.Equal(t, "scalepayments-"+env+"-dns-queries", logging["name"])
			queries, ok := d.Ref(logging["destination_arn"])
			require.True(t, ok)
			assert.Equal(t, tests.Ref(d.NamedAs("aws_kms_key", "scalepayments-"+env+"-logs", ""), "arn"), queries.Body["kms_key_id"], "query logs encrypted")

			if env != "prod" {
				assert.Zero(t, d.Count("aws_networkfirewall_firewall"), "a network firewall in production only")
				return
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
		})
	}
}
