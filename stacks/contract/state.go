package contract

import (
	"fmt"
	"strings"

	"github.com/scalepayments/infra/stacks/synthesized"
)

func autoscaledCountIgnored(c *Context) (out []Violation) {
	for _, t := range c.Of("aws_appautoscaling_target") {
		if t.Body["scalable_dimension"] != "ecs:service:DesiredCount" {
			continue
		}
		for _, addr := range c.Graph[t.Address()] {
			if s, ok := c.Ref("${" + addr + ".id}"); ok && s.Type == "aws_ecs_service" && !ignored(s, "desired_count") {
				out = append(out, violation(s, "autoscaling owns desired_count: add it to lifecycle.ignore_changes"))
			}
		}
	}
	return out
}

func backupSettingsOwned(c *Context) (out []Violation) {
	for _, sel := range c.Of("aws_backup_selection") {
		plan, ok := c.Ref(sel.Body["plan_id"])
		if !ok {
			continue
		}
		var days []any
		for _, rule := range synthesized.Blocks(plan.Body["rule"]) {
			if rule["enable_continuous_backup"] == true {
				days = append(days, synthesized.Block(rule["lifecycle"])["delete_after"])
			}
		}
		if len(days) == 0 {
			continue
		}
		for _, res := range synthesized.Strings(sel.Body["resources"]) {
			cl, ok := c.Ref(res)
			if !ok || cl.Type != "aws_rds_cluster" {
				continue
			}
			for _, attr := range []string{"backup_retention_period", "preferred_backup_window"} {
				if !ignored(cl, attr) {
					out = append(out, violation(cl, "AWS Backup owns %s once it backs the cluster up: add it to lifecycle.ignore_changes", attr))
				}
			}
			if fmt.Sprint(cl.Body["backup_retention_period"]) != fmt.Sprint(days[0]) {
				out = append(out, violation(cl, "backup_retention_period = %v, the continuous backup keeps %v days: RDS refuses any other value once AWS Backup holds it", cl.Body["backup_retention_period"], days[0]))
			}
		}
	}
	return out
}

func minorVersionsOwned(c *Context) (out []Violation) {
	for _, in := range c.Of("aws_rds_cluster_instance") {
		if in.Body["auto_minor_version_upgrade"] == false {
			continue
		}
		if !ignored(in, "engine_version") {
			out = append(out, violation(in, "RDS upgrades the minor version: add engine_version to lifecycle.ignore_changes"))
		}
		if cl, ok := c.Ref(in.Body["cluster_identifier"]); ok && !ignored(cl, "engine_version") {
			out = append(out, violation(cl, "RDS upgrades the minor version of its instance %s: add engine_version to lifecycle.ignore_changes", in.Address()))
		}
	}
	for _, r := range c.Of("aws_elasticache_replication_group") {
		if r.Body["auto_minor_version_upgrade"] != false && !ignored(r, "engine_version") {
			out = append(out, violation(r, "ElastiCache upgrades the minor version: add engine_version to lifecycle.ignore_changes"))
		}
	}
	return out
}

func vaultLocksSetOnce(c *Context) (out []Violation) {
	for _, l := range c.Of("aws_backup_vault_lock_configuration") {
		for _, attr := range []string{"min_retention_days", "max_retention_days", "changeable_for_days"} {
			if !ignored(l, attr) {
				out = append(out, violation(l, "a change of %s would replace the lock: add it to lifecycle.ignore_changes", attr))
			}
		}
	}
	return out
}

func domainListsQualified(c *Context) (out []Violation) {
	for _, l := range c.Of("aws_route53_resolver_firewall_domain_list") {
		for _, d := range synthesized.Strings(l.Body["domains"]) {
			if !strings.HasSuffix(d, ".") {
				out = append(out, violation(l, "%q comes back as %q: every plan would show a change", d, d+"."))
			}
		}
	}
	return out
}

func nothingForgotten(c *Context) (out []Violation) {
	for _, r := range c.Deletes {
		if left, ok := ForgottenOnDelete[r.Type]; ok {
			out = append(out, violation(r, "the plan deletes it, but the provider only forgets it: %s", left))
		}
	}
	return out
}

func dnsMutationProtection(c *Context) (out []Violation) {
	want := map[bool]string{true: "ENABLED", false: "DISABLED"}[c.Protected]
	for _, a := range c.Of("aws_route53_resolver_firewall_rule_group_association") {
		if got := a.Body["mutation_protection"]; got != want {
			out = append(out, violation(a, "mutation_protection = %v, stage %s wants %s (set it: the provider keeps what AWS has when it is left out)", got, c.Stage, want))
		}
	}
	return out
}

func firewallProtection(c *Context) (out []Violation) {
	for _, f := range c.Of("aws_networkfirewall_firewall") {
		for _, attr := range []string{"delete_protection", "subnet_change_protection", "firewall_policy_change_protection"} {
			if got := f.Body[attr]; got != c.Protected {
				out = append(out, violation(f, "%s = %v, stage %s wants %v", attr, got, c.Stage, c.Protected))
			}
		}
	}
	return out
}

func deletionProtection(c *Context) (out []Violation) {
	want := c.Stage.Floors().Protected
	for _, typ := range []string{"aws_lb", "aws_rds_cluster"} {
		attr := map[string]string{"aws_rds_cluster": "deletion_protection", "aws_lb": "enable_deletion_protection"}[typ]
		for _, r := range c.Of(typ) {
			if got := r.Body[attr] == true; got != want {
				out = append(out, violation(r, "%s = %v, stage %s wants %v", attr, got, c.Stage, want))
			}
		}
	}
	return out
}
