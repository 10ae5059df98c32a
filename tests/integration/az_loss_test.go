package integration

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scalepayments/infra/tests"
)

// endpointAZ reads the AZ out of a firewall endpoint expression (...)["us-east-1a"]}.
var endpointAZ = regexp.MustCompile(`\["([a-z0-9-]+)"\]\}$`)

// survivesLossOf removes one AZ from the model and returns what no longer works.
func survivesLossOf(d *tests.Doc, lost string) []string {
	var broken []string
	inAZ := func(subnetRef string) string {
		s, _ := d.Ref(subnetRef)
		return fmt.Sprint(s.Body["availability_zone"])
	}
	remaining := func(subnets any) int {
		n := 0
		for _, s := range tests.Strings(subnets) {
			if inAZ(s) != lost {
				n++
			}
		}
		return n
	}
	for _, s := range d.List("aws_ecs_service") {
		if remaining(s["network_configuration"].(tests.Body)["subnets"]) == 0 {
			broken = append(broken, fmt.Sprintf("service %s has no subnet left", s["name"]))
		}
	}
	if remaining(d.One("aws_lb")["subnets"]) == 0 {
		broken = append(broken, "ALB has no subnet left")
	}
	if remaining(d.One("aws_apigatewayv2_vpc_link")["subnet_ids"]) == 0 {
		broken = append(broken, "VPC link has no subnet left")
	}
	writers := 0
	for _, in := range d.List("aws_rds_cluster_instance") {
		if in["availability_zone"] != lost {
			writers++
		}
	}
	if writers == 0 {
		broken = append(broken, "Aurora has no writer candidate left")
	}
	rg := d.One("aws_elasticache_replication_group")
	nodes := 0
	for _, az := range tests.Strings(rg["preferred_cache_cluster_azs"]) {
		if az != lost {
			nodes++
		}
	}
	if nodes == 0 || (rg["automatic_failover_enabled"] != true && tests.Strings(rg["preferred_cache_cluster_azs"])[0] == lost) {
		broken = append(broken, "Redis has no node to fail over to")
	}
	// Every subnet left keeps its default route through a NAT (and in production through a
	// firewall endpoint, whose subnet routes through a NAT) outside the lost AZ.
	firewallAZs := map[string]bool{}
	for _, fw := range d.List("aws_networkfirewall_firewall") {
		for _, m := range fw["subnet_mapping"].([]any) {
			firewallAZs[inAZ(m.(tests.Body)["subnet_id"].(string))] = true
		}
	}
	for _, a := range d.List("aws_route_table_association") {
		if inAZ(a["subnet_id"].(string)) == lost {
			continue
		}
		subnet, _ := d.Ref(a["subnet_id"])
		name := subnet.Body["tags"].(tests.Body)["Name"]
		for _, r := range d.List("aws_route") {
			if r["route_table_id"] != a["route_table_id"] || r["destination_cidr_block"] != "0.0.0.0/0" {
				continue
			}
			switch {
			case r["nat_gateway_id"] != nil:
				nat, _ := d.Ref(r["nat_gateway_id"])
				if inAZ(nat.Body["subnet_id"].(string)) == lost {
					broken = append(broken, fmt.Sprintf("%s loses its NAT route", name))
				}
			case r["vpc_endpoint_id"] != nil:
				m := endpointAZ.FindStringSubmatch(r["vpc_endpoint_id"].(string))
				if m == nil || m[1] == lost || !firewallAZs[m[1]] {
					broken = append(broken, fmt.Sprintf("%s loses its firewall route", name))
				}
			}
		}
	}
	sort.Strings(broken)
	return broken
}

// Scenario 3: staging and prod survive the loss of any one AZ (prod's firewall tier included:
// each AZ egresses through its own firewall endpoint and NAT); dev is not built to.
func TestLossOfOneAvailabilityZone(t *testing.T) {
	// What breaks in each environment when each of its AZs is lost: nothing, but in dev's first.
	want := map[string]map[string][]string{
		"dev": {
			// One NAT, one Aurora instance, one Redis node, all in the first AZ.
			"us-east-1a": {
				"Aurora has no writer candidate left",
				"Redis has no node to fail over to",
				"scalepayments-dev-private-us-east-1b loses its NAT route",
			},
			"us-east-1b": nil, // dev keeps running if the second AZ goes
		},
		"staging": {"us-east-1a": nil, "us-east-1b": nil},
		"prod":    {"us-east-1a": nil, "us-east-1b": nil, "us-east-1c": nil},
	}
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) {
			var azs []string
			for _, s := range d.List("aws_subnet") {
				if !slices.Contains(azs, s["availability_zone"].(string)) {
					azs = append(azs, s["availability_zone"].(string))
				}
			}
			sort.Strings(azs)
			assert.Equal(t, slices.Sorted(maps.Keys(want[d.Env.Name])), azs, "the AZs its subnets are in")
			for _, az := range azs {
				assert.Equal(t, want[d.Env.Name][az], survivesLossOf(d, az), "without %s", az)
			}
			if d.Env.Name != "prod" {
				return
			}
			// The model sees a firewall route that points at the lost AZ.
			broken := d.Clone()
			for name, r := range broken.Resources("aws_route") {
				if v, ok := r["vpc_endpoint_id"].(string); ok && strings.HasSuffix(v, `["us-east-1c"]}`) {
					broken.Resources("aws_route")[name]["vpc_endpoint_id"] = strings.Replace(v, "us-east-1c", "us-east-1a", 1)
				}
			}
			assert.Contains(t, survivesLossOf(broken, "us-east-1a"), "scalepayments-prod-private-us-east-1c loses its firewall route")
		})
	}
}
