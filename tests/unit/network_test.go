package unit

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/help/netplan"
	"github.com/scalepayments/infra/stacks/synthesized"
	"github.com/scalepayments/infra/tests"
)

// subnetsOf returns the subnets of a tier by logical name.
func subnetsOf(d *tests.Doc, tier netplan.Tier) map[string]tests.Body {
	out := map[string]tests.Body{}
	prefix := d.Namer.Name(255, tier.String()) + "-"
	for n, b := range d.Resources("aws_subnet") {
		if strings.HasPrefix(b["tags"].(tests.Body)["Name"].(string), prefix) {
			out[n] = b
		}
	}
	return out
}

// subnetRefs returns the id references of a tier's subnets.
func subnetRefs(d *tests.Doc, tier netplan.Tier) []string {
	var refs []string
	for n := range subnetsOf(d, tier) {
		refs = append(refs, tests.RefTo("aws_subnet", n, "id"))
	}
	return refs
}

// routeTableOf returns the logical name of the route table associated with a subnet.
func routeTableOf(t *testing.T, d *tests.Doc, subnet string) string {
	var found []string
	for _, a := range d.Resources("aws_route_table_association") {
		if a["subnet_id"] == tests.RefTo("aws_subnet", subnet, "id") {
			rt, ok := d.Ref(a["route_table_id"])
			require.True(t, ok)
			found = append(found, rt.Name)
		}
	}
	require.Len(t, found, 1, "subnet %s must have exactly one route table", subnet)
	return found[0]
}

func routesOf(d *tests.Doc, table string) []tests.Body {
	var out []tests.Body
	for _, r := range d.List("aws_route") {
		if r["route_table_id"] == tests.RefTo("aws_route_table", table, "id") {
			out = append(out, r)
		}
	}
	return out
}

func TestVPC(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		v := d.One("aws_vpc")
		assert.Equal(t, d.Env.VPCCIDR, v["cidr_block"], d.Env.Name)
		assert.Equal(t, true, v["enable_dns_hostnames"])
		assert.Equal(t, true, v["enable_dns_support"])
	}
}

// tiers are the subnet tiers of an environment: the firewall tier only where egress is inspected.
func tiers(d *tests.Doc) []netplan.Tier {
	if d.Env.NetworkFirewall {
		return append(netplan.Tiers, netplan.Firewall)
	}
	return netplan.Tiers
}

func TestSubnetCountsPerTier(t *testing.T) {
	for _, tt := range []struct {
		d     *tests.Doc
		total int
	}{{dev, 6}, {staging, 6}, {prod, 12}} {
		assert.Equal(t, tt.total, tt.d.Count("aws_subnet"), tt.d.Env.Name)
		for _, tier := range tiers(tt.d) {
			subnets := subnetsOf(tt.d, tier)
			assert.Len(t, subnets, len(tt.d.Env.AvailabilityZones), "%s %s", tt.d.Env.Name, tier)
			var azs []string
			for _, s := range subnets {
				azs = append(azs, s["availability_zone"].(string))
			}
			assert.ElementsMatch(t, tt.d.Env.AvailabilityZones, azs, "one %s subnet per AZ", tier)
		}
	}
}

// Each subnet's logical id, CIDR and AZ come from its tier and AZ name, never a list position.
func TestSubnetsAreKeyedByTheirAZ(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		plan, err := netplan.PlanSubnets(d.Env.VPCCIDR, d.Env.Region, d.Env.AvailabilityZones)
		require.NoError(t, err)
		want := map[string]string{}
		for _, tier := range tiers(d) {
			for _, az := range d.Env.AvailabilityZones {
				want[naming.LogicalID("network", tier.String()+"-"+az)] = plan[tier][az].String() + " " + az
			}
		}
		got := map[string]string{}
		for name, s := range d.Resources("aws_subnet") {
			got[name] = s["cidr_block"].(string) + " " + s["availability_zone"].(string)
		}
		assert.Equal(t, want, got, d.Env.Name)
	}
}

// The AZ-keyed ids ship with moved blocks from the positional ids of the previous release, so an
// applied environment plans no replacement: one per subnet, per-AZ route table, route and
// association, and per NAT gateway and its address.
func TestPositionalIDsMoveToAZKeyedIDs(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		azs, nats := len(d.Env.AvailabilityZones), d.Env.NATGateways
		moves := d.Moves()
		assert.Len(t, moves, 3*azs+3*azs+azs+azs+2*nats, "%s: subnets, associations, private route tables and routes, NATs and EIPs (the firewall tier is new)", d.Env.Name)
		for i, az := range d.Env.AvailabilityZones {
			from := "aws_subnet." + naming.LogicalID("network", fmt.Sprintf("private-%d", i))
			assert.Contains(t, moves, synthesized.Move{From: from, To: "aws_subnet." + naming.LogicalID("network", "private-"+az)})
		}
	}
}

