package integration

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/tests"
)

// How the network, its endpoints, the firewall and the keys are wired into the whole stacks:
// what their unit tests (tests/unit/network_test.go, endpoints_test.go, firewall_test.go,
// keys_test.go), which build each construct alone with plain inputs, cannot say.

// networkWiringEnvs runs f as one subtest per synthesized environment, named after it.
func networkWiringEnvs(t *testing.T, f func(t *testing.T, d *tests.Doc)) {
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) { f(t, d) })
	}
}

// networkWiringAZs are each environment's availability zones, in order.
var networkWiringAZs = map[string][]string{
	"dev":     {"us-east-1a", "us-east-1b"},
	"staging": {"us-east-1a", "us-east-1b"},
	"prod":    {"us-east-1a", "us-east-1b", "us-east-1c"},
}

// networkWiringRef is "${type.name.attr}" of the resource of typ tagged Name=name.
func networkWiringRef(d *tests.Doc, typ, name, attr string) string {
	return tests.RefTo(typ, d.NameOf(typ, name), attr)
}

// networkWiringMoves are the moved blocks from the positional ids of the previous release to the
// AZ-keyed ids, and the environments that have each: one per subnet, per-AZ private route table,
// its route and every association, and per NAT gateway and its address (the firewall tier is new:
// nothing to move).
var networkWiringMoves = []struct{ envs, from, to string }{
	{"dev staging prod", "aws_subnet.network_public-0_A4E682E0", "aws_subnet.network_public-us-east-1a_25D5F5CE"},
	{"dev staging prod", "aws_subnet.network_public-1_8D79547B", "aws_subnet.network_public-us-east-1b_C904A11F"},
	{"prod", "aws_subnet.network_public-2_7452BF82", "aws_subnet.network_public-us-east-1c_9FB0D8EE"},
	{"dev staging prod", "aws_subnet.network_private-0_A0649C48", "aws_subnet.network_private-us-east-1a_E1039AEF"},
	{"dev staging prod", "aws_subnet.network_private-1_4188AF2B", "aws_subnet.network_private-us-east-1b_0C4F2911"},
	{"prod", "aws_subnet.network_private-2_96169D1F", "aws_subnet.network_private-us-east-1c_11D7331B"},
	{"dev staging prod", "aws_subnet.network_database-0_635C9656", "aws_subnet.network_database-us-east-1a_EF6FA933"},
	{"dev staging prod", "aws_subnet.network_database-1_8A9BDAD5", "aws_subnet.network_database-us-east-1b_3BC18AD9"},
	{"prod", "aws_subnet.network_database-2_28D6F2DB", "aws_subnet.network_database-us-east-1c_62FE9288"},
	{"dev staging prod", "aws_route_table_association.network_public-0-rta_6BAFB1DB", "aws_route_table_association.network_public-us-east-1a-rta_13C1ECDC"},
	{"dev staging prod", "aws_route_table_association.network_public-1-rta_5AB9F371", "aws_route_table_association.network_public-us-east-1b-rta_2BD9D1EE"},
	{"prod", "aws_route_table_association.network_public-2-rta_A3CDAA86", "aws_route_table_association.network_public-us-east-1c-rta_157AC840"},
	{"dev staging prod", "aws_eip.network_nat-eip-0_31DC63CB", "aws_eip.network_nat-eip-us-east-1a_C521B2FA"},
	{"dev staging prod", "aws_nat_gateway.network_nat-0_D2F55FEE", "aws_nat_gateway.network_nat-us-east-1a_B3C42541"},
	{"staging prod", "aws_eip.network_nat-eip-1_FEFE530F", "aws_eip.network_nat-eip-us-east-1b_24938A0B"},
	{"staging prod", "aws_nat_gateway.network_nat-1_A72B97BB", "aws_nat_gateway.network_nat-us-east-1b_886D1EAB"},
	{"prod", "aws_eip.network_nat-eip-2_39F91736", "aws_eip.network_nat-eip-us-east-1c_3083E533"},
	{"prod", "aws_nat_gateway.network_nat-2_1CA02788", "aws_nat_gateway.network_nat-us-east-1c_40582E95"},
	{"dev staging prod", "aws_route_table.network_private-0-rt_708F33C0", "aws_route_table.network_private-us-east-1a-rt_EE86C771"},
	{"dev staging prod", "aws_route_table_association.network_private-0-rta_EE8E3C27", "aws_route_table_association.network_private-us-east-1a-rta_A143B189"},
	{"dev staging prod", "aws_route_table.network_private-1-rt_64ABB613", "aws_route_table.network_private-us-east-1b-rt_308B6B17"},
	{"dev staging prod", "aws_route_table_association.network_private-1-rta_EFD631C8", "aws_route_table_association.network_private-us-east-1b-rta_862E1EED"},
	{"prod", "aws_route_table.network_private-2-rt_197B5A03", "aws_route_table.network_private-us-east-1c-rt_A84485E8"},
	{"prod", "aws_route_table_association.network_private-2-rta_7D1B7A1C", "aws_route_table_association.network_private-us-east-1c-rta_CB7424B4"},
	{"dev staging prod", "aws_route_table_association.network_database-0-rta_5A92395F", "aws_route_table_association.network_database-us-east-1a-rta_2AEAEFD8"},
	{"dev staging prod", "aws_route_table_association.network_database-1-rta_3E2D1D93", "aws_route_table_association.network_database-us-east-1b-rta_29D8C2C6"},
	{"prod", "aws_route_table_association.network_database-2-rta_68B2161A", "aws_route_table_association.network_database-us-east-1c-rta_F44324BB"},
	{"dev staging prod", "aws_route.network_private-default-0_41C60DD1", "aws_route.network_private-default-us-east-1a_BF3B8403"},
	{"dev staging prod", "aws_route.network_private-default-1_E19087E3", "aws_route.network_private-default-us-east-1b_7C3E0769"},
	{"prod", "aws_route.network_private-default-2_AE1BB53C", "aws_route.network_private-default-us-east-1c_932D78FC"},
}

