package integration

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/tests"
)

// A fourth environment is a few lines of envconfig: everything else follows.
func TestAddingAFourthEnvironment(t *testing.T) {
	qa := envconfig.Staging.Clone()
	qa.Name, qa.Code, qa.VPCCIDR = "qa", "qa", "10.3.0.0/16"
	qa.APIDomain = "api.qa.scalepayments.com"
	qa.HostedZone = "qa.scalepayments.com"
	qa.Tags["Environment"] = "QA"
	qa.Notify.HTTPS = []string{"https://events.example.com/integration/sns"}

	require.NoError(t, envconfig.ValidateAll(append(envconfig.All(), qa), envconfig.Accounts()))
	t.Run("qa", func(t *testing.T) {
		d := tests.Synth(qa)
		assert.False(t, policy.Check("scalepayments-qa", d.Config, qa, judge.Exceptions(qa)).Failed())
		assert.Empty(t, policy.NameViolations(d.Config))
		assert.Equal(t, "sp-qa-alb", d.One("aws_lb")["name"])
		tests.Has(t, d, "aws_vpc", map[string]any{"cidr_block": "10.3.0.0/16", "tags": map[string]any{"Name": "scalepayments-qa-vpc"}})
		tags := d.DefaultTags()
		assert.Equal(t, "QA", tags["Environment"])
		assert.Equal(t, "scalepayments-qa", tags["Stack"])
		assert.Zero(t, d.Count("aws_cloudtrail"))
		var protocols []string
		for _, s := range d.List("aws_sns_topic_subscription") {
			protocols = append(protocols, s["protocol"].(string)+":"+s["endpoint"].(string))
		}
		assert.ElementsMatch(t, []string{"email:platform-alerts@scalepayments.com", "https:https://events.example.com/integration/sns"}, protocols)
	})
}

// A fourth service is one line in each environment's service list.
func TestAddingAFourthService(t *testing.T) {
	env := envconfig.Prod.Clone()
	env.Services = append(env.Services, envconfig.Service{Name: "ledger", Priority: 40, Database: true, ExternalDomains: []string{"api.ledger.example.com"},
		Capacity: envconfig.Capacity{DesiredCount: 2, MaxCount: 4, CPU: 512, MemoryMiB: 1024}})
	env.Images["ledger"] = env.Images["payment"] // and one line in the environment's release manifest
	require.NoError(t, env.Validate())
	t.Run("prod", func(t *testing.T) {
		d := tests.Synth(env)
		assert.False(t, policy.Check("scalepayments-prod", d.Config, env, judge.Exceptions(env)).Failed())
		assert.Equal(t, 4, d.Count("aws_ecs_service"))
		assert.Equal(t, 4, d.Count("aws_apigatewayv2_route"))
		var priorities []float64
		for _, r := range d.List("aws_lb_listener_rule") {
			priorities = append(priorities, r["priority"].(float64))
		}
		assert.ElementsMatch(t, []float64{10, 20, 30, 40}, priorities)
		// Its own group, its Aurora flow, no Redis flow, and its one domain on both allowlists.
		n := netOf(d)
		ledger := n.GroupOf(d.NamedAs("aws_ecs_service", "scalepayments-prod-ledger", "").Body)
		assert.Equal(t, "ledger-tasks", ledger)
		assert.True(t, n.Allows(ledger, "aurora", 5432))
		assert.False(t, n.Allows(ledger, "redis", 6379))
		assert.True(t, n.Allows(ledger, "internet", 443))
		assert.Contains(t, tests.Strings(d.NamedAs("aws_route53_resolver_firewall_domain_list", "scalepayments-prod-dns-allowed", "").Body["domains"]), "api.ledger.example.com.")
		assert.Contains(t, tests.Strings(tests.Block(tests.Block(tests.Block(d.One("aws_networkfirewall_rule_group")["rule_group"])["rules_source"])["rules_source_list"])["targets"]), "api.ledger.example.com")
	})
}
