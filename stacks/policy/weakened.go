package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/scalepayments/infra/stacks/synthesized"
)

// The rules of this file catch a control weakened without being removed: still present, no
// longer doing its job.

// Minimums of the account password policy (PCI-DSS 8.3.6, 8.3.7, 8.3.9; CIS asks 14 and 24).
const (
	MinPasswordLength   = 14
	MinPasswordsReused  = 24
	MaxPasswordAgeDays  = 90
	catchAllDomain      = "*."
	imageDigestTemplate = `@sha256:[0-9a-f]{64}$`
)

// accountBaselineComplete: every account stack keeps IAM Access Analyzer, EBS encryption by
// default and AWS Config recording every supported resource type in each region, and in its
// home region the account's S3 Block Public Access and the password policy at the minimums.
func accountBaselineComplete(c *Context) (out []Finding) {
	if c.Account == nil {
		return nil
	}
	stack := synthesized.Resource{Type: "stack", Name: "baseline"}
	if !slices.ContainsFunc(c.List("aws_accessanalyzer_analyzer"), func(a synthesized.Body) bool {
		return a["type"] == "ACCOUNT" || a["type"] == "ORGANIZATION"
	}) {
		out = append(out, find(stack, "no IAM Access Analyzer for the account"))
	}
	if !slices.ContainsFunc(c.List("aws_ebs_encryption_by_default"), func(e synthesized.Body) bool { return e["enabled"] != false }) {
		out = append(out, find(stack, "EBS encryption by default is not on"))
	}
	for _, r := range c.Of("aws_config_configuration_recorder") {
		group := synthesized.Block(r.Body["recording_group"])
		if !isTrue(group["all_supported"]) || (c.Home && !isTrue(group["include_global_resource_types"])) {
			out = append(out, find(r, "does not record every supported resource type (all_supported %v, include_global_resource_types %v)", group["all_supported"], group["include_global_resource_types"]))
		}
	}
	if !c.Home {
		return out
	}
	blocks := c.List("aws_s3_account_public_access_block")
	if len(blocks) == 0 {
		out = append(out, find(stack, "no account-level S3 Block Public Access"))
	}
	for _, b := range blocks {
		for _, f := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
			if !isTrue(b[f]) {
				out = append(out, find(stack, "account-level S3 Block Public Access: %s is not true", f))
			}
		}
	}
	policies := c.Of("aws_iam_account_password_policy")
	if len(policies) == 0 {
		out = append(out, find(stack, "no account password policy"))
	}
	for _, p := range policies {
		out = append(out, passwordProblems(p)...)
	}
	return out
}

func passwordProblems(p synthesized.Resource) (out []Finding) {
	number := func(attr string) float64 { n, _ := p.Body[attr].(float64); return n }
	if n := number("minimum_password_length"); n < MinPasswordLength {
		out = append(out, find(p, "minimum_password_length = %v, at least %d", n, MinPasswordLength))
	}
	if n := number("password_reuse_prevention"); n < MinPasswordsReused {
		out = append(out, find(p, "password_reuse_prevention = %v, at least %d", n, MinPasswordsReused))
	}
	if n := number("max_password_age"); n <= 0 || n > MaxPasswordAgeDays {
		out = append(out, find(p, "max_password_age = %v, 1 to %d days", n, MaxPasswordAgeDays))
	}
	for _, attr := range []string{"require_lowercase_characters", "require_uppercase_characters", "require_numbers", "require_symbols"} {
		if !isTrue(p.Body[attr]) {
			out = append(out, find(p, "%s is not true", attr))
		}
	}
	return out
}

