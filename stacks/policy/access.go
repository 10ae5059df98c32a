package policy

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scalepayments/infra/stacks/synthesized"
)

// statement is one policy statement as the rules read it.
type statement struct {
	Sid, Effect                  string
	Principal, Action, NotAction any
	Resource                     any
	Condition                    map[string]map[string]any
}

// statementsOf reads a policy document's statements.
func statementsOf(policy any) ([]statement, error) {
	var doc struct{ Statement []statement }
	err := json.Unmarshal([]byte(fmt.Sprint(policy)), &doc)
	return doc.Statement, err
}

// oneOrMany reads a policy element that holds a string or a list of strings.
func oneOrMany(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	return synthesized.Strings(v)
}

func noWildcardActions(c *Context) (out []Finding) {
	for _, typ := range []string{"aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"} {
		for _, r := range c.Of(typ) {
			if !c.Known(r.Body["policy"]) {
				continue
			}
			statements, err := statementsOf(r.Body["policy"])
			if err != nil {
				out = append(out, find(r, "policy is not a JSON document: %v", err))
				continue
			}
			for _, s := range statements {
				for _, a := range oneOrMany(s.Action) {
					if s.Effect == "Allow" && (a == "*" || strings.HasSuffix(a, ":*")) {
						out = append(out, find(r, "allows %q", a))
					}
				}
			}
		}
	}
	return out
}
