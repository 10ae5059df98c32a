package unit

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/firewall"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/tests"
)

// What the firewall attaches to, as plain values: the VPC, and the prefix list of the S3
// gateway endpoint (the network's).
const (
	firewallVPC        = "vpc-0a1b2c3d4e5f60718"
	firewallS3Prefixes = "pl-63a5400a"
)

// firewallOf is the firewall construct of env alone, configured as the stack configures it.
func firewallOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("firewall", env, func(stack cdktf.TerraformStack) {
		firewall.New(stack, "firewall", &firewall.Props{
			Namer: stacks.EnvNamer(env), VPCID: jsii.String(firewallVPC), Services: env.Services,
			Endpoints: env.InterfaceEndpoints, S3PrefixListID: jsii.String(firewallS3Prefixes),
		})
	})
}

// firewallGroup is the chain name (alb, api-tasks, ...) of a security group reference: its name
// without "scalepayments-<env>-".
func firewallGroup(t *testing.T, d *tests.Doc, env envconfig.Environment, ref any) string {
	t.Helper()
	r, ok := d.Ref(ref)
	require.True(t, ok, "%v is a reference", ref)
	require.Equal(t, "aws_security_group", r.Type)
	name := r.Body["name"].(string)
	require.True(t, strings.HasPrefix(name, "scalepayments-"+env.Name+"-"), name)
	return strings.TrimPrefix(name, "scalepayments-"+env.Name+"-")
}

// firewallEdges lists every rule of typ as "from->to:port", own being the rule's own group's end
// ("from" for egress, "to" for ingress) and peer the other end.
func firewallEdges(t *testing.T, d *tests.Doc, env envconfig.Environment, typ, own, peer string) []string {
	t.Helper()
	var out []string
	for _, r := range d.List(typ) {
		assert.Equal(t, "tcp", r["ip_protocol"])
		assert.Equal(t, r["from_port"], r["to_port"], "single-port rules")
		assert.NotEmpty(t, r["description"], "every rule has a description")
		assert.NotContains(t, r, "cidr_ipv6")
		self := firewallGroup(t, d, env, r["security_group_id"])
		var other string
		switch {
		case r["referenced_security_group_id"] != nil:
			other = firewallGroup(t, d, env, r["referenced_security_group_id"])
		case r["prefix_list_id"] != nil:
			other = "s3"
			assert.Equal(t, firewallS3Prefixes, r["prefix_list_id"], "S3 only through the gateway endpoint")
		default:
			other = "internet"
			require.Equal(t, "0.0.0.0/0", r["cidr_ipv4"])
		}
		m := map[string]string{own: self, peer: other}
		out = append(out, fmt.Sprintf("%s->%s:%v", m["from"], m["to"], r["from_port"]))
	}
	return out
}

// Each service has its own group; the ALB reaches each on its container port, only services with
// a database user reach Aurora, and (with interface endpoints) only services that declare
// third-party domains reach the internet at all. Staging and prod have the same chain.
func TestSecurityGroupChain(t *testing.T) {
	ingress := []string{"vpc-link->alb:443",
		"alb->api-tasks:8080", "alb->payment-tasks:8080", "alb->notification-tasks:8080",
		"api-tasks->aurora:5432", "payment-tasks->aurora:5432",
		"api-tasks->redis:6379", "payment-tasks->redis:6379", "notification-tasks->redis:6379"}
	withEndpoints := append(append([]string{}, ingress...), "api-tasks->endpoints:443", "payment-tasks->endpoints:443", "notification-tasks->endpoints:443")
	inspected := append(append([]string{}, withEndpoints...), "api-tasks->s3:443", "payment-tasks->s3:443", "notification-tasks->s3:443",
		"payment-tasks->internet:443", "notification-tasks->internet:443")
	want := map[string]struct{ ingress, egress []string }{
		"dev":     {ingress, append(append([]string{}, ingress...), "api-tasks->internet:443", "payment-tasks->internet:443", "notification-tasks->internet:443")},
		"staging": {withEndpoints, inspected},
		"prod":    {withEndpoints, inspected},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := firewallOf(env)
		tests.Has(t, d, "aws_vpc_security_group_ingress_rule", map[string]any{
			"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "description": "API Gateway VPC link to the internal ALB HTTPS listener",
			"tags": map[string]any{"Name": "vpc-link-to-alb-443"},
		})
		assert.ElementsMatch(t, want[env.Name].ingress, firewallEdges(t, d, env, "aws_vpc_security_group_ingress_rule", "to", "from"))
		assert.ElementsMatch(t, want[env.Name].egress, firewallEdges(t, d, env, "aws_vpc_security_group_egress_rule", "from", "to"))
	})
}

func TestNoIngressFromAnyCIDR(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := firewallOf(env)
		require.NotZero(t, d.Count("aws_vpc_security_group_ingress_rule"))
		for _, r := range d.List("aws_vpc_security_group_ingress_rule") {
			assert.NotContains(t, r, "cidr_ipv4")
			assert.NotContains(t, r, "cidr_ipv6")
			assert.NotContains(t, r, "prefix_list_id")
		}
		for _, sg := range d.List("aws_security_group") {
			assert.NotContains(t, sg, "ingress", "rules are separate resources, never inline")
			assert.NotContains(t, sg, "egress")
			assert.NotEmpty(t, sg["description"])
			assert.Equal(t, firewallVPC, sg["vpc_id"])
		}
	})
}

func TestDataStoreGroupsHaveNoEgress(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := firewallOf(env)
		require.NotZero(t, d.Count("aws_vpc_security_group_egress_rule"))
		for _, r := range d.List("aws_vpc_security_group_egress_rule") {
			assert.NotContains(t, []string{"aurora", "redis", "endpoints"}, firewallGroup(t, d, env, r["security_group_id"]))
		}
	})
}

// Regression: dev has no interface endpoints, so it has no endpoints group and no rules to one
// (TestSecurityGroupChain); the stack's endpoint count is asserted in
// tests/integration/wiring_network_test.go.
func TestEndpointsGroupExistsOnlyWithEndpoints(t *testing.T) {
	chain := []string{"vpc-link", "alb", "aurora", "redis", "api-tasks", "payment-tasks", "notification-tasks"}
	want := map[string][]string{
		"dev":     chain,
		"staging": append(append([]string{}, chain...), "endpoints"),
		"prod":    append(append([]string{}, chain...), "endpoints"),
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := firewallOf(env)
		var groups []string
		for _, sg := range d.List("aws_security_group") {
			groups = append(groups, sg["name"].(string))
			assert.Equal(t, sg["name"], sg["tags"].(tests.Body)["Name"])
		}
		var names []string
		for _, g := range want[env.Name] {
			names = append(names, "scalepayments-"+env.Name+"-"+g)
		}
		assert.ElementsMatch(t, names, groups)
	})
}
