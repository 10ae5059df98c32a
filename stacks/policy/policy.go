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
	// SecurityHub names the Security Hub controls (PCI DSS v4.0.1, AWS FSBP) that check the same
	// thing in the account, where AWS has one.
	SecurityHub string
	// Trivy names trivy's AWS checks that judge the same property, where it has one: an
	// exception to the rule is an exception to them (TrivyIgnore).
	Trivy string
	Check func(c *Context) []Finding
}

// Context is what a rule sees: the stack's configuration and the stage whose floors apply.
type Context struct {
	*synthesized.Config
	Stage envconfig.Stage // the environment's, or the highest stage an account stack's account hosts
	// Account is set for an account stack: the account-wide controls are judged there; Home says
	// it is the account's home region (the one multi-region trail lives there).
	Account *envconfig.Account
	Home    bool
	// Disabled are the Security Hub controls the recorded exceptions disable in the account,
	// with their reasons (account stacks).
	Disabled map[string]string
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
	// Controls are the Security Hub controls the same exception disables in the account.
	Controls []string
	// Problem, when set, narrows the exception to findings whose problem contains it.
	Problem string
}

// Explained is the reason, with the Security Hub controls the exception disables.
func (s Suppression) Explained() string {
	if len(s.Controls) == 0 {
		return s.Reason
	}
	return s.Reason + " (Security Hub " + strings.Join(s.Controls, ", ") + ": disabled in the account's PCI DSS standard)"
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

// Check runs every rule over an environment's stack.
func Check(stack string, c *synthesized.Config, env envconfig.Environment, suppressions []Suppression) Report {
	return check(stack, &Context{Config: c, Stage: env.Stage}, suppressions)
}

// CheckAccount runs every rule over an account stack; stage is the highest its account hosts,
// disabled the Security Hub controls its recorded exceptions disable, with their reasons.
func CheckAccount(stack string, c *synthesized.Config, account envconfig.Account, region string, stage envconfig.Stage, disabled map[string]string, suppressions []Suppression) Report {
	return check(stack, &Context{Config: c, Stage: stage, Account: &account, Home: region == account.Home(), Disabled: disabled}, suppressions)
}

func check(stack string, ctx *Context, suppressions []Suppression) Report {
	r := Report{Stack: stack, Rules: len(Rules)}
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
		if s.Rule == f.Rule.ID && strings.HasPrefix(f.Resource.Path(), s.Path) && strings.Contains(f.Problem, s.Problem) {
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
		fmt.Fprintf(&b, "  suppressed [%s] %s: %s\n", s.Finding.Rule.ID, s.Finding.Resource.Address(), s.Suppression.Explained())
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
