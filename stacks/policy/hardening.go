package policy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// resourcePolicies are the attributes that hold a resource policy, by resource type.
var resourcePolicies = map[string]string{
	"aws_kms_key": "policy", "aws_s3_bucket_policy": "policy", "aws_sns_topic_policy": "policy",
	"aws_ecr_repository_policy": "policy", "aws_secretsmanager_secret_policy": "policy",
	"aws_iam_role": "assume_role_policy", "aws_cloudwatch_log_resource_policy": "policy_document",
}

// noOpenPolicies: no resource policy allows any principal ("*"), or an account other than the
// one the stack is pinned to, without a condition.
func noOpenPolicies(c *Context) (out []Finding) {
	own := c.accounts()
	for _, typ := range help.SortedKeys(resourcePolicies) {
		attr := resourcePolicies[typ]
		for _, r := range c.Of(typ) {
			if empty(r.Body[attr]) || !c.Known(r.Body[attr]) {
				continue // no policy (the service's default, which names no outsider), or one resolved at apply
			}
			statements, err := statementsOf(r.Body[attr])
			if err != nil {
				out = append(out, find(r, "%s is not a JSON document: %v", attr, err))
				continue
			}
			for _, s := range statements {
				if s.Effect != "Allow" || len(s.Condition) > 0 {
					continue
				}
				if anyone(s.Principal) {
					out = append(out, find(r, "statement %q allows any principal without a condition", s.Sid))
				} else if other := outsider(s.Principal, own); other != "" {
					out = append(out, find(r, "statement %q allows account %s without a condition", s.Sid, other))
				}
			}
		}
	}
	return out
}

var principalAccount = regexp.MustCompile(`^(?:arn:[a-z-]+:iam::)?([0-9]{12})(?::|$)`)

// outsider is the first account of an AWS principal that is not one of own ("" when own is
// unknown: an unpinned stack is SP-ACC-001's finding).
func outsider(p any, own []string) string {
	m, _ := p.(map[string]any)
	for _, a := range oneOrMany(m["AWS"]) {
		if id := principalAccount.FindStringSubmatch(a); id != nil && len(own) > 0 && !slices.Contains(own, id[1]) {
			return id[1]
		}
	}
	return ""
}

// anyone reports whether a policy principal is everybody: "*" or {"AWS": "*"}.
func anyone(p any) bool {
	if p == "*" {
		return true
	}
	m, _ := p.(map[string]any)
	return slices.Contains(oneOrMany(m["AWS"]), "*")
}

// defaultGroupClosed: the default security group of every VPC has no rules.
func defaultGroupClosed(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_default_security_group") {
		if len(synthesized.Blocks(r.Body["ingress"]))+len(synthesized.Blocks(r.Body["egress"])) > 0 {
			out = append(out, find(r, "the default security group has rules"))
		}
	}
	return out
}

// container is what the rules read of one container definition.
type container struct {
	Name, User, Image      string
	Privileged             bool
	ReadonlyRootFilesystem bool
	Environment            []struct{ Name string }
	LinuxParameters        struct {
		Capabilities struct{ Drop []string }
	}
	LogConfiguration struct{ Options map[string]string }
}

// eachContainer runs check on every container of every task definition; a definition that is
// not valid JSON is a finding itself.
func eachContainer(c *Context, check func(r synthesized.Resource, d container) []Finding) (out []Finding) {
	for _, r := range c.Of("aws_ecs_task_definition") {
		if !c.Known(r.Body["container_definitions"]) {
			continue
		}
		var defs []container
		if err := json.Unmarshal([]byte(fmt.Sprint(r.Body["container_definitions"])), &defs); err != nil {
			out = append(out, find(r, "container_definitions is not valid JSON: %v", err))
			continue
		}
		for _, d := range defs {
			out = append(out, check(r, d)...)
		}
	}
	return out
}

// containersUnprivileged: no container is privileged or runs as root.
func containersUnprivileged(c *Context) []Finding {
	return eachContainer(c, func(r synthesized.Resource, d container) (out []Finding) {
		if d.Privileged {
			out = append(out, find(r, "container %s is privileged", d.Name))
		}
		if slices.Contains([]string{"", "root", "0", "0:0"}, d.User) {
			out = append(out, find(r, "container %s runs as root (user %q)", d.Name, d.User))
		}
		if !slices.Contains(d.LinuxParameters.Capabilities.Drop, "ALL") {
			out = append(out, find(r, "container %s keeps Linux capabilities (linuxParameters.capabilities.drop %v, not [ALL])", d.Name, d.LinuxParameters.Capabilities.Drop))
		}
		return out
	})
}

