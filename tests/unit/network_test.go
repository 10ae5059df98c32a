package unit

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/moved"
	"github.com/scalepayments/infra/constructs/network"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/tests"
)

// What the network attaches to, as plain values: the stack's logs key, and the Network Firewall
// endpoint of each AZ (the egress construct's, where egress is inspected).
const networkLogsKey = "arn:aws:kms:us-east-1:111122223333:key/logs"

func networkFirewallEndpoint(az string) string { return "vpce-fw-" + az }

// networkOf is the network construct of env alone, configured as the stack configures it, with
// its egress routed as the stack routes it (stacks.Stack.egress). Its moved blocks are written
// by the stack: the integration tests assert them.
func networkOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("network", env, func(stack cdktf.TerraformStack) {
		n := network.New(stack, "network", &network.Props{
			Namer: stacks.EnvNamer(env), Account: tests.TestAccount,
			CIDR: env.VPCCIDR, AvailabilityZones: env.AvailabilityZones, NATGateways: env.NATGateways,
			InspectEgress: env.NetworkFirewall, LogRetentionDays: env.LogRetentionDays, LogsKeyARN: jsii.String(networkLogsKey),
			Moves: &moved.Blocks{},
		})
		if env.NetworkFirewall {
			n.RouteEgress(func(az string) *string { return jsii.String(networkFirewallEndpoint(az)) })
		} else {
			n.RouteEgress(nil)
		}
	})
}

// networkAZs are each environment's availability zones, in order.
var networkAZs = map[string][]string{
	"dev":     {"us-east-1a", "us-east-1b"},
	"staging": {"us-east-1a", "us-east-1b"},
	"prod":    {"us-east-1a", "us-east-1b", "us-east-1c"},
}

// networkTiers are each environment's subnet tiers: the firewall tier only where egress is inspected.
var networkTiers = map[string][]string{
	"dev":     {"public", "private", "database"},
	"staging": {"public", "private", "database"},
	"prod":    {"public", "private", "database", "firewall"},
}

// networkSubnets are the subnets of a tier by logical name, found by their Name tag
// (scalepayments-<env>-<tier>-<az>).
func networkSubnets(d *tests.Doc, env envconfig.Environment, tier string) map[string]tests.Body {
	out := map[string]tests.Body{}
	prefix := "scalepayments-" + env.Name + "-" + tier + "-"
	for n, b := range d.Resources("aws_subnet") {
		if strings.HasPrefix(b["tags"].(tests.Body)["Name"].(string), prefix) {
			out[n] = b
		}
	}
	return out
}

// networkRouteTableOf is the logical name of the route table associated with a subnet.
func networkRouteTableOf(t *testing.T, d *tests.Doc, subnet string) string {
	t.Helper()
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

// networkRoutesOf are the route resources of a route table.
func networkRoutesOf(d *tests.Doc, table string) []tests.Body {
	var out []tests.Body
	for _, r := range d.List("aws_route") {
		if r["route_table_id"] == tests.RefTo("aws_route_table", table, "id") {
			out = append(out, r)
		}
	}
	return out
}

// networkNATAZ requires a route to a NAT gateway and returns the NAT's AZ.
func networkNATAZ(t *testing.T, d *tests.Doc, r tests.Body) string {
	t.Helper()
	nat, ok := d.Ref(r["nat_gateway_id"])
	require.True(t, ok, "%s routes through a NAT", d.Env.Name)
	natSubnet, ok := d.Ref(nat.Body["subnet_id"])
	require.True(t, ok)
	return natSubnet.Body["availability_zone"].(string)
}

func TestVPC(t *testing.T) {
	cidr := map[string]string{"dev": "10.0.0.0/16", "staging": "10.1.0.0/16", "prod": "10.2.0.0/16"}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := networkOf(env)
		assert.Equal(t, 1, d.Count("aws_vpc"))
		tests.Has(t, d, "aws_vpc", map[string]any{
			"cidr_block": cidr[env.Name], "enable_dns_hostnames": true, "enable_dns_support": true,
			"tags": map[string]any{"Name": "scalepayments-" + env.Name + "-vpc"},
		})
	})
}

func TestSubnetCountsPerTier(t *testing.T) {
	total := map[string]int{"dev": 6, "staging": 6, "prod": 12}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := networkOf(env)
		assert.Equal(t, total[env.Name], d.Count("aws_subnet"))
		for _, tier := range networkTiers[env.Name] {
			var azs []string
			for _, s := range networkSubnets(d, env, tier) {
				azs = append(azs, s["availability_zone"].(string))
			}
			assert.ElementsMatch(t, networkAZs[env.Name], azs, "one %s subnet per AZ", tier)
		}
	})
}