func TestNoSubnetMapsPublicIPs(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		for n, s := range d.Resources("aws_subnet") {
			assert.Equal(t, false, s["map_public_ip_on_launch"], "%s %s", d.Env.Name, n)
		}
	}
}

func TestNATGatewaysSitInPublicSubnetsWithEIPs(t *testing.T) {
	for _, tt := range []struct {
		d    *tests.Doc
		nats int
	}{{dev, 1}, {staging, 2}, {prod, 3}} {
		d := tt.d
		assert.Equal(t, tt.nats, d.Count("aws_nat_gateway"), d.Env.Name)
		assert.Equal(t, tt.nats, d.Count("aws_eip"), d.Env.Name)
		public := subnetsOf(d, netplan.Public)
		var azs []string
		for _, nat := range d.List("aws_nat_gateway") {
			s, ok := d.Ref(nat["subnet_id"])
			require.True(t, ok)
			assert.Contains(t, public, s.Name, "NAT must sit in a public subnet")
			azs = append(azs, s.Body["availability_zone"].(string))
			eip, ok := d.Ref(nat["allocation_id"])
			require.True(t, ok)
			assert.Equal(t, "aws_eip", eip.Type)
		}
		assert.ElementsMatch(t, d.Env.AvailabilityZones[:tt.nats], azs, "NATs spread over distinct AZs")
	}
}

// firewallEndpoint is the expression of the Network Firewall endpoint in az.
func firewallEndpoint(d *tests.Doc, az string) string {
	return fmt.Sprintf(`${{for s in tolist(aws_networkfirewall_firewall.%s.firewall_status[0].sync_states) : s.availability_zone => s.attachment[0].endpoint_id}["%s"]}`,
		d.OneName("aws_networkfirewall_firewall"), az)
}

// natOf requires a route to a NAT gateway and returns the NAT's AZ.
func natOf(t *testing.T, d *tests.Doc, r tests.Body) string {
	nat, ok := d.Ref(r["nat_gateway_id"])
	require.True(t, ok, "%s routes through a NAT", d.Env.Name)
	natSubnet, _ := d.Ref(nat.Body["subnet_id"])
	return natSubnet.Body["availability_zone"].(string)
}

// Public subnets route to the internet gateway; where egress is inspected each also routes its
// AZ's private CIDR back through that AZ's firewall endpoint (symmetric return path).
func TestPublicSubnetsRouteToTheInternetGateway(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		plan, _ := netplan.PlanSubnets(d.Env.VPCCIDR, d.Env.Region, d.Env.AvailabilityZones)
		for n, s := range subnetsOf(d, netplan.Public) {
			routes := map[string]tests.Body{}
			for _, r := range routesOf(d, routeTableOf(t, d, n)) {
				routes[r["destination_cidr_block"].(string)] = r
			}
			igw, ok := d.Ref(routes["0.0.0.0/0"]["gateway_id"])
			require.True(t, ok)
			assert.Equal(t, "aws_internet_gateway", igw.Type)
			if !d.Env.NetworkFirewall {
				assert.Len(t, routes, 1, d.Env.Name)
				continue
			}
			az := s["availability_zone"].(string)
			require.Len(t, routes, 2, d.Env.Name)
			assert.Equal(t, firewallEndpoint(d, az), routes[plan[netplan.Private][az].String()]["vpc_endpoint_id"], "%s: return path through the firewall", az)
		}
	}
}