// dnsFirewallEnforced: the DNS Firewall of every VPC fails closed and its rule group ends in a
// rule that blocks every name no earlier rule allowed.
func dnsFirewallEnforced(c *Context) (out []Finding) {
	for _, a := range c.Of("aws_route53_resolver_firewall_rule_group_association") {
		vpc, group := a.Body["vpc_id"], a.Body["firewall_rule_group_id"]
		closed := slices.ContainsFunc(c.List("aws_route53_resolver_firewall_config"), func(f synthesized.Body) bool {
			return f["resource_id"] == vpc && f["firewall_fail_open"] == "DISABLED"
		})
		if !closed {
			out = append(out, find(a, "the VPC's DNS Firewall does not fail closed (aws_route53_resolver_firewall_config firewall_fail_open = DISABLED)"))
		}
		var last synthesized.Body
		for _, r := range c.List("aws_route53_resolver_firewall_rule") {
			if r["firewall_rule_group_id"] != group {
				continue
			}
			if p, _ := r["priority"].(float64); last == nil || p > last["priority"].(float64) {
				last = r
			}
		}
		if last == nil || last["action"] != "BLOCK" || !c.catchAll(last["firewall_domain_list_id"]) {
			out = append(out, find(a, "the rule group's last rule does not block every domain (a BLOCK rule over the list %q)", catchAllDomain))
		} else if r := last["block_response"]; r != "NXDOMAIN" && r != "NODATA" {
			out = append(out, find(a, "the block-everything rule answers %v, not NXDOMAIN or NODATA (an OVERRIDE sends names elsewhere)", r))
		}
	}
	return out
}

// catchAll reports whether a domain list reference names a list of every domain.
func (c *Context) catchAll(list any) bool {
	l, ok := c.Ref(list)
	domains := synthesized.Strings(l.Body["domains"])
	return ok && len(domains) == 1 && (domains[0] == catchAllDomain || domains[0] == "*")
}

// firewallDropsByDefault: every Network Firewall policy drops what its rule groups do not pass
// and has at least one stateful rule group.
func firewallDropsByDefault(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_networkfirewall_firewall_policy") {
		p := synthesized.Block(r.Body["firewall_policy"])
		stateful := synthesized.Strings(p["stateful_default_actions"])
		if !slices.Contains(stateful, "aws:drop_established") && !slices.Contains(stateful, "aws:drop_strict") {
			out = append(out, find(r, "stateful_default_actions %v do not drop (aws:drop_established or aws:drop_strict)", stateful))
		}
		for _, attr := range []string{"stateless_default_actions", "stateless_fragment_default_actions"} {
			a := synthesized.Strings(p[attr])
			if !slices.Contains(a, "aws:forward_to_sfe") && !slices.Contains(a, "aws:drop") {
				out = append(out, find(r, "%s %v neither drop nor forward to the stateful engine", attr, a))
			}
		}
		if len(synthesized.Blocks(p["stateful_rule_group_reference"])) == 0 {
			out = append(out, find(r, "no stateful rule group"))
		}
		if o := synthesized.Block(p["stateful_engine_options"])["rule_order"]; o != "STRICT_ORDER" {
			out = append(out, find(r, "stateful rule order %v, not STRICT_ORDER: the default action would not come last", o))
		}
		for _, ref := range synthesized.Blocks(p["stateful_rule_group_reference"]) {
			if g, ok := c.Ref(ref["resource_arn"]); ok {
				out = append(out, allowlistProblems(g)...)
			}
		}
	}
	return out
}

// allowlistProblems: a stateful rule group of the egress firewall lets out only TLS (by SNI)
// and HTTP (by Host) to the names it lists, in strict order.
func allowlistProblems(g synthesized.Resource) (out []Finding) {
	rg := synthesized.Block(g.Body["rule_group"])
	list := synthesized.Block(synthesized.Block(rg["rules_source"])["rules_source_list"])
	if list == nil || list["generated_rules_type"] != "ALLOWLIST" {
		return []Finding{find(g, "not a domain ALLOWLIST: the egress firewall's rule group lets out only listed names")}
	}
	for _, t := range synthesized.Strings(list["target_types"]) {
		if t != "TLS_SNI" && t != "HTTP_HOST" {
			out = append(out, find(g, "target type %s: only TLS_SNI and HTTP_HOST", t))
		}
	}
	if o := synthesized.Block(rg["stateful_rule_options"])["rule_order"]; o != "STRICT_ORDER" {
		out = append(out, find(g, "rule order %v, not STRICT_ORDER", o))
	}
	return out
}

// subjectSegments are the parts of an OIDC token subject that name one identity: every value of
// a Terraform Cloud subject but the run phase, and every part of a GitHub subject.
var (
	terraformSubject = regexp.MustCompile(`^organization:([^:]+):project:([^:]+):workspace:([^:]+):run_phase:([^:]+)$`)
	githubSubject    = regexp.MustCompile(`^repo:([^:/]+/[^:]+):(environment|ref|pull_request|job_workflow_ref)(?::(.+))?$`)
)

