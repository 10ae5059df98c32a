package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// Severity ranks a rule.
type Severity string

// Severities.
const (
	High   Severity = "HIGH"
	Medium Severity = "MEDIUM"
)

// Rule is one compliance check over a synthesized stack.
type Rule struct {
	ID       string
	Severity Severity
	PCI      string // PCI-DSS v4 requirement(s) served
	Title    string // what the rule checks
	Fix      string // how to fix a finding
	Check    func(c *Context) []Finding
}

// Context is what a rule sees: the stack's configuration and the environment it was built from.
type Context struct {
	*synthesized.Config
	Env envconfig.Environment
}

// Finding is one violation: which resource and what is wrong.
type Finding struct {
	Rule     *Rule
	Resource synthesized.Resource
	Problem  string
}

func (f Finding) String() string {
	return fmt.Sprintf("[%s] %s (PCI-DSS %s) %s: %s\n    fix: %s", f.Rule.ID, f.Rule.Severity, f.Rule.PCI, f.Resource.Address(), f.Problem, f.Rule.Fix)
}

// Suppression accepts one rule's findings for the resources under a construct path, with a
// written reason. It is listed in every report, so it is never silent.
type Suppression struct {
	Rule   string
	Path   string // construct path prefix below the stack, e.g. "edge/access-logs/"
	Reason string
}

// Report is the outcome of checking one stack.
type Report struct {
	Stack      string
	Rules      int
	Findings   []Finding
	Suppressed []Suppressed
}

// Suppressed is a finding accepted by a suppression.
type Suppressed struct {
	Finding     Finding
	Suppression Suppression
}

// Check runs every rule over a stack.
func Check(stack string, c *synthesized.Config, env envconfig.Environment, suppressions []Suppression) Report {
	r := Report{Stack: stack, Rules: len(Rules)}
	ctx := &Context{Config: c, Env: env}
	for i := range Rules {
		rule := &Rules[i]
		for _, f := range run(rule, ctx) {
			f.Rule = rule
			if s, ok := suppressedBy(f, suppressions); ok {
				r.Suppressed = append(r.Suppressed, Suppressed{f, s})
			} else {
				r.Findings = append(r.Findings, f)
			}
		}
	}
	sort.SliceStable(r.Findings, func(i, j int) bool { return r.Findings[i].Rule.ID < r.Findings[j].Rule.ID })
	return r
}

// run applies one rule. A rule that meets a shape it does not expect (a block where it reads a
// list, a number where it reads a string) panics in a type assertion; that becomes a finding on
// the stack, so one odd resource never hides the other rules' findings or crashes synth.
func run(rule *Rule, ctx *Context) (out []Finding) {
	defer func() {
		if p := recover(); p != nil {
			out = []Finding{find(synthesized.Resource{Type: "stack", Name: "configuration"}, "rule could not read the configuration: %v", p)}
		}
	}()
	return rule.Check(ctx)
}

func suppressedBy(f Finding, suppressions []Suppression) (Suppression, bool) {
	for _, s := range suppressions {
		if s.Rule == f.Rule.ID && strings.HasPrefix(f.Resource.Path(), s.Path) {
			return s, true
		}
	}
	return Suppression{}, false
}

// String is the report as synth prints it.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "policy: %s: %d rules, %d findings, %d suppressed\n", r.Stack, r.Rules, len(r.Findings), len(r.Suppressed))
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  %s\n", f)
	}
	for _, s := range r.Suppressed {
		fmt.Fprintf(&b, "  suppressed [%s] %s: %s\n", s.Finding.Rule.ID, s.Finding.Resource.Address(), s.Suppression.Reason)
	}
	return b.String()
}

// Failed reports whether any finding is left unsuppressed.
func (r Report) Failed() bool { return len(r.Findings) > 0 }

// IDs lists the rule ids of the unsuppressed findings, for tests and summaries.
func (r Report) IDs() []string {
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.Rule.ID)
	}
	return ids
}
