package integration

import (
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scalepayments/infra/tests"
)

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
	// Every private subnet left keeps a default route through a NAT outside the lost AZ.
	for _, a := range d.List("aws_route_table_association") {
		if inAZ(a["subnet_id"].(string)) == lost {
			continue
		}
		subnet, _ := d.Ref(a["subnet_id"])
		for _, r := range d.List("aws_route") {
			if r["route_table_id"] != a["route_table_id"] || r["nat_gateway_id"] == nil {
				continue
			}
			nat, _ := d.Ref(r["nat_gateway_id"])
			if inAZ(nat.Body["subnet_id"].(string)) == lost {
				broken = append(broken, fmt.Sprintf("%s loses its NAT route", subnet.Body["tags"].(tests.Body)["Name"]))
			}
		}
	}
	sort.Strings(broken)
	return broken
}

// Scenario 3: staging and prod survive the loss of any one AZ; dev is not built to.
func TestLossOfOneAvailabilityZone(t *testing.T) {
	for _, d := range []*tests.Doc{staging, prod} {
		for _, az := range d.Env.AvailabilityZones {
			assert.Empty(t, survivesLossOf(d, az), "%s without %s", d.Env.Name, az)
		}
	}
	assert.Equal(t, []string{
		"Aurora has no writer candidate left",
		"Redis has no node to fail over to",
		"scalepayments-dev-private-us-east-1b loses its NAT route",
	}, survivesLossOf(dev, "us-east-1a"), "dev: one NAT, one Aurora instance, one Redis node, all in the first AZ")
	assert.Empty(t, survivesLossOf(dev, "us-east-1b"), "dev keeps running if the second AZ goes")
}
