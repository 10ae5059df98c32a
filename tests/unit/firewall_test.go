package unit

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/tests"
)

// edges returns every rule as "from->to:port", from the egress or ingress side.
func edges(t *testing.T, d *tests.Doc, typ, own, peer string) []string {
	var out []string
	for _, r := range d.List(typ) {
		assert.Equal(t, "tcp", r["ip_protocol"])
		assert.Equal(t, r["from_port"], r["to_port"], "single-port rules")
		assert.NotEmpty(t, r["description"], "every rule has a description")
		assert.NotContains(t, r, "cidr_ipv6")
		self := d.GroupName(r["security_group_id"])
		var other string
		switch {
		case r["referenced_security_group_id"] != nil:
			other = d.GroupName(r["referenced_security_group_id"])
		case r["prefix_list_id"] != nil:
			other = "s3"
			assert.Equal(t, tests.Ref(d.Named("aws_vpc_endpoint", "s3"), "prefix_list_id"), r["prefix_list_id"], "S3 only through the gateway endpoint")
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
// third-party domains reach the internet at all.
func TestSecurityGroupChain(t *testing.T) {
	ingress := []string{"vpc-link->alb:443",
		"alb->api-tasks:8080", "alb->payment-tasks:8080", "alb->notification-tasks:8080",
		"api-tasks->aurora:5432", "payment-tasks->aurora:5432",
		"api-tasks->redis:6379", "payment-tasks->redis:6379", "notification-tasks->redis:6379"}
	withEndpoints := append(append([]string{}, ingress...), "api-tasks->endpoints:443", "payment-tasks->endpoints:443", "notification-tasks->endpoints:443")
	for _, tt := range []struct {
		d               *tests.Doc
		ingress, egress []string
	}{
		{dev, ingress, append(append([]string{}, ingress...), "api-tasks->internet:443", "payment-tasks->internet:443", "notification-tasks->internet:443")},
		{staging, withEndpoints, append(append([]string{}, withEndpoints...), "api-tasks->s3:443", "payment-tasks->s3:443", "notification-tasks->s3:443",
			"payment-tasks->internet:443", "notification-tasks->internet:443")},
	} {
		assert.ElementsMatch(t, tt.ingress, edges(t, tt.d, "aws_vpc_security_group_ingress_rule", "to", "from"), tt.d.Env.Name)
		assert.ElementsMatch(t, tt.egress, edges(t, tt.d, "aws_vpc_security_group_egress_rule", "from", "to"), tt.d.Env.Name)
	}
	assert.ElementsMatch(t, edges(t, staging, "aws_vpc_security_group_egress_rule", "from", "to"), edges(t, prod, "aws_vpc_security_group_egress_rule", "from", "to"))
}

func TestNoIngressFromAnyCIDR(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		for _, r := range d.List("aws_vpc_security_group_ingress_rule") {
			assert.NotContains(t, r, "cidr_ipv4")
			assert.NotContains(t, r, "cidr_ipv6")
			assert.NotContains(t, r, "prefix_list_id")
		}
		for _, sg := range d.List("aws_security_group") {
			assert.NotContains(t, sg, "ingress", "rules are separate resources, never inline")
			assert.NotContains(t, sg, "egress")
			assert.NotEmpty(t, sg["description"])
		}
	}
}

func TestDataStoreGroupsHaveNoEgress(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		for _, r := range d.List("aws_vpc_security_group_egress_rule") {
			assert.NotContains(t, []string{"aurora", "redis", "endpoints"}, d.GroupName(r["security_group_id"]))
		}
	}
}

// Regression: dev has no interface endpoints, so it has no endpoints group and no rules to one.
func TestEndpointsGroupExistsOnlyWithEndpoints(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		var groups []string
		for _, sg := range d.List("aws_security_group") {
			groups = append(groups, sg["name"].(string))
		}
		endpoints := d.Namer.Name(naming.MaxSecurityGroupName, "endpoints")
		if d.Env.InterfaceEndpoints {
			assert.Contains(t, groups, endpoints, d.Env.Name)
			assert.Len(t, d.List("aws_vpc_endpoint"), 7, "%s: six interface endpoints and the S3 gateway", d.Env.Name)
		} else {
			assert.NotContains(t, groups, endpoints, d.Env.Name)
			assert.Len(t, groups, 4+len(d.Env.Services), "%s: vpc-link, alb, aurora, redis and one per service", d.Env.Name)
		}
	}
}