// Each subnet's logical id, CIDR and AZ come from its tier and AZ name, never a list position.
func TestSubnetsAreKeyedByTheirAZ(t *testing.T) {
	want := map[string]map[string]string{
		"dev": {
			"network_public-us-east-1a_25D5F5CE":   "10.0.0.0/21 us-east-1a",
			"network_public-us-east-1b_C904A11F":   "10.0.8.0/21 us-east-1b",
			"network_private-us-east-1a_E1039AEF":  "10.0.64.0/21 us-east-1a",
			"network_private-us-east-1b_0C4F2911":  "10.0.72.0/21 us-east-1b",
			"network_database-us-east-1a_EF6FA933": "10.0.128.0/21 us-east-1a",
			"network_database-us-east-1b_3BC18AD9": "10.0.136.0/21 us-east-1b",
		},
		"staging": {
			"network_public-us-east-1a_25D5F5CE":   "10.1.0.0/21 us-east-1a",
			"network_public-us-east-1b_C904A11F":   "10.1.8.0/21 us-east-1b",
			"network_private-us-east-1a_E1039AEF":  "10.1.64.0/21 us-east-1a",
			"network_private-us-east-1b_0C4F2911":  "10.1.72.0/21 us-east-1b",
			"network_database-us-east-1a_EF6FA933": "10.1.128.0/21 us-east-1a",
			"network_database-us-east-1b_3BC18AD9": "10.1.136.0/21 us-east-1b",
		},
		"prod": {
			"network_public-us-east-1a_25D5F5CE":   "10.2.0.0/21 us-east-1a",
			"network_public-us-east-1b_C904A11F":   "10.2.8.0/21 us-east-1b",
			"network_public-us-east-1c_9FB0D8EE":   "10.2.16.0/21 us-east-1c",
			"network_private-us-east-1a_E1039AEF":  "10.2.64.0/21 us-east-1a",
			"network_private-us-east-1b_0C4F2911":  "10.2.72.0/21 us-east-1b",
			"network_private-us-east-1c_11D7331B":  "10.2.80.0/21 us-east-1c",
			"network_database-us-east-1a_EF6FA933": "10.2.128.0/21 us-east-1a",
			"network_database-us-east-1b_3BC18AD9": "10.2.136.0/21 us-east-1b",
			"network_database-us-east-1c_62FE9288": "10.2.144.0/21 us-east-1c",
			"network_firewall-us-east-1a_71B2C83F": "10.2.192.0/21 us-east-1a",
			"network_firewall-us-east-1b_49F42499": "10.2.200.0/21 us-east-1b",
			"network_firewall-us-east-1c_D175AC12": "10.2.208.0/21 us-east-1c",
		},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := networkOf(env)
		got := map[string]string{}
		for name, s := range d.Resources("aws_subnet") {
			got[name] = s["cidr_block"].(string) + " " + s["availability_zone"].(string)
			az := s["availability_zone"].(string)
			assert.True(t, strings.HasSuffix(s["tags"].(tests.Body)["Name"].(string), "-"+az), "%s: named after its AZ", name)
		}
		assert.Equal(t, want[env.Name], got)
	})
}

func TestNoSubnetMapsPublicIPs(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := networkOf(env)
		require.NotZero(t, d.Count("aws_subnet"))
		for n, s := range d.Resources("aws_subnet") {
			assert.Equal(t, false, s["map_public_ip_on_launch"], n)
		}
	})
}

func TestNATGatewaysSitInPublicSubnetsWithEIPs(t *testing.T) {
	want := map[string][]string{"dev": {"us-east-1a"}, "staging": {"us-east-1a", "us-east-1b"}, "prod": {"us-east-1a", "us-east-1b", "us-east-1c"}}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := networkOf(env)
		assert.Equal(t, len(want[env.Name]), d.Count("aws_nat_gateway"))
		assert.Equal(t, len(want[env.Name]), d.Count("aws_eip"))
		public := networkSubnets(d, env, "public")
		igw := "aws_internet_gateway." + d.OneName("aws_internet_gateway")
		var azs []string
		for _, nat := range d.List("aws_nat_gateway") {
			s, ok := d.Ref(nat["subnet_id"])
			require.True(t, ok)
			assert.Contains(t, public, s.Name, "NAT must sit in a public subnet")
			az := s.Body["availability_zone"].(string)
			azs = append(azs, az)
			assert.Equal(t, "scalepayments-"+env.Name+"-nat-"+az, nat["tags"].(tests.Body)["Name"])
			assert.Equal(t, []any{igw}, nat["depends_on"], "a NAT gateway needs the internet gateway")
			eip, ok := d.Ref(nat["allocation_id"])
			require.True(t, ok)
			assert.Equal(t, "aws_eip", eip.Type)
			assert.Equal(t, "vpc", eip.Body["domain"])
		}
		assert.Equal(t, want[env.Name], azs, "NATs spread over distinct AZs")
	})
}

