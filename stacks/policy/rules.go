package policy

import (
	"encoding/json"
	"fmt"
	"github.com/scalepayments/infra/stacks/synthesized"
	"regexp"
	"slices"
	"strings"
)

// Rules is the rule pack, in report order. README.md documents every rule.
var Rules = []Rule{
	{ID: "SP-ENC-001", Severity: High, PCI: "3.5.1", Title: "Aurora and RDS storage is encrypted with a customer-managed KMS key",
		Fix: "set storage_encrypted = true and kms_key_id to the database key (constructs/database)", Check: rdsEncrypted},
	{ID: "SP-ENC-002", Severity: High, PCI: "3.5.1", Title: "ElastiCache is encrypted at rest with a customer-managed KMS key",
		Fix: "set at_rest_encryption_enabled = true and kms_key_id to the cache key (constructs/cache)", Check: redisEncrypted},
	{ID: "SP-ENC-003", Severity: High, PCI: "3.5.1, 10.3.2", Title: "CloudWatch log groups are encrypted with a customer-managed KMS key",
		Fix: "create log groups with constructs/logs, which sets kms_key_id to the logs key", Check: attrSet("aws_cloudwatch_log_group", "kms_key_id")},
	{ID: "SP-ENC-004", Severity: High, PCI: "3.5.1", Title: "S3 buckets are encrypted with a customer-managed KMS key",
		Fix: "create buckets with constructs/bucket and pass KMSKeyARN", Check: bucketsEncrypted},
	{ID: "SP-ENC-005", Severity: Medium, PCI: "3.5.1", Title: "SNS topics are encrypted with a customer-managed KMS key",
		Fix: "set kms_master_key_id to a key of constructs/keys (not alias/aws/sns)", Check: snsEncrypted},
	{ID: "SP-ENC-006", Severity: High, PCI: "3.5.1, 8.3.2", Title: "Secrets Manager secrets, including RDS-managed master secrets, use a customer-managed KMS key",
		Fix: "set kms_key_id on the secret, master_user_secret_kms_key_id on the cluster", Check: secretsEncrypted},
	{ID: "SP-ENC-007", Severity: Medium, PCI: "3.5.1, 6.3.2", Title: "ECR repositories are encrypted with a customer-managed KMS key",
		Fix: "set encryption_configuration { encryption_type = KMS, kms_key = images key }", Check: ecrEncrypted},
	{ID: "SP-KMS-001", Severity: High, PCI: "3.7.4", Title: "KMS keys rotate automatically",
		Fix: "set enable_key_rotation = true (constructs/keys does)", Check: attrEquals("aws_kms_key", "enable_key_rotation", true)},
	{ID: "SP-TLS-001", Severity: High, PCI: "4.2.1", Title: "Aurora PostgreSQL refuses connections without TLS (rds.force_ssl = 1)",
		Fix: "attach a cluster parameter group with rds.force_ssl = 1 (constructs/database)", Check: auroraForcesTLS},
	{ID: "SP-TLS-002", Severity: High, PCI: "4.2.1", Title: "ElastiCache requires TLS in transit",
		Fix: "set transit_encryption_enabled = true and transit_encryption_mode = required", Check: redisRequiresTLS},
	{ID: "SP-TLS-003", Severity: High, PCI: "4.2.1", Title: "Load balancer listeners use HTTPS with a TLS 1.2+ policy, or only redirect to HTTPS",
		Fix: "use protocol HTTPS with ssl_policy " + strongPolicy, Check: listenersUseTLS},
	{ID: "SP-TLS-004", Severity: High, PCI: "4.2.1", Title: "API custom domains negotiate TLS 1.2 or later",
		Fix: "set domain_name_configuration.security_policy = TLS_1_2", Check: apiDomainsTLS},
	{ID: "SP-NET-001", Severity: High, PCI: "1.3.1, 1.4.2", Title: "No security group allows ingress from 0.0.0.0/0 or ::/0",
		Fix: "reference the caller's security group instead of a CIDR (constructs/firewall.Flows)", Check: noWorldIngress},
	{ID: "SP-NET-002", Severity: High, PCI: "1.3.1, 1.4.1", Title: "No load balancer is internet-facing: API Gateway is the only public entry",
		Fix: "set internal = true; expose routes through the API Gateway VPC link", Check: attrEquals("aws_lb", "internal", true)},
	{ID: "SP-NET-003", Severity: High, PCI: "1.3.1, 1.4.4", Title: "Databases are not public and accept connections only from the tasks security group",
		Fix: "keep publicly_accessible = false and allow data-store ports only from the tasks group", Check: dataStoresPrivate},
	{ID: "SP-LOG-001", Severity: High, PCI: "10.2.1", Title: "Every VPC has flow logs capturing ALL traffic",
		Fix: "add an aws_flow_log with traffic_type = ALL (constructs/network)", Check: flowLogs},
	{ID: "SP-LOG-002", Severity: High, PCI: "10.5.1", Title: "Log groups keep at least their stage's retention floor (365 days in production)",
		Fix: "set LogRetentionDays to at least the stage's floor in envconfig (envconfig.Stage.Floors)", Check: retentionFloor},
	{ID: "SP-BAK-001", Severity: High, PCI: "12.10.1, 9.4.1", Title: "Data stores keep backups, and where the stage requires it are deletion-protected with final snapshots (and prevent_destroy)",
		Fix: "the stack derives protection from the stage (envconfig.Stage.Floors); keep backups and Redis snapshots at the stage's floor", Check: dataStoresBackedUp},
	{ID: "SP-SEC-001", Severity: High, PCI: "8.3.2, 8.6.2", Title: "No literal secret (password, token, key material) in the configuration",
		Fix: "use manage_master_user_password, IAM authentication or a Secrets Manager reference", Check: noLiteralSecrets},
	{ID: "SP-SEC-002", Severity: High, PCI: "8.6.2, 3.5.1", Title: "Task definitions pass secrets only through `secrets`, never plain `environment`",
		Fix: "declare the secret on the service in envconfig; it is injected from Secrets Manager", Check: noPlainSecrets},
	{ID: "SP-IAM-001", Severity: High, PCI: "7.2.1, 7.2.2", Title: "IAM policies grant no wildcard actions",
		Fix: "list the exact actions the principal needs", Check: noWildcardActions},
	{ID: "SP-WAF-001", Severity: High, PCI: "6.4.2", Title: "A WAF web ACL protects every ALB where the stage requires WAF",
		Fix: "set WAF = true in envconfig (the stack attaches constructs/waf)", Check: wafAttached},
	{ID: "SP-STG-001", Severity: High, PCI: "2.2.6, 6.4.3", Title: "The stack meets its stage's floors: named CORS origins, read-only root filesystems, no ECS Exec",
		Fix: "meet envconfig.Stage.Floors: name the CORS origins, keep ReadOnlyRootFilesystem on and ExecuteCommand off", Check: stageFloors},
	{ID: "SP-BASE-001", Severity: High, PCI: "10.2.1, 10.3.3, 11.5.1", Title: "GuardDuty, AWS Config and a multi-region, validated CloudTrail exist where the environment owns the account baseline",
		Fix: "set OwnsAccountBaseline in envconfig for exactly one environment per account (constructs/baseline)", Check: baselinePresent},
	{ID: "SP-TAG-001", Severity: Medium, PCI: "12.5.1", Title: "Every taggable resource carries a Name tag (the common tags come from default_tags)",
		Fix: "pass Tags: naming.NameTag(name), or list the type in policy.Untaggable if AWS cannot tag it", Check: tagged},
}

const strongPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// strongPolicies are ALB policies that allow only TLS 1.2 and 1.3.
var strongPolicies = []string{strongPolicy, "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06"}

func find(r synthesized.Resource, format string, args ...any) Finding {
	return Finding{Resource: r, Problem: fmt.Sprintf(format, args...)}
}

func isTrue(v any) bool { return v == true || v == "true" }

func empty(v any) bool { s, ok := v.(string); return v == nil || (ok && s == "") }

func attrSet(typ, attr string) func(*Context) []Finding {
	return func(c *Context) (out []Finding) {
		for _, r := range c.Of(typ) {
			if empty(r.Body[attr]) {
				out = append(out, find(r, "%s is not set", attr))
			}
		}
		return out
	}
}

func attrEquals(typ, attr string, want any) func(*Context) []Finding {
	return func(c *Context) (out []Finding) {
		for _, r := range c.Of(typ) {
			if r.Body[attr] != want {
				out = append(out, find(r, "%s is %v, must be %v", attr, r.Body[attr], want))
			}
		}
		return out
	}
}

func rdsEncrypted(c *Context) (out []Finding) {
	for _, typ := range []string{"aws_rds_cluster", "aws_db_instance"} {
		for _, r := range c.Of(typ) {
			if !isTrue(r.Body["storage_encrypted"]) || empty(r.Body["kms_key_id"]) {
				out = append(out, find(r, "storage is not encrypted with a customer-managed key"))
			}
		}
	}
	return out
}

