package integration

import (
	"fmt"
	"sort"
	"strings"

	"github.com/scalepayments/infra/tests"
)

// Net is the network model of one stack: security groups by chain name and the TCP edges
// that both an egress rule on the source and an ingress rule on the target allow.
type Net struct {
	d      *tests.Doc
	groups map[string]string // "${aws_security_group.x.id}" -> chain name (vpc-link, alb, ...)
	edges  map[string]map[string][]int
}

func netOf(d *tests.Doc) *Net {
	n := &Net{d: d, groups: map[string]string{}, edges: map[string]map[string][]int{}}
	for _, r := range d.Of("aws_security_group") {
		// The chain name is the group's name past the environment's literal prefix; a group
		// named otherwise keeps its whole name, and no chain name then matches it.
		name := r.Body["name"].(string)
		n.groups[tests.Ref(r, "id")] = strings.TrimPrefix(name, "scalepayments-"+d.Env.Name+"-")
	}
	type key struct {
		from, to string
		port     int
	}
	egress, ingress := map[key]bool{}, map[key]bool{}
	for _, r := range d.List("aws_vpc_security_group_egress_rule") {
		to := "internet"
		if ref, ok := r["referenced_security_group_id"]; ok {
			to = n.groups[ref.(string)]
		} else if _, ok := r["prefix_list_id"]; ok {
			to = "s3" // the S3 gateway endpoint's prefix list
		}
		egress[key{n.groups[r["security_group_id"].(string)], to, int(r["from_port"].(float64))}] = true
	}
	for _, r := range d.List("aws_vpc_security_group_ingress_rule") {
		from := "cidr:" + fmt.Sprint(r["cidr_ipv4"])
		if ref, ok := r["referenced_security_group_id"]; ok {
			from = n.groups[ref.(string)]
		}
		ingress[key{from, n.groups[r["security_group_id"].(string)], int(r["from_port"].(float64))}] = true
	}
	for k := range egress {
		if ingress[k] || k.to == "internet" || k.to == "s3" {
			n.add(k.from, k.to, k.port)
		}
	}
	return n
}

func (n *Net) add(from, to string, port int) {
	if n.edges[from] == nil {
		n.edges[from] = map[string][]int{}
	}
	n.edges[from][to] = append(n.edges[from][to], port)
}

// Allows reports whether traffic can flow from one group to another on port.
func (n *Net) Allows(from, to string, port int) bool {
	for _, p := range n.edges[from][to] {
		if p == port {
			return true
		}
	}
	return false
}

// Reachable lists every group reachable from start, following allowed edges.
func (n *Net) Reachable(start string) []string {
	seen := map[string]bool{start: true}
	queue := []string{start}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		for to := range n.edges[g] {
			if !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	var out []string
	for g := range seen {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// GroupOf returns the chain name of the only security group a resource attaches to.
func (n *Net) GroupOf(b tests.Body) string {
	var refs []string
	for _, attr := range []string{"vpc_security_group_ids", "security_group_ids", "security_groups"} {
		refs = append(refs, tests.Strings(b[attr])...)
	}
	if net, ok := b["network_configuration"].(tests.Body); ok {
		refs = append(refs, tests.Strings(net["security_groups"])...)
	}
	if len(refs) != 1 {
		return fmt.Sprintf("<%d groups>", len(refs))
	}
	return n.groups[refs[0]]
}

// InboundTo lists the sources allowed into a group.
func (n *Net) InboundTo(group string) []string {
	var out []string
	for from, tos := range n.edges {
		for to, ports := range tos {
			if to == group {
				for _, p := range ports {
					out = append(out, fmt.Sprintf("%s:%d", from, p))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