// federatedTrustExact: every role trusted by an OIDC identity provider checks the token's
// audience and accepts one workspace, repository and environment or branch: no wildcard there.
func federatedTrustExact(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_iam_role") {
		if !c.Known(r.Body["assume_role_policy"]) {
			continue
		}
		statements, err := statementsOf(r.Body["assume_role_policy"])
		if err != nil {
			continue // SP-IAM-002 reports a document it cannot read
		}
		for _, s := range statements {
			if s.Effect != "Allow" || federatedIssuer(s.Principal) == "" {
				continue
			}
			out = append(out, trustProblems(r, s)...)
		}
	}
	return out
}

// federatedIssuer is the host of an OIDC provider principal ("" for any other principal).
func federatedIssuer(p any) string {
	m, _ := p.(map[string]any)
	for _, arn := range oneOrMany(m["Federated"]) {
		if _, host, ok := strings.Cut(arn, ":oidc-provider/"); ok {
			return host
		}
	}
	return ""
}

func trustProblems(r synthesized.Resource, s statement) (out []Finding) {
	host := federatedIssuer(s.Principal)
	if aud := oneOrMany(s.Condition["StringEquals"][host+":aud"]); len(aud) != 1 || strings.ContainsAny(aud[0], "*?") {
		out = append(out, find(r, "the trust of %s does not check one exact audience (StringEquals %s:aud)", host, host))
	}
	subjects := append(oneOrMany(s.Condition["StringEquals"][host+":sub"]), oneOrMany(s.Condition["StringLike"][host+":sub"])...)
	if len(subjects) == 0 {
		return append(out, find(r, "the trust of %s checks no subject: any identity of the issuer may assume the role", host))
	}
	for _, sub := range subjects {
		if problem := subjectProblem(sub); problem != "" {
			out = append(out, find(r, "subject %q %s", sub, problem))
		}
	}
	return out
}

// subjectProblem says how a subject matches more than one workspace, repository or
// environment/branch ("" when it matches one).
func subjectProblem(sub string) string {
	wild := func(parts ...string) bool {
		return slices.ContainsFunc(parts, func(p string) bool { return strings.ContainsAny(p, "*?") })
	}
	if m := terraformSubject.FindStringSubmatch(sub); m != nil {
		if wild(m[1:4]...) {
			return "matches more than one Terraform Cloud organization, project or workspace"
		}
		if m[4] != "plan" && m[4] != "apply" {
			return "accepts every run phase: a plan (of any pull request) would hold the apply role's rights"
		}
		return ""
	}
	if m := githubSubject.FindStringSubmatch(sub); m != nil {
		if wild(m[1], m[3]) {
			return "matches more than one repository, environment or branch"
		}
		return ""
	}
	return fmt.Sprintf("has no known issuer's form (organization:...:workspace:... or repo:owner/name:...)%s", map[bool]string{true: " and a wildcard", false: ""}[strings.ContainsAny(sub, "*?")])
}

var imageDigest = regexp.MustCompile(imageDigestTemplate)

// imagesByDigest: every container runs an image pinned by digest (repository@sha256:...), the
// bytes that were tested, never a tag anyone can move.
func imagesByDigest(c *Context) []Finding {
	return eachContainer(c, func(r synthesized.Resource, d container) []Finding {
		if !imageDigest.MatchString(d.Image) {
			return []Finding{find(r, "container %s runs %q, not an image by digest (repository@sha256:<64 hex>)", d.Name, d.Image)}
		}
		return nil
	})
}

// controlsDisabledOnlyByExceptions: a Security Hub control association is DISABLED only for a
// control a recorded exception disables, with its reason.
func controlsDisabledOnlyByExceptions(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_securityhub_standards_control_association") {
		if r.Body["association_status"] != "DISABLED" {
			continue
		}
		control := fmt.Sprint(r.Body["security_control_id"])
		reason, ok := c.Disabled[control]
		switch {
		case !ok:
			out = append(out, find(r, "disables %s, which no recorded exception names (stacks/judge/exceptions.go)", control))
		case r.Body["updated_reason"] != reason:
			out = append(out, find(r, "disables %s with another reason than its exception's", control))
		}
	}
	return out
}