func redisEncrypted(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_elasticache_replication_group") {
		if !isTrue(r.Body["at_rest_encryption_enabled"]) || empty(r.Body["kms_key_id"]) {
			out = append(out, find(r, "data at rest is not encrypted with a customer-managed key"))
		}
	}
	return out
}

// configOf returns the resource of typ whose bucket attribute references the bucket.
func configOf(c *Context, typ string, bucket synthesized.Resource) (synthesized.Body, bool) {
	for _, r := range c.Of(typ) {
		if ref, ok := c.Ref(r.Body["bucket"]); ok && ref.Name == bucket.Name {
			return r.Body, true
		}
	}
	return nil, false
}

func bucketsEncrypted(c *Context) (out []Finding) {
	for _, b := range c.Of("aws_s3_bucket") {
		sse, ok := configOf(c, "aws_s3_bucket_server_side_encryption_configuration", b)
		if !ok {
			out = append(out, find(b, "no server-side encryption configuration"))
			continue
		}
		rules, _ := sse["rule"].([]any)
		if len(rules) == 0 {
			out = append(out, find(b, "no server-side encryption rule"))
			continue
		}
		def, _ := rules[0].(synthesized.Body)["apply_server_side_encryption_by_default"].(synthesized.Body)
		if def["sse_algorithm"] != "aws:kms" || empty(def["kms_master_key_id"]) {
			out = append(out, find(b, "encrypted with %v, not a customer-managed KMS key", def["sse_algorithm"]))
		}
	}
	return out
}

func snsEncrypted(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_sns_topic") {
		if k, _ := r.Body["kms_master_key_id"].(string); k == "" || strings.HasPrefix(k, "alias/aws/") {
			out = append(out, find(r, "kms_master_key_id is %q, not a customer-managed key", k))
		}
	}
	return out
}

func secretsEncrypted(c *Context) (out []Finding) {
	out = attrSet("aws_secretsmanager_secret", "kms_key_id")(c)
	for _, r := range c.Of("aws_rds_cluster") {
		if isTrue(r.Body["manage_master_user_password"]) && empty(r.Body["master_user_secret_kms_key_id"]) {
			out = append(out, find(r, "the RDS-managed master secret uses the AWS-managed key"))
		}
	}
	return out
}

func ecrEncrypted(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_ecr_repository") {
		cfg, _ := r.Body["encryption_configuration"].([]any)
		if len(cfg) == 0 || cfg[0].(synthesized.Body)["encryption_type"] != "KMS" || empty(cfg[0].(synthesized.Body)["kms_key"]) {
			out = append(out, find(r, "images are not encrypted with a customer-managed key"))
		}
	}
	return out
}

func auroraForcesTLS(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_rds_cluster") {
		pg, ok := c.Ref(r.Body["db_cluster_parameter_group_name"])
		if !ok || !hasParameter(pg.Body, "rds.force_ssl", "1") {
			out = append(out, find(r, "its cluster parameter group does not set rds.force_ssl = 1"))
		}
	}
	return out
}