// The moved blocks are the stack's (the network adds them, the stack writes them once): an
// applied environment plans no replacement.
func TestNetworkWiringPositionalIDsMoveToAZKeyedIDs(t *testing.T) {
	count := map[string]int{"dev": 18, "staging": 20, "prod": 30}
	networkWiringEnvs(t, func(t *testing.T, d *tests.Doc) {
		var want []string
		for _, m := range networkWiringMoves {
			if strings.Contains(" "+m.envs+" ", " "+d.Env.Name+" ") {
				want = append(want, m.from+" -> "+m.to)
			}
		}
		var got []string
		addresses := map[string]bool{}
		for _, a := range d.Addresses() {
			addresses[a] = true
		}
		for _, m := range d.Moves() {
			got = append(got, m.From+" -> "+m.To)
			assert.True(t, addresses[m.To], "%s: moved to a resource of the stack", m.To)
			assert.False(t, addresses[m.From], "%s: nothing is left at the old address", m.From)
		}
		assert.Len(t, got, count[d.Env.Name])
		assert.ElementsMatch(t, want, got)
	})
}

// Where egress is inspected (prod) every private subnet egresses through the Network Firewall
// endpoint of its own AZ, and each public subnet routes its AZ's private CIDR back through the
// same endpoint; elsewhere no route goes to a firewall.
func TestNetworkWiringEgressThroughTheNetworkFirewall(t *testing.T) {
	returnPath := map[string]map[string]string{
		"dev": nil, "staging": nil,
		"prod": {"us-east-1a": "10.2.64.0/21", "us-east-1b": "10.2.72.0/21", "us-east-1c": "10.2.80.0/21"},
	}
	networkWiringEnvs(t, func(t *testing.T, d *tests.Doc) {
		back := returnPath[d.Env.Name]
		if back == nil {
			assert.Zero(t, d.Count("aws_networkfirewall_firewall"))
			for _, r := range d.List("aws_route") {
				assert.NotContains(t, r, "vpc_endpoint_id")
			}
			return
		}
		endpoint := func(az string) string {
			return `${{for s in tolist(aws_networkfirewall_firewall.egress_firewall_36AF4487.firewall_status[0].sync_states) : s.availability_zone => s.attachment[0].endpoint_id}["` + az + `"]}`
		}
		for _, az := range networkWiringAZs[d.Env.Name] {
			tests.Has(t, d, "aws_route", map[string]any{
				"route_table_id":         networkWiringRef(d, "aws_route_table", "scalepayments-prod-private-"+az, "id"),
				"destination_cidr_block": "0.0.0.0/0", "vpc_endpoint_id": endpoint(az),
			})
			tests.Has(t, d, "aws_route", map[string]any{
				"route_table_id":         networkWiringRef(d, "aws_route_table", "scalepayments-prod-public-"+az, "id"),
				"destination_cidr_block": back[az], "vpc_endpoint_id": endpoint(az),
			})
		}
		firewalled := 0
		for _, r := range d.List("aws_route") {
			if r["vpc_endpoint_id"] != nil {
				firewalled++
			}
		}
		assert.Equal(t, 2*len(networkWiringAZs[d.Env.Name]), firewalled, "a default and a return route per AZ")
	})
}

