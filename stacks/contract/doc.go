package contract

import (
	"fmt"
	"strings"

	"github.com/scalepayments/infra/help"
)

// Markdown is stacks/contract/README.md: what the contract is and every case, generated from
// Cases (go test ./stacks/contract -update writes it).
func Markdown() string {
	var b strings.Builder
	b.WriteString(`# Apply contract

What AWS enforces when a stack is applied and no plan, linter or policy rule sees: the order AWS
needs where no reference says it, the attributes another AWS service takes over after creation,
the resources whose provider delete only forgets them, and the protections each stage may and may
not have. Every ` + "`make synth`" + ` judges each synthesized stack (its reference and depends_on
graph, the one Terraform orders by: ` + "`make plan-offline`" + ` checks that a targeted plan creates
exactly what the graph predicts) and fails on a violation; ` + "`scalepayments check`" + ` judges a plan
too (deletes of forgotten resources, protections). Generated from ` + "`Cases`" + ` by
` + "`go test ./stacks/contract -update`" + `; a test fails when this file is stale.

| case | kind | what AWS requires | page |
|---|---|---|---|
`)
	for _, c := range Cases {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.ID, c.Kind, c.Title, c.Page)
	}
	b.WriteString("\nResource types whose provider delete only forgets them (AC-DEL-001; the address test of\n`tests/integration` keeps every one of them in the configuration):\n\n")
	for _, typ := range help.SortedKeys(ForgottenOnDelete) {
		fmt.Fprintf(&b, "- `%s`: %s\n", typ, ForgottenOnDelete[typ])
	}
	return b.String()
}
