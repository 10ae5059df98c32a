package policy

import (
	"encoding/json"
	"regexp"

	"github.com/scalepayments/infra/stacks/synthesized"
)

var (
	secretAttrs = []string{"password", "master_password", "auth_token", "secret_string", "private_key", "passwords", "secret_binary"}
	// A key=value or key: value pair, but not an ARN's ":secret:<name>" (Secrets Manager).
	secretValues = regexp.MustCompile(`AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|(?i)(^|[^:\w])(password|passwd|secret|token)\s*[=:]\s*[^\s$"]{6,}`)
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

func noPlainSecrets(c *Context) []Finding {
	return eachContainer(c, func(r synthesized.Resource, d container) (out []Finding) {
		for _, e := range d.Environment {
			if secretName.MatchString(e.Name) {
				out = append(out, find(r, "container %s has %s in plain environment", d.Name, e.Name))
			}
		}
		return out
	})
}
