package synthesized

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The graph is Terraform's: references anywhere in a resource (inside strings, nested
// expressions, blocks), data sources, and depends_on; never its own address or lifecycle.
func TestGraphFollowsReferencesAndDependsOn(t *testing.T) {
	c, err := Parse([]byte(`{"resource":{
		"aws_route":{"r":{"vpc_endpoint_id":"${{for s in tolist(aws_networkfirewall_firewall.f.firewall_status[0].sync_states) : s.az => s.id}[\"a\"]}",
			"route_table_id":"${aws_route_table.t.id}","lifecycle":{"ignore_changes":["aws_x.not_a_reference"]},"//":{"metadata":{"path":"${aws_y.meta}"}}}},
		"aws_route_table":{"t":{"vpc_id":"${aws_vpc.v.id}","tags":{"Name":"rt-${data.aws_region.current.name}"}}},
		"aws_vpc":{"v":{"cidr_block":"10.0.0.0/16","arn_text":"arn:aws:ec2:::aws_vpc.not_interpolated"}},
		"aws_networkfirewall_firewall":{"f":{"vpc_id":"${aws_vpc.v.id}","depends_on":["aws_nat_gateway.n"]}},
		"aws_nat_gateway":{"n":{"self":"${aws_nat_gateway.n.id}"}}}}`))
	require.NoError(t, err)
	g := c.Graph()
	assert.Equal(t, []string{"aws_networkfirewall_firewall.f", "aws_route_table.t"}, g["aws_route.r"])
	assert.Equal(t, []string{"aws_vpc.v", "data.aws_region.current"}, g["aws_route_table.t"])
	assert.Empty(t, g["aws_vpc.v"], "text outside ${} is no reference")
	assert.Equal(t, []string{"aws_nat_gateway.n", "aws_vpc.v"}, g["aws_networkfirewall_firewall.f"])
	assert.Empty(t, g["aws_nat_gateway.n"], "never itself")

	assert.Equal(t, map[string]bool{"aws_route_table.t": true, "aws_vpc.v": true, "data.aws_region.current": true}, Closure(g, "aws_route_table.t"))
	assert.True(t, After(g, "aws_route.r", "aws_nat_gateway.n"), "through depends_on")
	assert.True(t, After(g, "aws_route.r", "aws_vpc.v"))
	assert.False(t, After(g, "aws_vpc.v", "aws_route.r"))
	assert.False(t, After(g, "aws_route.r", "aws_route.r"))
}