// Public subnets route to the internet gateway; where egress is inspected each also routes its
// AZ's private CIDR back through that AZ's firewall endpoint (symmetric return path).
func TestPublicSubnetsRouteToTheInternetGateway(t *testing.T) {
	// The return path of each AZ: its private subnet's CIDR, through its firewall endpoint.
	returnPath := map[string]map[string]string{
		"dev": nil, "staging": nil,
		"prod": {"us-east-1a": "10.2.64.0/21", "us-east-1b": "10.2.72.0/21", "us-east-1c": "10.2.80.0/21"},
	}
	tables := map[string]int{"dev": 1, "staging": 1, "prod": 3}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := networkOf(env)
		seen := map[string]bool{}
		for n, s := range networkSubnets(d, env, "public") {
			table := networkRouteTableOf(t, d, n)
			seen[table] = true
			routes := map[string]tests.Body{}
			for _, r := range networkRoutesOf(d, table) {
				routes[r["destination_cidr_block"].(string)] = r
			}
			igw, ok := d.Ref(routes["0.0.0.0/0"]["gateway_id"])
			require.True(t, ok)
			assert.Equal(t, "aws_internet_gateway", igw.Type)
			az := s["availability_zone"].(string)
			back := returnPath[env.Name]
			if back == nil {
				assert.Len(t, routes, 1)
				continue
			}
			require.Len(t, routes, 2)
			assert.Equal(t, networkFirewallEndpoint(az), routes[back[az]]["vpc_endpoint_id"], "%s: return path through the firewall", az)
		}
		assert.Len(t, seen, tables[env.Name], "public route tables")
	})
}

// Every private subnet egresses in its own AZ: through the NAT of its AZ where there is one per
// AZ (dev's one NAT is shared), and in production first through the Network Firewall endpoint of
// its AZ, whose subnet then egresses through the NAT of the same AZ.
func TestEveryPrivateSubnetEgressesInItsOwnAZ(t *testing.T) {
	// The AZ of the NAT each private subnet's AZ egresses through; nil: through the firewall.
	natOf := map[string]map[string]string{
		"dev":     {"us-east-1a": "us-east-1a", "us-east-1b": "us-east-1a"},
		"staging": {"us-east-1a": "us-east-1a", "us-east-1b": "us-east-1b"},
		"prod":    nil,
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := networkOf(env)
		private := networkSubnets(d, env, "private")
		require.Len(t, private, len(networkAZs[env.Name]))
		for n, s := range private {
			az := s["availability_zone"].(string)
			routes := networkRoutesOf(d, networkRouteTableOf(t, d, n))
			require.Len(t, routes, 1, n)
			assert.Equal(t, "0.0.0.0/0", routes[0]["destination_cidr_block"])
			assert.NotContains(t, routes[0], "gateway_id", "private subnets never route to the internet gateway")
			if natOf[env.Name] == nil {
				assert.Equal(t, networkFirewallEndpoint(az), routes[0]["vpc_endpoint_id"], az)
				assert.NotContains(t, routes[0], "nat_gateway_id")
				continue
			}
			assert.Equal(t, natOf[env.Name][az], networkNATAZ(t, d, routes[0]), az)
		}
		firewall := networkSubnets(d, env, "firewall")
		if natOf[env.Name] == nil {
			require.Len(t, firewall, len(networkAZs[env.Name]))
		}
		for n, s := range firewall {
			routes := networkRoutesOf(d, networkRouteTableOf(t, d, n))
			require.Len(t, routes, 1)
			assert.Equal(t, "0.0.0.0/0", routes[0]["destination_cidr_block"])
			assert.Equal(t, s["availability_zone"], networkNATAZ(t, d, routes[0]), "the firewall subnet egresses through its own AZ's NAT")
		}
	})
}

