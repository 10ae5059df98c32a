package policy

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// The rules of this file guard promises the README makes that no Security Hub control checks.

// CardNumbers is AWS's managed data identifier for payment card numbers.
const CardNumbers = "arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"

// singleEntry: no internet-facing load balancer, and no API's default execute-api endpoint
// (which bypasses the custom domain's TLS policy and mapping).
func singleEntry(c *Context) (out []Finding) {
	out = attrEquals("aws_lb", "internal", true)(c)
	for _, r := range c.Of("aws_apigatewayv2_api") {
		if !isTrue(r.Body["disable_execute_api_endpoint"]) {
			out = append(out, find(r, "the default execute-api endpoint is on"))
		}
	}
	return out
}

// noLongLivedKeys: no IAM user, access key or console password: people and pipelines reach AWS
// through roles with temporary credentials (Terraform Cloud and GitHub OIDC, human roles).
func noLongLivedKeys(c *Context) (out []Finding) {
	for _, typ := range []string{"aws_iam_user", "aws_iam_access_key", "aws_iam_user_login_profile"} {
		for _, r := range c.Of(typ) {
			out = append(out, find(r, "a long-lived identity or key (%s): use a role with temporary credentials", typ))
		}
	}
	return out
}

// restoresTested: where the stage requires it, AWS Backup restores every backed-up Aurora cluster
// on a schedule, from the vault its plan writes to (a cluster no plan backs up is SP-BAK-002's).
func restoresTested(c *Context) (out []Finding) {
	if !c.Stage.Floors().RestoreTesting {
		return nil
	}
	for _, cl := range c.Of("aws_rds_cluster") {
		if len(c.backupRulesOf(cl)) == 0 {
			continue
		}
		arn := synthesized.RefTo(cl.Type, cl.Name, "arn")
		selected := slices.ContainsFunc(c.List("aws_backup_restore_testing_selection"), func(s synthesized.Body) bool {
			plan, ok := c.Ref(s["restore_testing_plan_name"])
			return ok && slices.Contains(synthesized.Strings(s["protected_resource_arns"]), arn) && c.testsAVaultOf(plan, cl)
		})
		if !selected {
			out = append(out, find(cl, "no restore testing plan restores it from its backup vault in stage %s", c.Stage))
		}
	}
	return out
}

// testsAVaultOf reports whether a restore testing plan picks recovery points from a vault the
// cluster's backup rules write to.
func (c *Context) testsAVaultOf(plan, cluster synthesized.Resource) bool {
	vaults := synthesized.Strings(synthesized.Block(plan.Body["recovery_point_selection"])["include_vaults"])
	for _, rule := range c.backupRulesOf(cluster) {
		if v, ok := c.Ref(rule["target_vault_name"]); ok && slices.Contains(vaults, synthesized.RefTo(v.Type, v.Name, "arn")) {
			return true
		}
	}
	return false
}

// cardNumbersMasked: every log group a container writes to masks payment card numbers (a
// CloudWatch Logs data protection policy that de-identifies AWS's CreditCardNumber identifier).
func cardNumbersMasked(c *Context) []Finding {
	masked := map[any]bool{}
	for _, p := range c.List("aws_cloudwatch_log_data_protection_policy") {
		if c.Known(p["policy_document"]) && deidentifiesCards(fmt.Sprint(p["policy_document"])) {
			masked[p["log_group_name"]] = true
		}
	}
	return eachContainer(c, func(r synthesized.Resource, d container) []Finding {
		if group, ok := d.LogConfiguration.Options["awslogs-group"]; ok && !masked[group] {
			return []Finding{find(r, "container %s logs to %s, which does not mask card numbers", d.Name, group)}
		}
		return nil
	})
}

// protectionStatement is what the rule reads of a data protection policy statement.
type protectionStatement struct {
	DataIdentifier []string
	Operation      struct{ Deidentify *struct{} }
}