// No construct of the stack gives the database tier a route out.
func TestNetworkWiringDatabaseSubnetsHaveNoRouteOut(t *testing.T) {
	networkWiringEnvs(t, func(t *testing.T, d *tests.Doc) {
		table := networkWiringRef(d, "aws_route_table", "scalepayments-"+d.Env.Name+"-database", "id")
		var associated []string
		for _, a := range d.List("aws_route_table_association") {
			if a["route_table_id"] == table {
				s, ok := d.Ref(a["subnet_id"])
				require.True(t, ok)
				associated = append(associated, s.Body["tags"].(tests.Body)["Name"].(string))
			}
		}
		var want []string
		for _, az := range networkWiringAZs[d.Env.Name] {
			want = append(want, "scalepayments-"+d.Env.Name+"-database-"+az)
		}
		assert.ElementsMatch(t, want, associated, "the database subnets, nothing else")
		for _, r := range d.List("aws_route") {
			assert.NotEqual(t, table, r["route_table_id"], "the database route table has only the local route")
		}
		for _, e := range d.List("aws_vpc_endpoint") {
			assert.NotContains(t, tests.Strings(e["route_table_ids"]), table)
		}
	})
}

// The public tier holds the NAT gateways and nothing else: no task, load balancer, endpoint or
// data store of the stack sits in a public subnet.
func TestNetworkWiringPublicSubnetsHoldOnlyTheNATs(t *testing.T) {
	nats := map[string]int{"dev": 1, "staging": 2, "prod": 3}
	networkWiringEnvs(t, func(t *testing.T, d *tests.Doc) {
		var public []string
		for _, s := range d.Each() {
			if s.Type == "aws_subnet" && strings.HasPrefix(s.Body["tags"].(tests.Body)["Name"].(string), "scalepayments-"+d.Env.Name+"-public-") {
				public = append(public, "aws_subnet."+s.Name+".")
			}
		}
		require.Len(t, public, len(networkWiringAZs[d.Env.Name]))
		users := map[string]int{}
		for _, r := range d.Each() {
			body, err := json.Marshal(r.Body)
			require.NoError(t, err)
			if slices.ContainsFunc(public, func(ref string) bool { return strings.Contains(string(body), ref) }) {
				users[r.Type]++
			}
		}
		assert.Equal(t, map[string]int{"aws_nat_gateway": nats[d.Env.Name], "aws_route_table_association": len(public)}, users)
	})
}

func TestNetworkWiringFlowLogsUseTheStacksLogsKey(t *testing.T) {
	networkWiringEnvs(t, func(t *testing.T, d *tests.Doc) {
		group, ok := d.Ref(d.One("aws_flow_log")["log_destination"])
		require.True(t, ok)
		assert.Equal(t, "/scalepayments/"+d.Env.Name+"/vpc-flow-logs", group.Body["name"])
		assert.Equal(t, networkWiringRef(d, "aws_kms_key", "scalepayments-"+d.Env.Name+"-logs", "arn"), group.Body["kms_key_id"])
	})
}

