package policy

import (
	"strings"

	"github.com/scalepayments/infra/stacks/synthesized"
)

// customerKey reports whether a key setting names a customer-managed key: set, and not one of
// AWS's own (alias/aws/<service>, which anyone with access to the service can use).
func customerKey(v any) bool {
	s, _ := v.(string)
	return !empty(v) && !strings.Contains(s, "alias/aws/")
}

// customerKeys finds the resources of typ whose attr names no customer-managed key.
func customerKeys(typ, attr string) func(*Context) []Finding {
	return func(c *Context) (out []Finding) {
		for _, r := range c.Of(typ) {
			switch v := r.Body[attr]; {
			case empty(v):
				out = append(out, find(r, "%s is not set", attr))
			case !customerKey(v):
				out = append(out, find(r, "%s is %q, not a customer-managed key", attr, v))
			}
		}
		return out
	}
}

func rdsEncrypted(c *Context) (out []Finding) {
	for _, typ := range []string{"aws_rds_cluster", "aws_db_instance"} {
		for _, r := range c.Of(typ) {
			if !isTrue(r.Body["storage_encrypted"]) || !customerKey(r.Body["kms_key_id"]) {
				out = append(out, find(r, "storage is not encrypted with a customer-managed key"))
			}
		}
	}
	return out
}

func redisEncrypted(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_elasticache_replication_group") {
		if !isTrue(r.Body["at_rest_encryption_enabled"]) || !customerKey(r.Body["kms_key_id"]) {
			out = append(out, find(r, "data at rest is not encrypted with a customer-managed key"))
		}
	}
	return out
}

// configOf returns the resource of typ whose attr references target (a bucket's configuration,
// a vault's lock, a secret's rotation).
func configOf(c *Context, typ, attr string, target synthesized.Resource) (synthesized.Body, bool) {
	for _, r := range c.Of(typ) {
		if ref, ok := c.Ref(r.Body[attr]); ok && ref.Name == target.Name {
			return r.Body, true
		}
	}
	return nil, false
}

func bucketsEncrypted(c *Context) (out []Finding) {
	for _, b := range c.Of("aws_s3_bucket") {
		sse, ok := configOf(c, "aws_s3_bucket_server_side_encryption_configuration", "bucket", b)
		if !ok {
			out = append(out, find(b, "no server-side encryption configuration"))
			continue
		}
		rules, _ := sse["rule"].([]any)
		if len(rules) == 0 {
			out = append(out, find(b, "no server-side encryption rule"))
			continue
		}
		def := synthesized.Block(rules[0].(synthesized.Body)["apply_server_side_encryption_by_default"])
		if def["sse_algorithm"] != "aws:kms" || !customerKey(def["kms_master_key_id"]) {
			out = append(out, find(b, "encrypted with %v, not a customer-managed KMS key", def["sse_algorithm"]))
		}
	}
	return out
}

func secretsEncrypted(c *Context) (out []Finding) {
	out = customerKeys("aws_secretsmanager_secret", "kms_key_id")(c)
	for _, r := range c.Of("aws_rds_cluster") {
		if isTrue(r.Body["manage_master_user_password"]) && !customerKey(r.Body["master_user_secret_kms_key_id"]) {
			out = append(out, find(r, "the RDS-managed master secret uses the AWS-managed key"))
		}
	}
	return out
}

func ecrEncrypted(c *Context) (out []Finding) {
	for _, r := range c.Of("aws_ecr_repository") {
		cfg, _ := r.Body["encryption_configuration"].([]any)
		if len(cfg) == 0 || cfg[0].(synthesized.Body)["encryption_type"] != "KMS" || !customerKey(cfg[0].(synthesized.Body)["kms_key"]) {
			out = append(out, find(r, "images are not encrypted with a customer-managed key"))
		}
	}
	return out
}