func hasParameter(group synthesized.Body, name, value string) bool {
	params, _ := group["parameter"].([]any)
	for _, p := range params {
		if p.(synthesized.Body)["name"] == name && p.(synthesized.Body)["value"] == value {
			return true
		}
	}
	return false
}

func redisRequiresTLS(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_elasticache_replication_group") {
		if !isTrue(r.Body["transit_encryption_enabled"]) || r.Body["transit_encryption_mode"] == "preferred" {
			out = append(out, find(r, "clients may connect without TLS"))
		}
	}
	return out
}

func listenersUseTLS(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_lb_listener") {
		switch {
		case r.Body["protocol"] == "HTTPS":
			if p, _ := r.Body["ssl_policy"].(string); !slices.Contains(strongPolicies, p) {
				out = append(out, find(r, "ssl_policy %q allows TLS below 1.2 or weak ciphers", p))
			}
		case !redirectsToHTTPS(r.Body):
			out = append(out, find(r, "plain %v listener that does not only redirect to HTTPS", r.Body["protocol"]))
		}
	}
	return out
}

func redirectsToHTTPS(l synthesized.Body) bool {
	actions, _ := l["default_action"].([]any)
	if len(actions) != 1 {
		return false
	}
	redirect, _ := actions[0].(synthesized.Body)["redirect"].(synthesized.Body)
	return actions[0].(synthesized.Body)["type"] == "redirect" && redirect["protocol"] == "HTTPS"
}

