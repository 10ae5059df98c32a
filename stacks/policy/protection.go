package policy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/scalepayments/infra/stacks/synthesized"
)

func dataStoresBackedUp(c *Context) (out []Finding) {
	floors := c.Stage.Floors()
	protected := floors.Protected
	for _, r := range c.Of("aws_rds_cluster") {
		if days, _ := r.Body["backup_retention_period"].(float64); days < float64(max(7, floors.MinBackupRetentionDays)) {
			out = append(out, find(r, "backup_retention_period = %v, stage %s needs %d days", days, c.Stage, max(7, floors.MinBackupRetentionDays)))
		}
		if protected && (!isTrue(r.Body["deletion_protection"]) || isTrue(r.Body["skip_final_snapshot"])) {
			out = append(out, find(r, "deletion protection off or final snapshot skipped in stage %s", c.Stage))
		}
		if lc, _ := r.Body["lifecycle"].(synthesized.Body); floors.PreventDestroy && !isTrue(lc["prevent_destroy"]) {
			out = append(out, find(r, "no lifecycle prevent_destroy in stage %s", c.Stage))
		}
	}
	for _, r := range c.Of("aws_elasticache_replication_group") {
		if days, _ := r.Body["snapshot_retention_limit"].(float64); protected && (days < 1 || empty(r.Body["final_snapshot_identifier"])) {
			out = append(out, find(r, "no snapshots or no final snapshot outside development"))
		}
	}
	for _, r := range c.Of("aws_lb") {
		if protected && !isTrue(r.Body["enable_deletion_protection"]) {
			out = append(out, find(r, "deletion protection off outside development"))
		}
	}
	return out
}

func wafAttached(c *Context) (out []Finding) {
	if !c.Stage.Floors().WAF {
		return nil
	}
	for _, lb := range c.Of("aws_lb") {
		attached := false
		for _, a := range c.List("aws_wafv2_web_acl_association") {
			if ref, ok := c.Ref(a["resource_arn"]); ok && ref.Name == lb.Name {
				attached = true
			}
		}
		if !attached {
			out = append(out, find(lb, "no WAF web ACL is associated"))
		}
	}
	return out
}

func stageFloors(c *Context) (out []Finding) {
	floors := c.Stage.Floors()
	if floors.NoWildcardCORS {
		for _, r := range c.Of("aws_apigatewayv2_api") {
			for _, cors := range synthesized.Blocks(r.Body["cors_configuration"]) {
				if slices.Contains(synthesized.Strings(cors["allow_origins"]), "*") {
					out = append(out, find(r, "CORS allows any origin in stage %s", c.Stage))
				}
			}
		}
	}
	if !floors.ReadOnlyRoot {
		return out
	}
	for _, r := range c.Of("aws_ecs_service") {
		if isTrue(r.Body["enable_execute_command"]) {
			out = append(out, find(r, "ECS Exec is on in stage %s", c.Stage))
		}
	}
	for _, r := range c.Of("aws_ecs_task_definition") {
		var defs []struct {
			Name                   string
			ReadonlyRootFilesystem bool
		}
		if err := json.Unmarshal([]byte(fmt.Sprint(r.Body["container_definitions"])), &defs); err != nil {
			out = append(out, find(r, "container_definitions is not valid JSON: %v", err))
		}
		for _, d := range defs {
			if !d.ReadonlyRootFilesystem {
				out = append(out, find(r, "container %s has a writable root filesystem in stage %s", d.Name, c.Stage))
			}
		}
	}
	return out
}

func baselinePresent(c *Context) (out []Finding) {
	if c.Account == nil || !c.Stage.Floors().AccountBaseline {
		return nil
	}
	stack := synthesized.Resource{Type: "stack", Name: "baseline"}
	enabled := func(typ, attr string) bool {
		for _, r := range c.List(typ) {
			if attr == "" || isTrue(r[attr]) {
				return true
			}
		}
		return false
	}
	if !enabled("aws_guardduty_detector", "enable") {
		out = append(out, find(stack, "no enabled GuardDuty detector"))
	}
	if !enabled("aws_config_configuration_recorder", "") || !enabled("aws_config_delivery_channel", "") || !enabled("aws_config_configuration_recorder_status", "is_enabled") {
		out = append(out, find(stack, "no enabled AWS Config recorder with a delivery channel"))
	}
	trailOK := false
	for _, t := range c.List("aws_cloudtrail") {
		trailOK = trailOK || (isTrue(t["is_multi_region_trail"]) && isTrue(t["enable_log_file_validation"]) && !empty(t["kms_key_id"]) && !empty(t["cloud_watch_logs_group_arn"]))
	}
	if c.Home && !trailOK {
		out = append(out, find(stack, "no multi-region CloudTrail with log file validation, KMS and CloudWatch delivery"))
	}
	pci := false
	for _, s := range c.List("aws_securityhub_standards_subscription") {
		pci = pci || strings.HasSuffix(fmt.Sprint(s["standards_arn"]), PCIStandard)
	}
	if !pci {
		out = append(out, find(stack, "Security Hub does not run the PCI DSS v4.0.1 standard"))
	}
	return out
}

// PCIStandard ends the ARN of Security Hub's PCI DSS v4.0.1 standard.
const PCIStandard = "standards/pci-dss/v/4.0.1"

func accountPinned(c *Context) (out []Finding) {
	providers, _ := c.Root["provider"].(synthesized.Body)
	for _, p := range synthesized.Blocks(providers["aws"]) {
		if len(synthesized.Strings(p["allowed_account_ids"])) == 0 {
			out = append(out, find(synthesized.Resource{Type: "provider", Name: "aws"}, "no allowed_account_ids: the stack could be applied to any account"))
		}
	}
	return out
}
