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
		other := "internet"
		if ref, ok := r["referenced_security_group_id"]; ok {
			other = d.GroupName(ref)
		} else {
			require.Equal(t, "0.0.0.0/0", r["cidr_ipv4"])
		}
		m := map[string]string{own: self, peer: other}
		out = append(out, fmt.Sprintf("%s->%s:%v", m["from"], m["to"], r["from_port"]))
	}
	return out
}

func TestSecurityGroupChain(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		wantIngress := []string{"vpc-link->alb:443", "alb->tasks:8080", "tasks->aurora:5432", "tasks->redis:6379"}
		if d.Env.InterfaceEndpoints {
			wantIngress = append(wantIngress, "tasks->endpoints:443")
		}
		wantEgress := append(append([]string{}, wantIngress...), "tasks->internet:443")
		assert.ElementsMatch(t, wantIngress, edges(t, d, "aws_vpc_security_group_ingress_rule", "to", "from"), d.Env.Name)
		assert.ElementsMatch(t, wantEgress, edges(t, d, "aws_vpc_security_group_egress_rule", "from", "to"), d.Env.Name)
	}
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
		endpoints := d.Namer().Name(naming.MaxSecurityGroupName, "endpoints")
		if d.Env.InterfaceEndpoints {
			assert.Contains(t, groups, endpoints, d.Env.Name)
			assert.Len(t, d.List("aws_vpc_endpoint"), 7, "%s: six interface endpoints and the S3 gateway", d.Env.Name)
		} else {
			assert.NotContains(t, groups, endpoints, d.Env.Name)
			assert.Len(t, groups, 5, d.Env.Name)
		}
	}
}
