package tests

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// The typed views tests read the synthesized stacks through, so test bodies say what they
// check (a role's grants, a listener rule's path) instead of walking JSON.

// Named is the resource of typ whose Name tag is the stack's name for parts
// (scalepayments-<env>-<parts...>); it panics (failing the test) when there is none.
func (d *Doc) Named(typ string, parts ...string) synthesized.Resource {
	name := d.Namer.Name(naming.MaxName, parts...)
	r, ok := d.Resources(typ)[d.NameOf(typ, name)]
	if !ok {
		panic(fmt.Sprintf("%s: no %s named %s", d.Env.Name, typ, name))
	}
	return synthesized.Resource{Type: typ, Name: d.NameOf(typ, name), Body: r}
}

// NamedAs is the resource of typ whose Name tag is name, created by provider ("" for the
// stack's default provider, "aws.dr" for its DR region's); it panics when there is none.
func (d *Doc) NamedAs(typ, name, provider string) synthesized.Resource {
	for _, r := range d.Of(typ) {
		p, _ := r.Body["provider"].(string)
		if tags, ok := r.Body["tags"].(Body); ok && tags["Name"] == name && p == provider {
			return r
		}
	}
	panic(fmt.Sprintf("%s: no %s named %s with provider %q", d.Env.Name, typ, name, provider))
}

// KeyRef is the ARN reference of the stack's KMS key for domain (logs, data, secrets, ...).
func (d *Doc) KeyRef(domain string) string { return Ref(d.Named("aws_kms_key", domain), "arn") }

// Ref is "${type.name.attr}" of a resource.
func Ref(r synthesized.Resource, attr string) string { return RefTo(r.Type, r.Name, attr) }

// Provider is the stack's AWS provider block.
func (d *Doc) Provider() Body { return Block(d.Root["provider"].(Body)["aws"]) }

// Statements are the statements of a policy document attribute (a JSON string).
func Statements(policy any) []iam.Statement {
	var doc iam.PolicyDocument
	if err := json.Unmarshal([]byte(policy.(string)), &doc); err != nil {
		panic(err)
	}
	return doc.Statement
}

// Grants lists a role's inline-policy permissions as action -> resources.
func (d *Doc) Grants(role synthesized.Resource) map[string][]string {
	out := map[string][]string{}
	for _, p := range d.List("aws_iam_role_policy") {
		if p["role"] != Ref(role, "id") {
			continue
		}
		for _, s := range Statements(p["policy"]) {
			for _, a := range s.Action {
				out[a] = append(out[a], s.Resource...)
			}
		}
	}
	return out
}

// ServiceGrants are the grants of a service's task or execution role ("task", "execution").
func (d *Doc) ServiceGrants(service, kind string) map[string][]string {
	return d.Grants(d.Named("aws_iam_role", service, kind))
}

// ListenerRule is one ALB listener rule: its path pattern, priority and target group.
type ListenerRule struct {
	Paths       []string
	Priority    int
	TargetGroup synthesized.Resource
}

// ListenerRules are the stack's listener rules, by priority.
func (d *Doc) ListenerRules() []ListenerRule {
	var out []ListenerRule
	for _, r := range d.List("aws_lb_listener_rule") {
		tg, _ := d.Ref(Block(r["action"])["target_group_arn"])
		out = append(out, ListenerRule{
			Paths:       Strings(Block(Block(r["condition"])["path_pattern"])["values"]),
			Priority:    int(r["priority"].(float64)),
			TargetGroup: tg,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Priority < out[j].Priority })
	return out
}

// GroupName maps a security group reference to its chain name (vpc-link, alb, tasks, ...).
func (d *Doc) GroupName(ref any) string {
	r, ok := d.Ref(ref)
	if !ok || r.Type != "aws_security_group" {
		panic(fmt.Sprintf("%v is not a security group reference", ref))
	}
	return strings.TrimPrefix(r.Body["name"].(string), d.Namer.Name(naming.MaxName)+"-")
}
