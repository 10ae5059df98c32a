package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scalepayments/infra/stacks/synthesized"
)

var worldCIDRs = []string{"0.0.0.0/0", "::/0"}

func noWorldIngress(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_vpc_security_group_ingress_rule") {
		for _, attr := range []string{"cidr_ipv4", "cidr_ipv6"} {
			if v, _ := r.Body[attr].(string); slices.Contains(worldCIDRs, v) {
				out = append(out, find(r, "ingress from %s", v))
			}
		}
	}
	for _, r := range c.Of("aws_security_group") {
		rules, _ := r.Body["ingress"].([]any)
		for _, in := range rules {
			for _, cidr := range append(synthesized.Strings(in.(synthesized.Body)["cidr_blocks"]), synthesized.Strings(in.(synthesized.Body)["ipv6_cidr_blocks"])...) {
				if slices.Contains(worldCIDRs, cidr) {
					out = append(out, find(r, "inline ingress from %s", cidr))
				}
			}
		}
	}
	for _, r := range c.Of("aws_security_group_rule") {
		for _, cidr := range append(synthesized.Strings(r.Body["cidr_blocks"]), synthesized.Strings(r.Body["ipv6_cidr_blocks"])...) {
			if r.Body["type"] == "ingress" && slices.Contains(worldCIDRs, cidr) {
				out = append(out, find(r, "ingress from %s", cidr))
			}
		}
	}
	return out
}

// groupsOf returns the security group references a resource attaches to.
func groupsOf(b synthesized.Body) []string {
	for _, attr := range []string{"vpc_security_group_ids", "security_group_ids", "security_groups"} {
		if g, ok := b[attr]; ok {
			return synthesized.Strings(g)
		}
	}
	if net := synthesized.Block(b["network_configuration"]); net != nil {
		return synthesized.Strings(net["security_groups"])
	}
	return nil
}

func dataStoresPrivate(c *Context) (out []Finding) {
	for _, typ := range []string{"aws_rds_cluster_instance", "aws_db_instance"} {
		for _, r := range c.Of(typ) {
			if isTrue(r.Body["publicly_accessible"]) {
				out = append(out, find(r, "publicly_accessible = true"))
			}
		}
	}
	tasks := map[string]bool{}
	for _, r := range c.Of("aws_ecs_service") {
		for _, g := range groupsOf(r.Body) {
			tasks[groupID(g)] = true
		}
	}
	for _, typ := range []string{"aws_rds_cluster", "aws_elasticache_replication_group"} {
		for _, store := range c.Of(typ) {
			for _, g := range groupsOf(store.Body) {
				for _, in := range c.Of("aws_vpc_security_group_ingress_rule") {
					if groupID(fmt.Sprint(in.Body["security_group_id"])) != groupID(g) {
						continue
					}
					if src, _ := in.Body["referenced_security_group_id"].(string); !tasks[groupID(src)] {
						out = append(out, find(store, "its security group admits %s, which is not the tasks group", describeSource(in)))
					}
				}
			}
		}
	}
	return out
}

// groupID normalises "${aws_security_group.x.id}" so ids compare whatever the attribute.
func groupID(ref string) string { return strings.TrimSuffix(strings.TrimSuffix(ref, ".id}"), "}") }

func describeSource(in synthesized.Resource) string {
	for _, attr := range []string{"referenced_security_group_id", "cidr_ipv4", "cidr_ipv6", "prefix_list_id"} {
		if v, ok := in.Body[attr]; ok {
			return fmt.Sprintf("%v (%s)", v, in.Address())
		}
	}
	return in.Address()
}

func tasksGroupsNotShared(c *Context) (out []Finding) {
	users := map[string][]string{}
	for _, r := range c.Of("aws_ecs_service") {
		for _, g := range groupsOf(r.Body) {
			users[g] = append(users[g], r.Address())
		}
	}
	for g, services := range users {
		if len(services) > 1 {
			group, _ := c.Ref(g)
			out = append(out, find(group, "shared by %s", strings.Join(services, ", ")))
		}
	}
	return out
}

func noWorldEgress(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_vpc_security_group_egress_rule") {
		for _, attr := range []string{"cidr_ipv4", "cidr_ipv6"} {
			if v, _ := r.Body[attr].(string); slices.Contains(worldCIDRs, v) {
				out = append(out, find(r, "egress to %s", v))
			}
		}
	}
	for _, r := range c.Of("aws_security_group") {
		for _, e := range synthesized.Blocks(r.Body["egress"]) {
			for _, cidr := range append(synthesized.Strings(e["cidr_blocks"]), synthesized.Strings(e["ipv6_cidr_blocks"])...) {
				if slices.Contains(worldCIDRs, cidr) {
					out = append(out, find(r, "inline egress to %s", cidr))
				}
			}
		}
	}
	return out
}

func dnsFirewallEverywhere(c *Context) (out []Finding) {
	for _, v := range c.Of("aws_vpc") {
		associated := false
		for _, a := range c.List("aws_route53_resolver_firewall_rule_group_association") {
			if ref, ok := c.Ref(a["vpc_id"]); ok && ref.Name == v.Name {
				associated = true
			}
		}
		if !associated {
			out = append(out, find(v, "no DNS Firewall rule group associated"))
		}
	}
	return out
}

// egressInspected: where the stage requires it, a Network Firewall exists and every route table
// of a subnet that runs ECS tasks sends 0.0.0.0/0 to a firewall endpoint, never straight to a
// NAT or internet gateway.
func egressInspected(c *Context) (out []Finding) {
	if !c.Stage.Floors().InspectEgress {
		return nil
	}
	if c.Count("aws_vpc") > 0 && c.Count("aws_networkfirewall_firewall") == 0 {
		out = append(out, find(synthesized.Resource{Type: "stack", Name: "egress"}, "no Network Firewall in stage %s", c.Stage))
	}
	taskSubnets := map[string]bool{}
	for _, s := range c.List("aws_ecs_service") {
		for _, sub := range synthesized.Strings(synthesized.Block(s["network_configuration"])["subnets"]) {
			taskSubnets[sub] = true
		}
	}
	for _, a := range c.List("aws_route_table_association") {
		if !taskSubnets[fmt.Sprint(a["subnet_id"])] {
			continue
		}
		for _, r := range c.Of("aws_route") {
			if r.Body["route_table_id"] == a["route_table_id"] && r.Body["destination_cidr_block"] == "0.0.0.0/0" && empty(r.Body["vpc_endpoint_id"]) {
				out = append(out, find(r, "task subnets egress without the Network Firewall"))
			}
		}
	}
	return out
}