// imagesImmutableAndScanned: every repository has immutable tags and scans on push.
func imagesImmutableAndScanned(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_ecr_repository") {
		if r.Body["image_tag_mutability"] != "IMMUTABLE" {
			out = append(out, find(r, "image tags are mutable"))
		}
		if !isTrue(synthesized.Block(r.Body["image_scanning_configuration"])["scan_on_push"]) {
			out = append(out, find(r, "images are not scanned on push"))
		}
	}
	return out
}

// containerInsights: every ECS cluster has Container Insights on.
func containerInsights(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_ecs_cluster") {
		on := false
		for _, s := range synthesized.Blocks(r.Body["setting"]) {
			on = on || (s["name"] == "containerInsights" && (s["value"] == "enabled" || s["value"] == "enhanced"))
		}
		if !on {
			out = append(out, find(r, "Container Insights is off"))
		}
	}
	return out
}

// defaultAdmins are the engines' default administrator names Security Hub RDS.24 rejects.
var defaultAdmins = []any{"postgres", "admin", "root"}

// authenticationOn: Aurora accepts IAM database authentication and Redis authenticates every
// client through a user group (the default user is then replaced).
func authenticationOn(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_rds_cluster") {
		if !isTrue(r.Body["iam_database_authentication_enabled"]) {
			out = append(out, find(r, "IAM database authentication is off"))
		}
		if u := r.Body["master_username"]; slices.Contains(defaultAdmins, u) {
			out = append(out, find(r, "master_username is the engine default %q", u))
		}
	}
	for _, r := range c.Of("aws_elasticache_replication_group") {
		if len(synthesized.Strings(r.Body["user_group_ids"])) == 0 {
			out = append(out, find(r, "no user group: clients connect as the default user"))
		}
	}
	for _, r := range c.Of("aws_elasticache_user") {
		open := synthesized.Block(r.Body["authentication_mode"])["type"] == "no-password-required" || isTrue(r.Body["no_password_required"])
		if open && !strings.HasPrefix(fmt.Sprint(r.Body["access_string"]), "off") {
			out = append(out, find(r, "user %v connects without a password and is not off", r.Body["user_name"]))
		}
	}
	return out
}

// noPublicIPs: no subnet gives instances a public IP on launch and no ECS service gives its
// tasks one: only the NAT gateways hold public addresses.
func noPublicIPs(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_subnet") {
		if isTrue(r.Body["map_public_ip_on_launch"]) {
			out = append(out, find(r, "assigns public IPs on launch"))
		}
	}
	for _, r := range c.Of("aws_ecs_service") {
		if isTrue(synthesized.Block(r.Body["network_configuration"])["assign_public_ip"]) {
			out = append(out, find(r, "gives its tasks public IPs"))
		}
	}
	return out
}

// dataTierIsolated: the route tables of the subnets the data stores use (DB and ElastiCache
// subnet groups) hold only the local route: no route to a gateway, NAT or endpoint.
func dataTierIsolated(c *Context) (out []Finding) {
	subnets := map[string]bool{}
	for _, typ := range []string{"aws_db_subnet_group", "aws_elasticache_subnet_group"} {
		for _, g := range c.List(typ) {
			for _, s := range synthesized.Strings(g["subnet_ids"]) {
				subnets[s] = true
			}
		}
	}
	tables := map[string]bool{}
	for _, a := range c.List("aws_route_table_association") {
		if subnets[fmt.Sprint(a["subnet_id"])] {
			if t, ok := c.Ref(a["route_table_id"]); ok {
				tables[t.Name] = true
			}
		}
	}
	for _, t := range c.Of("aws_route_table") {
		if tables[t.Name] && len(synthesized.Blocks(t.Body["route"])) > 0 {
			out = append(out, find(t, "the data tier's route table has inline routes"))
		}
	}
	for _, r := range c.Of("aws_route") {
		if t, ok := c.Ref(r.Body["route_table_id"]); ok && tables[t.Name] {
			out = append(out, find(r, "a route out of the data tier (route table %s)", t.Name))
		}
	}
	return out
}