func TestDatabaseSubnetsHaveNoRouteOut(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := networkOf(env)
		tables := map[string]bool{}
		for n := range networkSubnets(d, env, "database") {
			tables[networkRouteTableOf(t, d, n)] = true
		}
		require.Len(t, tables, 1, "one database route table")
		for table := range tables {
			assert.Equal(t, "scalepayments-"+env.Name+"-database", d.Resources("aws_route_table")[table]["tags"].(tests.Body)["Name"])
			assert.Empty(t, networkRoutesOf(d, table), "the database route table has only the local route")
			assert.NotContains(t, d.Resources("aws_route_table")[table], "route", "no inline routes")
			for _, e := range d.Resources("aws_vpc_endpoint") {
				assert.NotContains(t, tests.Strings(e["route_table_ids"]), tests.RefTo("aws_route_table", table, "id"))
			}
		}
	})
}

func TestFlowLogsCaptureAllTrafficToAKMSLogGroup(t *testing.T) {
	retention := map[string]int{"dev": 7, "staging": 30, "prod": 365}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := networkOf(env)
		tests.Has(t, d, "aws_flow_log", map[string]any{
			"traffic_type": "ALL", "log_destination_type": "cloud-watch-logs", "max_aggregation_interval": 60,
			"vpc_id": tests.RefTo("aws_vpc", d.NameOf("aws_vpc", "scalepayments-"+env.Name+"-vpc"), "id"),
		})
		fl := d.One("aws_flow_log")
		group, ok := d.Ref(fl["log_destination"])
		require.True(t, ok)
		assert.Equal(t, "aws_cloudwatch_log_group", group.Type)
		tests.Has(t, d, "aws_cloudwatch_log_group", map[string]any{
			"name": "/scalepayments/" + env.Name + "/vpc-flow-logs", "retention_in_days": retention[env.Name], "kms_key_id": networkLogsKey,
		})
		assert.Equal(t, "/scalepayments/"+env.Name+"/vpc-flow-logs", group.Body["name"])
		role, ok := d.Ref(fl["iam_role_arn"])
		require.True(t, ok)
		assert.Equal(t, "scalepayments-"+env.Name+"-flow-logs", role.Body["name"])
		trust := tests.Statements(role.Body["assume_role_policy"])
		require.Len(t, trust, 1)
		assert.Equal(t, map[string]any{"Service": "vpc-flow-logs.amazonaws.com"}, trust[0].Principal)
		assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:SourceAccount": "111122223333"}}, trust[0].Condition)
		assert.Equal(t, map[string][]string{
			"logs:CreateLogStream":    {tests.Ref(group, "arn") + ":*"},
			"logs:PutLogEvents":       {tests.Ref(group, "arn") + ":*"},
			"logs:DescribeLogStreams": {tests.Ref(group, "arn") + ":*"},
		}, d.Grants(role), "writes to its own group only")
	})
}

func TestDefaultSecurityGroupHasNoRules(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := networkOf(env)
		sg := d.One("aws_default_security_group")
		assert.NotContains(t, sg, "ingress")
		assert.NotContains(t, sg, "egress")
		assert.Equal(t, tests.RefTo("aws_vpc", d.NameOf("aws_vpc", "scalepayments-"+env.Name+"-vpc"), "id"), sg["vpc_id"])
		assert.Equal(t, "scalepayments-"+env.Name+"-default-deny-all", sg["tags"].(tests.Body)["Name"])
	})
}

// The network's only endpoint is the S3 gateway, on every private route table, and it lets
// through only ECR's layer bucket: no path out to any other bucket. The interface endpoints are
// the endpoints construct's (endpoints_test.go).
func TestS3GatewayEndpointOnEveryPrivateRouteTable(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := networkOf(env)
		require.Equal(t, 1, d.Count("aws_vpc_endpoint"))
		tests.Has(t, d, "aws_vpc_endpoint", map[string]any{
			"service_name": "com.amazonaws.us-east-1.s3", "vpc_endpoint_type": "Gateway",
			"vpc_id": tests.RefTo("aws_vpc", d.NameOf("aws_vpc", "scalepayments-"+env.Name+"-vpc"), "id"),
			"tags":   map[string]any{"Name": "scalepayments-" + env.Name + "-s3"},
		})
		e := d.One("aws_vpc_endpoint")
		var tables []string
		for _, az := range networkAZs[env.Name] {
			tables = append(tables, tests.RefTo("aws_route_table", d.NameOf("aws_route_table", "scalepayments-"+env.Name+"-private-"+az), "id"))
		}
		assert.Equal(t, tables, tests.Strings(e["route_table_ids"]), "S3 gateway on every private route table")
		assert.Equal(t, []iam.Statement{{Sid: "EcrImageLayersOnly", Effect: "Allow", Principal: map[string]any{"AWS": "*"},
			Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"}}},
			tests.Statements(e["policy"]))
	})
}