func deidentifiesCards(document string) bool {
	var doc struct{ Statement []protectionStatement }
	if json.Unmarshal([]byte(document), &doc) != nil {
		return false
	}
	return slices.ContainsFunc(doc.Statement, func(s protectionStatement) bool {
		return s.Operation.Deidentify != nil && slices.Contains(s.DataIdentifier, CardNumbers)
	})
}

// planRolesReadOnly: a role that Terraform Cloud plans assume (run_phase:plan) only reads: its
// policies allow Describe/Get/List verbs alone, deny every data read (iam.DataReads) outright,
// and no managed policy is attached whose content the pack cannot see.
func planRolesReadOnly(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_iam_role") {
		if !c.Known(r.Body["assume_role_policy"]) || !trustsPlans(r) {
			continue
		}
		if !empty(r.Body["managed_policy_arns"]) || len(c.roleUses(r, "aws_iam_role_policy_attachment")) > 0 {
			out = append(out, find(r, "a plan role with a managed policy attached: its permissions must be its inline read-only policy"))
		}
		var statements []statement
		for _, p := range c.roleUses(r, "aws_iam_role_policy") {
			if !c.Known(p["policy"]) {
				continue
			}
			s, err := statementsOf(p["policy"])
			if err != nil {
				continue // SP-IAM-001 reports a document it cannot read
			}
			statements = append(statements, s...)
		}
		out = append(out, readOnlyProblems(r, statements)...)
	}
	return out
}

// trustsPlans reports whether a role's trust accepts Terraform Cloud tokens of the plan phase.
func trustsPlans(r synthesized.Resource) bool {
	statements, _ := statementsOf(r.Body["assume_role_policy"])
	for _, s := range statements {
		host := federatedIssuer(s.Principal)
		if s.Effect != "Allow" || host == "" {
			continue
		}
		for _, sub := range append(oneOrMany(s.Condition["StringEquals"][host+":sub"]), oneOrMany(s.Condition["StringLike"][host+":sub"])...) {
			if m := terraformSubject.FindStringSubmatch(sub); m != nil && iam.Matches(m[4], "plan") {
				return true
			}
		}
	}
	return false
}

// roleUses are the bodies of the resources of typ whose role is r (by reference or, in a plan,
// by name).
func (c *Context) roleUses(r synthesized.Resource, typ string) (out []synthesized.Body) {
	for _, p := range c.List(typ) {
		if ref, ok := c.Ref(p["role"]); (ok && ref.Type == r.Type && ref.Name == r.Name) || (p["role"] == r.Body["name"] && !empty(p["role"])) {
			out = append(out, p)
		}
	}
	return out
}

// readOnlyProblems: every allowed action reads, and each data read an allowed pattern reaches is
// denied by an unconditional statement.
func readOnlyProblems(r synthesized.Resource, statements []statement) (out []Finding) {
	var allowed, denied []string
	for _, s := range statements {
		switch {
		case s.Effect == "Allow" && s.NotAction != nil:
			out = append(out, find(r, "statement %q allows NotAction: everything but a list, writes included", s.Sid))
		case s.Effect == "Allow":
			allowed = append(allowed, oneOrMany(s.Action)...)
		case s.Effect == "Deny" && len(s.Condition) == 0 && slices.Contains(oneOrMany(s.Resource), "*"):
			denied = append(denied, oneOrMany(s.Action)...)
		}
	}
	for _, a := range allowed {
		if !iam.ReadOnly(a) {
			out = append(out, find(r, "a plan role allows %s, which is not a read (Describe/Get/List)", a))
		}
	}
	matches := func(patterns []string, action string) bool {
		return slices.ContainsFunc(patterns, func(p string) bool { return iam.Matches(p, action) })
	}
	for _, d := range iam.DataReads {
		if matches(allowed, d) && !matches(denied, d) {
			out = append(out, find(r, "a plan role can read data: %s is allowed and not denied", d))
		}
	}
	return out
}
