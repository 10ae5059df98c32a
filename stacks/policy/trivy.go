package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scalepayments/infra/help"
)

// TrivyIgnore is the ignore file (trivy's .trivyignore.yaml) for the recorded exceptions in use
// in reports: one entry per trivy check and reason, for the files of the stacks that hold a
// suppressed finding, naming the resources in its statement. trivy matches an entry by check id
// and file path only (its YAML ignore file cannot name a resource), so within those files the
// pack, which judges each resource, stays the gate.
func TrivyIgnore(reports []Report) string {
	type key struct{ id, reason string }
	stacks, resources := map[key][]string{}, map[key][]string{}
	for _, r := range reports {
		for _, s := range r.Suppressed {
			for _, id := range strings.Split(s.Finding.Rule.Trivy, ", ") {
				if id == "" {
					continue
				}
				k := key{id, s.Suppression.Reason}
				stacks[k] = append(stacks[k], r.Stack)
				resources[k] = append(resources[k], s.Finding.Resource.Address())
			}
		}
	}
	keys := make([]key, 0, len(stacks))
	for k := range stacks {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int { return strings.Compare(a.id+a.reason, b.id+b.reason) })
	var b strings.Builder
	b.WriteString("# Generated from stacks/judge/exceptions.go (go test ./tests/integration -run TrivyIgnore -update-trivy): the\n" +
		"# recorded exceptions, for `trivy config --ignorefile .trivyignore.yaml cdktf.out/stacks`.\n" +
		"misconfigurations:\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "  - id: %s\n    paths:\n", k.id)
		for _, s := range help.Unique(stacks[k]) {
			fmt.Fprintf(&b, "      - \"**/%s/cdk.tf*\"\n", s)
		}
		fmt.Fprintf(&b, "    statement: %q\n", strings.Join(help.Unique(resources[k]), ", ")+": "+k.reason)
	}
	return b.String()
}