func apiDomainsTLS(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_apigatewayv2_domain_name") {
		cfg, _ := r.Body["domain_name_configuration"].(synthesized.Body)
		if cfg["security_policy"] != "TLS_1_2" {
			out = append(out, find(r, "security_policy is %v", cfg["security_policy"]))
		}
	}
	return out
}

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
	if net, ok := b["network_configuration"].(synthesized.Body); ok {
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

func flowLogs(c *Context) (out []Finding) {
	for _, v := range c.Of("aws_vpc") {
		covered := false
		for _, fl := range c.List("aws_flow_log") {
			if ref, ok := c.Ref(fl["vpc_id"]); ok && ref.Name == v.Name && fl["traffic_type"] == "ALL" {
				covered = true
			}
		}
		if !covered {
			out = append(out, find(v, "no flow log with traffic_type = ALL"))
		}
	}
	return out
}

func retentionFloor(c *Context) (out []Finding) {
	floor := c.Env.Stage.Floors().MinLogRetentionDays
	for _, r := range c.Of("aws_cloudwatch_log_group") {
		if days, _ := r.Body["retention_in_days"].(float64); days != 0 && days < float64(floor) {
			out = append(out, find(r, "retention_in_days = %v, stage %s needs %d", days, c.Env.Stage, floor))
		}
	}
	return out
}

func dataStoresBackedUp(c *Context) (out []Finding) {
	floors := c.Env.Stage.Floors()
	protected := floors.Protected
	for _, r := range c.Of("aws_rds_cluster") {
		if days, _ := r.Body["backup_retention_period"].(float64); days < float64(max(7, floors.MinBackupRetentionDays)) {
			out = append(out, find(r, "backup_retention_period = %v, stage %s needs %d days", days, c.Env.Stage, max(7, floors.MinBackupRetentionDays)))
		}
		if protected && (!isTrue(r.Body["deletion_protection"]) || isTrue(r.Body["skip_final_snapshot"])) {
			out = append(out, find(r, "deletion protection off or final snapshot skipped in stage %s", c.Env.Stage))
		}
		if lc, _ := r.Body["lifecycle"].(synthesized.Body); floors.PreventDestroy && !isTrue(lc["prevent_destroy"]) {
			out = append(out, find(r, "no lifecycle prevent_destroy in stage %s", c.Env.Stage))
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

var (
	secretAttrs  = []string{"password", "master_password", "auth_token", "secret_string", "private_key", "passwords", "secret_binary"}
	secretValues = regexp.MustCompile(`AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|(?i)(password|passwd|secret|token)\s*[=:]\s*[^\s$"]{6,}`)
)

func noLiteralSecrets(c *Context) (out []Finding) {
	for _, typ := range []string{"random_password", "aws_secretsmanager_secret_version"} {
		for _, r := range c.Of(typ) {
			out = append(out, find(r, "puts a secret value into Terraform state"))
		}
	}
	for _, r := range c.Each() {
		for _, attr := range secretAttrs {
			if v, ok := r.Body[attr]; ok && !empty(v) {
				out = append(out, find(r, "sets %s in the configuration", attr))
			}
		}
		raw, _ := json.Marshal(r.Body)
		if m := secretValues.Find(raw); m != nil {
			out = append(out, find(r, "contains what looks like secret material (%.12s...)", m))
		}
	}
	return out
}

var secretName = regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key|private|credential)`)

func noPlainSecrets(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_ecs_task_definition") {
		var defs []struct {
			Name        string
			Environment []struct{ Name string }
		}
		if err := json.Unmarshal([]byte(fmt.Sprint(r.Body["container_definitions"])), &defs); err != nil {
			out = append(out, find(r, "container_definitions is not valid JSON: %v", err))
			continue
		}
		for _, d := range defs {
			for _, e := range d.Environment {
				if secretName.MatchString(e.Name) {
					out = append(out, find(r, "container %s has %s in plain environment", d.Name, e.Name))
				}
			}
		}
	}
	return out
}

func noWildcardActions(c *Context) (out []Finding) {
	for _, typ := range []string{"aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"} {
		for _, r := range c.Of(typ) {
			var doc struct {
				Statement []struct{ Effect, Action any }
			}
			if err := json.Unmarshal([]byte(fmt.Sprint(r.Body["policy"])), &doc); err != nil {
				out = append(out, find(r, "policy is not a JSON document: %v", err))
				continue
			}
			for _, s := range doc.Statement {
				actions := synthesized.Strings(s.Action)
				if a, ok := s.Action.(string); ok {
					actions = []string{a}
				}
				for _, a := range actions {
					if s.Effect == "Allow" && (a == "*" || strings.HasSuffix(a, ":*")) {
						out = append(out, find(r, "allows %q", a))
					}
				}
			}
		}
	}
	return out
}

func wafAttached(c *Context) (out []Finding) {
	if !c.Env.Stage.Floors().WAF {
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
	floors := c.Env.Stage.Floors()
	if floors.NoWildcardCORS {
		for _, r := range c.Of("aws_apigatewayv2_api") {
			for _, cors := range asList(r.Body["cors_configuration"]) {
				if slices.Contains(synthesized.Strings(cors["allow_origins"]), "*") {
					out = append(out, find(r, "CORS allows any origin in stage %s", c.Env.Stage))
				}
			}
		}
	}
	if !floors.ReadOnlyRoot {
		return out
	}
	for _, r := range c.Of("aws_ecs_service") {
		if isTrue(r.Body["enable_execute_command"]) {
			out = append(out, find(r, "ECS Exec is on in stage %s", c.Env.Stage))
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
				out = append(out, find(r, "container %s has a writable root filesystem in stage %s", d.Name, c.Env.Stage))
			}
		}
	}
	return out
}

// asList reads a block that the JSON holds as one object or as a list of objects.
func asList(v any) []synthesized.Body {
	switch b := v.(type) {
	case synthesized.Body:
		return []synthesized.Body{b}
	case []any:
		var out []synthesized.Body
		for _, x := range b {
			if xb, ok := x.(synthesized.Body); ok {
				out = append(out, xb)
			}
		}
		return out
	}
	return nil
}

func baselinePresent(c *Context) (out []Finding) {
	if !c.Env.OwnsAccountBaseline {
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
	if !trailOK {
		out = append(out, find(stack, "no multi-region CloudTrail with log file validation, KMS and CloudWatch delivery"))
	}
	return out
}

func tagged(c *Context) (out []Finding) {
	for _, r := range Untagged(c.Config) {
		out = append(out, find(r, "no Name tag"))
	}
	return out
}
