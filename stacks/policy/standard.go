package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/scalepayments/infra/stacks/synthesized"
)

// The rules of this file mirror Security Hub PCI DSS v4.0.1 controls that no other rule names.

// bucketsPrivateAndTLSOnly (S3.5, S3.8, CloudTrail.6): every bucket blocks all four forms of
// public access and its policy denies every request made without TLS.
func bucketsPrivateAndTLSOnly(c *Context) (out []Finding) {
	for _, b := range c.Of("aws_s3_bucket") {
		pab, _ := configOf(c, "aws_s3_bucket_public_access_block", "bucket", b)
		for _, f := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
			if !isTrue(pab[f]) {
				out = append(out, find(b, "public access block: %s is not true", f))
			}
		}
		policy, _ := configOf(c, "aws_s3_bucket_policy", "bucket", b)
		if !deniesInsecureTransport(c, policy["policy"]) {
			out = append(out, find(b, "the bucket policy does not deny s3:* when aws:SecureTransport is false"))
		}
	}
	return out
}

func deniesInsecureTransport(c *Context, policy any) bool {
	if !c.Known(policy) {
		return true // resolved at apply; the synthesized template was judged
	}
	statements, err := statementsOf(policy)
	if err != nil {
		return false
	}
	for _, s := range statements {
		if s.Effect == "Deny" && anyone(s.Principal) && slices.Contains(oneOrMany(s.Action), "s3:*") &&
			fmt.Sprint(s.Condition["Bool"]["aws:SecureTransport"]) == "false" {
			return true
		}
	}
	return false
}

// accessLogged (S3.9, CloudTrail.7, APIGateway.9, WAF.11, ELB.5, RDS.9, RDS.37): every access
// path records who called it.
func accessLogged(c *Context) (out []Finding) {
	for _, b := range c.Of("aws_s3_bucket") {
		if l, ok := configOf(c, "aws_s3_bucket_logging", "bucket", b); !ok || empty(l["target_bucket"]) {
			out = append(out, find(b, "no server access logging"))
		}
	}
	for _, r := range c.Of("aws_apigatewayv2_stage") {
		s := synthesized.Block(r.Body["access_log_settings"])
		if empty(s["destination_arn"]) || empty(s["format"]) {
			out = append(out, find(r, "no access log settings"))
		}
	}
	for _, r := range c.Of("aws_wafv2_web_acl") {
		if _, ok := configOf(c, "aws_wafv2_web_acl_logging_configuration", "resource_arn", r); !ok {
			out = append(out, find(r, "no logging configuration"))
		}
	}
	for _, r := range c.Of("aws_lb") {
		if l := synthesized.Block(r.Body["access_logs"]); !isTrue(l["enabled"]) || empty(l["bucket"]) {
			out = append(out, find(r, "access logs are off"))
		}
	}
	for _, r := range c.Of("aws_rds_cluster") {
		if r.Body["engine"] == "aurora-postgresql" && !slices.Contains(synthesized.Strings(r.Body["enabled_cloudwatch_logs_exports"]), "postgresql") {
			out = append(out, find(r, "the postgresql log is not exported to CloudWatch Logs"))
		}
	}
	return out
}

// loadBalancersHardened (ELB.4, ELB.12): application load balancers drop invalid header fields
// and mitigate HTTP desync in defensive (the default) or strictest mode.
func loadBalancersHardened(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_lb") {
		if t := r.Body["load_balancer_type"]; t != nil && t != "application" {
			continue
		}
		if !isTrue(r.Body["drop_invalid_header_fields"]) {
			out = append(out, find(r, "drop_invalid_header_fields is not true"))
		}
		if m := r.Body["desync_mitigation_mode"]; m != nil && m != "defensive" && m != "strictest" {
			out = append(out, find(r, "desync_mitigation_mode is %v", m))
		}
	}
	return out
}

// patchedAutomatically (ECS.10, ElastiCache.2, RDS.13): Fargate services run the latest platform
// version and the managed engines apply minor versions in their maintenance windows.
func patchedAutomatically(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_ecs_service") {
		if v := r.Body["platform_version"]; v != nil && v != "LATEST" {
			out = append(out, find(r, "platform_version is pinned to %v", v))
		}
	}
	for _, typ := range []string{"aws_elasticache_replication_group", "aws_rds_cluster_instance"} {
		for _, r := range c.Of(typ) {
			if v := r.Body["auto_minor_version_upgrade"]; v == false || v == "false" {
				out = append(out, find(r, "auto_minor_version_upgrade is off"))
			}
		}
	}
	return out
}

// certificatesRenewed (ACM.1): certificates are issued by ACM with DNS validation, which ACM
// renews by itself; none is imported, and listeners and API domains use such a certificate.
func certificatesRenewed(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_acm_certificate") {
		if r.Body["validation_method"] != "DNS" {
			out = append(out, find(r, "not an ACM-issued certificate with DNS validation (validation_method %v)", r.Body["validation_method"]))
		}
	}
	uses := func(r synthesized.Resource, arn any) {
		ref, ok := c.Ref(arn)
		if arn != nil && (!ok || (ref.Type != "aws_acm_certificate" && ref.Type != "aws_acm_certificate_validation")) {
			out = append(out, find(r, "certificate %v is not a certificate ACM issues and renews in this stack", arn))
		}
	}
	for _, r := range c.Of("aws_lb_listener") {
		uses(r, r.Body["certificate_arn"])
	}
	for _, r := range c.Of("aws_apigatewayv2_domain_name") {
		uses(r, synthesized.Block(r.Body["domain_name_configuration"])["certificate_arn"])
	}
	return out
}

// secretsRotated (SecretsManager.1, SecretsManager.4): every secret rotates automatically at
// least every 90 days (Security Hub's default maxDaysSinceRotation).
func secretsRotated(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_secretsmanager_secret") {
		rotation, ok := configOf(c, "aws_secretsmanager_secret_rotation", "secret_id", r)
		rules := synthesized.Block(rotation["rotation_rules"])
		if !ok {
			out = append(out, find(r, "no automatic rotation"))
		} else if days := rotationDays(rules); days <= 0 || days > 90 {
			out = append(out, find(r, "rotates every %v, not within 90 days", rotationText(rules)))
		}
	}
	return out
}

var rateDays = regexp.MustCompile(`^rate\((\d+) (hours?|days?)\)$`)

// rotationDays is the longest interval between rotations of rotation_rules in days: from
// automatically_after_days, or from a rate() or cron() schedule_expression (a cron that names
// its months may skip up to a year: 365); 0 when it cannot be read.
func rotationDays(rules synthesized.Body) float64 {
	expr, _ := rules["schedule_expression"].(string)
	if m := rateDays.FindStringSubmatch(expr); m != nil {
		n, _ := strconv.ParseFloat(m[1], 64)
		if strings.HasPrefix(m[2], "hour") {
			return n / 24
		}
		return n
	}
	if fields := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(expr, "cron("), ")")); strings.HasPrefix(expr, "cron(") && len(fields) == 6 {
		if fields[3] == "*" || fields[3] == "?" {
			return 31 // at least once a month
		}
		return 365
	}
	days, _ := rules["automatically_after_days"].(float64)
	return days
}

func rotationText(rules synthesized.Body) any {
	if e := rules["schedule_expression"]; e != nil {
		return e
	}
	return fmt.Sprint(rules["automatically_after_days"], " days")
}