// The stack's endpoints: the network's S3 gateway everywhere, limited to ECR's layer bucket in
// the stack's partition; the six interface endpoints where the environment has them.
func TestNetworkWiringVPCEndpoints(t *testing.T) {
	want := map[string]map[string]int{"dev": {"Gateway": 1, "Interface": 0}, "staging": {"Gateway": 1, "Interface": 6}, "prod": {"Gateway": 1, "Interface": 6}}
	networkWiringEnvs(t, func(t *testing.T, d *tests.Doc) {
		count := map[string]int{"Gateway": 0, "Interface": 0}
		vpc := networkWiringRef(d, "aws_vpc", "scalepayments-"+d.Env.Name+"-vpc", "id")
		for _, e := range d.List("aws_vpc_endpoint") {
			count[e["vpc_endpoint_type"].(string)]++
			assert.Equal(t, vpc, e["vpc_id"])
		}
		assert.Equal(t, want[d.Env.Name], count)
		s3 := d.Resources("aws_vpc_endpoint")[d.NameOf("aws_vpc_endpoint", "scalepayments-"+d.Env.Name+"-s3")]
		assert.Equal(t, "Gateway", s3["vpc_endpoint_type"])
		// Only ECR's layer bucket through the gateway: no path out to any other bucket.
		assert.Equal(t, []iam.Statement{{Sid: "EcrImageLayersOnly", Effect: "Allow", Principal: map[string]any{"AWS": "*"},
			Action: []string{"s3:GetObject"}, Resource: []string{"arn:${data.aws_partition.partition.partition}:s3:::prod-us-east-1-starport-layer-bucket/*"}}},
			tests.Statements(s3["policy"]))
	})
}

// Each interface endpoint sits in the private subnets, one per AZ in AZ order, behind the
// endpoints security group.
func TestEndpointsWiringPrivateSubnetsAndTheEndpointsGroup(t *testing.T) {
	networkWiringEnvs(t, func(t *testing.T, d *tests.Doc) {
		var subnets []string
		for _, az := range networkWiringAZs[d.Env.Name] {
			subnets = append(subnets, networkWiringRef(d, "aws_subnet", "scalepayments-"+d.Env.Name+"-private-"+az, "id"))
		}
		interfaces := 0
		for _, e := range d.List("aws_vpc_endpoint") {
			if e["vpc_endpoint_type"] != "Interface" {
				continue
			}
			interfaces++
			assert.Equal(t, subnets, tests.Strings(e["subnet_ids"]), e["service_name"])
			assert.Equal(t, []string{networkWiringRef(d, "aws_security_group", "scalepayments-"+d.Env.Name+"-endpoints", "id")}, tests.Strings(e["security_group_ids"]), e["service_name"])
		}
		assert.Equal(t, map[string]int{"dev": 0, "staging": 6, "prod": 6}[d.Env.Name], interfaces)
	})
}

// Every security group is in the stack's VPC, and S3 is reached only through the network's
// gateway endpoint: the tasks' S3 egress rules name its prefix list.
func TestFirewallWiringVPCAndS3PrefixList(t *testing.T) {
	s3Rules := map[string]int{"dev": 0, "staging": 3, "prod": 3}
	networkWiringEnvs(t, func(t *testing.T, d *tests.Doc) {
		vpc := networkWiringRef(d, "aws_vpc", "scalepayments-"+d.Env.Name+"-vpc", "id")
		require.NotZero(t, d.Count("aws_security_group"))
		for _, sg := range d.List("aws_security_group") {
			assert.Equal(t, vpc, sg["vpc_id"], sg["name"])
		}
		prefixes := networkWiringRef(d, "aws_vpc_endpoint", "scalepayments-"+d.Env.Name+"-s3", "prefix_list_id")
		n := 0
		for _, r := range d.List("aws_vpc_security_group_egress_rule") {
			if r["prefix_list_id"] != nil {
				n++
				assert.Equal(t, prefixes, r["prefix_list_id"], "S3 only through the gateway endpoint")
			}
		}
		assert.Equal(t, s3Rules[d.Env.Name], n)
	})
}

