package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/stacks/synthesized"
)

func dataStoresBackedUp(c *Context) (out []Finding) {
	floors := c.Stage.Floors()
	protected := floors.Protected
	for _, r := range c.Of("aws_rds_cluster") {
		if days, by := c.retentionOf(r); days < float64(max(7, floors.MinBackupRetentionDays)) {
			out = append(out, find(r, "%s = %v, stage %s needs %d days", by, days, c.Stage, max(7, floors.MinBackupRetentionDays)))
		}
		if protected && (!isTrue(r.Body["deletion_protection"]) || isTrue(r.Body["skip_final_snapshot"])) {
			out = append(out, find(r, "deletion protection off or final snapshot skipped in stage %s", c.Stage))
		}
		// A plan does not show lifecycle meta-arguments: its synthesized configuration is judged.
		if lc, _ := r.Body["lifecycle"].(synthesized.Body); floors.PreventDestroy && !c.Plan && !isTrue(lc["prevent_destroy"]) {
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
	return append(out, eachContainer(c, func(r synthesized.Resource, d container) []Finding {
		if d.ReadonlyRootFilesystem {
			return nil
		}
		return []Finding{find(r, "container %s has a writable root filesystem in stage %s", d.Name, c.Stage)}
	})...)
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
		pci = pci || strings.HasSuffix(fmt.Sprint(s["standards_arn"]), "standards/"+help.PCIStandard)
	}
	if !pci {
		out = append(out, find(stack, "Security Hub does not run the PCI DSS v4.0.1 standard"))
	}
	return out
}

// accounts are the accounts the stack's providers are pinned to.
func (c *Context) accounts() (out []string) {
	for _, p := range c.Providers() {
		out = append(out, synthesized.Strings(p["allowed_account_ids"])...)
	}
	return out
}

func accountPinned(c *Context) (out []Finding) {
	for _, p := range c.Providers() {
		if len(synthesized.Strings(p["allowed_account_ids"])) == 0 {
			out = append(out, find(synthesized.Resource{Type: "provider", Name: "aws"}, "no allowed_account_ids: the stack could be applied to any account"))
		}
	}
	return out
}

// backupsProtected: where the stage requires it, every Aurora cluster is selected by ARN in an
// AWS Backup plan whose vault is locked at least in the stage's mode and, where the stage
// requires it, copied to a vault of another region (another provider).
func backupsProtected(c *Context) (out []Finding) {
	f := c.Stage.Floors()
	if f.BackupLock == "" && !f.CrossRegionBackup {
		return nil
	}
	for _, cl := range c.Of("aws_rds_cluster") {
		rules := c.backupRulesOf(cl)
		if len(rules) == 0 {
			out = append(out, find(cl, "not selected by ARN in any AWS Backup plan in stage %s", c.Stage))
			continue
		}
		var problems []string // of the first rule, unless some rule has none
		for i, rule := range rules {
			p := c.ruleProblems(rule, f)
			if len(p) == 0 {
				problems = nil
				break
			}
			if i == 0 {
				problems = p
			}
		}
		if len(problems) > 0 {
			out = append(out, find(cl, "%s", strings.Join(problems, "; ")))
		}
	}
	return out
}

func (c *Context) ruleProblems(rule synthesized.Body, f envconfig.Floors) []string {
	var problems []string
	vault, _ := c.Ref(rule["target_vault_name"])
	if mode := c.lockMode(vault); mode == "" || (f.BackupLock == envconfig.LockCompliance && mode != envconfig.LockCompliance) {
		problems = append(problems, fmt.Sprintf("vault %s is not locked in %s mode", vault.Name, f.BackupLock))
	}
	if f.CrossRegionBackup && !c.copiedToAnotherRegion(rule, vault) {
		problems = append(problems, "no copy to a vault in another region")
	}
	return problems
}

// retentionOf is how long a cluster's point-in-time backups are kept, and what says so: AWS
// Backup's continuous rule where a plan selects the cluster (it owns the cluster's automated
// backups then), else the cluster's own backup_retention_period.
func (c *Context) retentionOf(cluster synthesized.Resource) (float64, string) {
	days, by := -1.0, ""
	for _, rule := range c.backupRulesOf(cluster) {
		if d, _ := synthesized.Block(rule["lifecycle"])["delete_after"].(float64); isTrue(rule["enable_continuous_backup"]) && d > days {
			days, by = d, "the AWS Backup continuous rule's lifecycle.delete_after"
		}
	}
	if by == "" {
		days, _ = cluster.Body["backup_retention_period"].(float64)
		by = "backup_retention_period"
	}
	return days, by
}

// backupRulesOf are the rules of every backup plan whose selection names the cluster's ARN.
func (c *Context) backupRulesOf(cluster synthesized.Resource) []synthesized.Body {
	var rules []synthesized.Body
	for _, sel := range c.List("aws_backup_selection") {
		if !slices.Contains(synthesized.Strings(sel["resources"]), synthesized.RefTo(cluster.Type, cluster.Name, "arn")) {
			continue
		}
		if plan, ok := c.Ref(sel["plan_id"]); ok {
			rules = append(rules, synthesized.Blocks(plan.Body["rule"])...)
		}
	}
	return rules
}

// lockMode is the vault's lock: compliance (changeable_for_days set), governance, or "".
func (c *Context) lockMode(vault synthesized.Resource) string {
	lock, ok := configOf(c, "aws_backup_vault_lock_configuration", "backup_vault_name", vault)
	switch {
	case !ok:
		return ""
	case lock["changeable_for_days"] != nil:
		return envconfig.LockCompliance
	}
	return envconfig.LockGovernance
}

func (c *Context) copiedToAnotherRegion(rule synthesized.Body, vault synthesized.Resource) bool {
	for _, cp := range synthesized.Blocks(rule["copy_action"]) {
		if dest, ok := c.Ref(cp["destination_vault_arn"]); ok && dest.Type == "aws_backup_vault" && dest.Body["provider"] != vault.Body["provider"] {
			return true
		}
	}
	return false
}

// vaultsEncrypted: every backup vault names a customer-managed key of the stack.
func vaultsEncrypted(c *Context) (out []Finding) {
	for _, v := range c.Of("aws_backup_vault") {
		if key, ok := c.Ref(v.Body["kms_key_arn"]); !ok || key.Type != "aws_kms_key" {
			out = append(out, find(v, "kms_key_arn is %v, not a customer-managed key of the stack", v.Body["kms_key_arn"]))
		}
	}
	return out
}

// baselineDepth: where the stage requires the baseline, GuardDuty also watches Lambda and
// runtime activity, the home trail keeps management events and logs S3 object events, and the
// audit bucket is under Object Lock.
func baselineDepth(c *Context) (out []Finding) {
	if c.Account == nil || !c.Stage.Floors().AccountBaseline {
		return nil
	}
	stack := synthesized.Resource{Type: "stack", Name: "baseline"}
	features := map[string]bool{}
	for _, f := range c.List("aws_guardduty_detector_feature") {
		features[fmt.Sprint(f["name"])] = f["status"] == "ENABLED"
	}
	for _, f := range []string{"LAMBDA_NETWORK_LOGS", "RUNTIME_MONITORING", "RDS_LOGIN_EVENTS", "S3_DATA_EVENTS"} {
		if !features[f] {
			out = append(out, find(stack, "GuardDuty feature %s is not enabled", f))
		}
	}
	if c.Home {
		management, objects := false, false
		for _, t := range c.List("aws_cloudtrail") {
			for _, sel := range synthesized.Blocks(t["advanced_event_selector"]) {
				fields := map[string][]string{}
				for _, f := range synthesized.Blocks(sel["field_selector"]) {
					fields[fmt.Sprint(f["field"])] = synthesized.Strings(f["equals"])
				}
				management = management || slices.Equal(fields["eventCategory"], []string{"Management"})
				objects = objects || (slices.Equal(fields["eventCategory"], []string{"Data"}) && slices.Equal(fields["resources.type"], []string{"AWS::S3::Object"}))
			}
		}
		if !management || !objects {
			out = append(out, find(stack, "the trail does not log both management events and S3 object events"))
		}
	}
	locked := false
	for _, l := range c.List("aws_s3_bucket_object_lock_configuration") {
		locked = locked || (l["object_lock_enabled"] == "Enabled" && synthesized.Block(synthesized.Block(l["rule"])["default_retention"]) != nil)
	}
	if !locked {
		out = append(out, find(stack, "no bucket has an Object Lock default retention (the audit bucket needs one)"))
	}
	return out
}
