package policy

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scalepayments/infra/stacks/synthesized"
)

func noWildcardActions(c *Context) (out []Finding) {
	for _, typ := range []string{"aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"} {
		for _, r := range c.Of(typ) {
			if !c.Known(r.Body["policy"]) {
				continue
			}
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