// Every KMS key of the stack, the keys construct's and the DR region's vault key (backup's):
// rotation on, the environment's deletion window, one alias, and only the services that need it.
func TestKeysWiringEveryKeyOfTheStack(t *testing.T) {
	window := map[string]int{"dev": 7, "staging": 7, "prod": 30}
	services := map[string]map[string][]any{}
	for _, env := range []string{"dev", "staging", "prod"} {
		services[env] = map[string][]any{
			"database": nil, "cache": nil, "secrets": nil, "images": nil, "backup": nil,
			"logs":   {"logs.us-east-1.amazonaws.com"},
			"alarms": {"cloudwatch.amazonaws.com", "events.amazonaws.com"},
		}
	}
	services["prod"]["dr-backup"] = nil // the DR region's vault key
	networkWiringEnvs(t, func(t *testing.T, d *tests.Doc) {
		got := map[string][]any{}
		for name, k := range d.Resources("aws_kms_key") {
			assert.Equal(t, true, k["enable_key_rotation"], name)
			assert.EqualValues(t, window[d.Env.Name], k["deletion_window_in_days"], name)
			tag := k["tags"].(tests.Body)["Name"].(string)
			var aliases []string
			for _, a := range d.Resources("aws_kms_alias") {
				if a["target_key_id"] == tests.RefTo("aws_kms_key", name, "key_id") {
					aliases = append(aliases, a["name"].(string))
				}
			}
			assert.Equal(t, []string{"alias/" + tag}, aliases)
			domain := strings.TrimPrefix(tag, "scalepayments-"+d.Env.Name+"-")
			got[domain] = nil
			for _, s := range tests.Statements(k["policy"]) {
				if svc, ok := s.Principal["Service"]; ok {
					got[domain] = append(got[domain], svc)
					// CloudWatch and EventBridge send no condition key for SNS's KMS calls (AWS's documented statements have none).
					if domain != "alarms" {
						assert.NotEmpty(t, s.Condition, "%s: service access is conditioned", domain)
					}
				}
			}
		}
		assert.Equal(t, services[d.Env.Name], got)
		logs := d.Resources("aws_kms_key")[d.NameOf("aws_kms_key", "scalepayments-"+d.Env.Name+"-logs")]
		assert.Contains(t, logs["policy"], `"kms:EncryptionContext:aws:logs:arn": "arn:${data.aws_partition.partition.partition}:logs:us-east-1:${data.aws_caller_identity.caller.account_id}:log-group:*"`,
			"scoped to this account's log groups")
	})
}

// The audit key's CloudTrail statements name the trail of their own account stack, in the
// stack's partition and account.
func TestKeysWiringAuditKeyNamesTheAccountsTrail(t *testing.T) {
	for _, a := range tests.Accounts() {
		t.Run(a.Env.Name, func(t *testing.T) {
			d := a.Doc
			name := "scalepayments-" + d.Env.Name + "-trail"
			require.NotEmpty(t, d.NameOf("aws_cloudtrail", name), "the account's trail")
			trail := "arn:${data.aws_partition.partition.partition}:cloudtrail:us-east-1:${data.aws_caller_identity.caller.account_id}:trail/" + name
			key := d.Resources("aws_kms_key")[d.NameOf("aws_kms_key", "scalepayments-"+d.Env.Name+"-audit")]
			cloudtrail := 0
			for _, s := range tests.Statements(key["policy"]) {
				if s.Principal["Service"] != "cloudtrail.amazonaws.com" {
					continue
				}
				cloudtrail++
				assert.Equal(t, map[string]any{"aws:SourceArn": trail}, s.Condition["StringEquals"], s.Sid)
			}
			assert.Equal(t, 3, cloudtrail, "encrypt, describe, decrypt")
			assert.Contains(t, key["policy"], `"kms:EncryptionContext:aws:cloudtrail:arn": "arn:${data.aws_partition.partition.partition}:cloudtrail:*:${data.aws_caller_identity.caller.account_id}:trail/*"`)
		})
	}
}