// Every private subnet egresses in its own AZ: through the NAT of its AZ where there is one per
// AZ, and in production first through the Network Firewall endpoint of its AZ, whose subnet then
// egresses through the NAT of the same AZ.
func TestEveryPrivateSubnetEgressesInItsOwnAZ(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		for n, s := range subnetsOf(d, netplan.Private) {
			az := s["availability_zone"].(string)
			routes := routesOf(d, routeTableOf(t, d, n))
			require.Len(t, routes, 1, "%s %s", d.Env.Name, n)
			assert.Equal(t, "0.0.0.0/0", routes[0]["destination_cidr_block"])
			assert.NotContains(t, routes[0], "gateway_id", "private subnets never route to the internet gateway")
			if d.Env.NetworkFirewall {
				assert.Equal(t, firewallEndpoint(d, az), routes[0]["vpc_endpoint_id"], "%s %s", d.Env.Name, az)
				assert.NotContains(t, routes[0], "nat_gateway_id")
				continue
			}
			if natAZ := natOf(t, d, routes[0]); d.Env.NATGateways == len(d.Env.AvailabilityZones) {
				assert.Equal(t, az, natAZ, "%s: NAT in the subnet's own AZ", d.Env.Name)
			}
		}
		for n, s := range subnetsOf(d, netplan.Firewall) {
			routes := routesOf(d, routeTableOf(t, d, n))
			require.Len(t, routes, 1)
			assert.Equal(t, s["availability_zone"], natOf(t, d, routes[0]), "%s: the firewall subnet egresses through its own AZ's NAT", d.Env.Name)
		}
	}
}

func TestDatabaseSubnetsHaveNoRouteOut(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		tables := map[string]bool{}
		for n := range subnetsOf(d, netplan.Database) {
			tables[routeTableOf(t, d, n)] = true
		}
		require.Len(t, tables, 1, "%s: one database route table", d.Env.Name)
		for table := range tables {
			assert.Empty(t, routesOf(d, table), "%s: the database route table has only the local route", d.Env.Name)
			assert.NotContains(t, d.Resources("aws_route_table")[table], "route", "no inline routes")
			for _, e := range d.Resources("aws_vpc_endpoint") {
				assert.NotContains(t, tests.Strings(e["route_table_ids"]), tests.RefTo("aws_route_table", table, "id"))
			}
		}
	}
}

func TestFlowLogsCaptureAllTrafficToAKMSLogGroup(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		fl := d.One("aws_flow_log")
		assert.Equal(t, "ALL", fl["traffic_type"])
		assert.Equal(t, "cloud-watch-logs", fl["log_destination_type"])
		assert.Equal(t, tests.Ref(d.Named("aws_vpc", "vpc"), "id"), fl["vpc_id"])
		group, ok := d.Ref(fl["log_destination"])
		require.True(t, ok)
		assert.Equal(t, "/scalepayments/"+d.Env.Name+"/vpc-flow-logs", group.Body["name"])
		assert.EqualValues(t, d.Env.LogRetentionDays, group.Body["retention_in_days"])
		key, ok := d.Ref(group.Body["kms_key_id"])
		require.True(t, ok)
		assert.Equal(t, d.Named("aws_kms_key", "logs").Name, key.Name)
		role, ok := d.Ref(fl["iam_role_arn"])
		require.True(t, ok)
		assert.Contains(t, role.Body["assume_role_policy"], `"Service": "vpc-flow-logs.amazonaws.com"`)
		assert.Contains(t, role.Body["assume_role_policy"], `"aws:SourceAccount"`)
	}
}

func TestDefaultSecurityGroupHasNoRules(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		sg := d.One("aws_default_security_group")
		assert.NotContains(t, sg, "ingress")
		assert.NotContains(t, sg, "egress")
	}
}

func TestVPCEndpoints(t *testing.T) {
	for _, tt := range []struct {
		d                   *tests.Doc
		gateway, interfaces int
	}{{dev, 1, 0}, {staging, 1, 6}, {prod, 1, 6}} {
		count := map[string]int{"Gateway": 0, "Interface": 0}
		for _, e := range tt.d.List("aws_vpc_endpoint") {
			count[e["vpc_endpoint_type"].(string)]++
			if e["vpc_endpoint_type"] == "Interface" {
				assert.Equal(t, true, e["private_dns_enabled"])
				assert.Len(t, e["subnet_ids"], len(tt.d.Env.AvailabilityZones))
			} else {
				assert.Equal(t, "com.amazonaws.us-east-1.s3", e["service_name"])
				assert.Len(t, e["route_table_ids"], len(tt.d.Env.AvailabilityZones), "S3 gateway on every private route table")
				// Only ECR's layer bucket through the gateway: no path out to any other bucket.
				assert.Equal(t, []iam.Statement{{Sid: "EcrImageLayersOnly", Effect: "Allow", Principal: map[string]any{"AWS": "*"},
					Action: []string{"s3:GetObject"}, Resource: []string{"arn:${data.aws_partition.partition.partition}:s3:::prod-us-east-1-starport-layer-bucket/*"}}},
					tests.Statements(e["policy"]), tt.d.Env.Name)
			}
		}
		assert.Equal(t, map[string]int{"Gateway": tt.gateway, "Interface": tt.interfaces}, count, tt.d.Env.Name)
	}
}
