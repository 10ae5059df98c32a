// Package contract is the apply contract: what AWS enforces when a stack is applied and no
// plan, linter or policy rule sees. The order AWS needs where no reference says it, the
// attributes another AWS service takes over after creation, the resources whose provider delete
// only forgets them, and the protections each stage may and may not have. Each case names the
// AWS or provider page it encodes. It judges a synthesized stack (its reference and depends_on
// graph, as Terraform orders it) at every synth, and a plan (`terraform show -json`) in
// `scalepayments check`; like the policy pack it is plain Go over the synthesized JSON.
package contract

import (
	"fmt"
	"sort"
	"strings"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// Kind is the class of apply-time rule a case encodes.
type Kind string

// The classes.
const (
	Ordering   Kind = "ordering"   // AWS needs a resource before another, and no reference says so
	Owned      Kind = "owned"      // another AWS service takes an attribute over after creation
	Forgotten  Kind = "forgotten"  // the provider's delete only forgets the resource
	Protection Kind = "protection" // a protection is on exactly where the stage wants it
)

// Case is one apply-time rule.
type Case struct {
	ID    string
	Kind  Kind
	Title string
	Page  string // the AWS or provider page it encodes
	Check func(*Context) []Violation
}

// Context is what a case sees.
type Context struct {
	*synthesized.Config
	Graph map[string][]string // address -> what it waits for (synthesized stacks only)
	Stage envconfig.Stage
	// Protected says the stack's change protection is on in this run (envconfig
	// Environment.ChangeProtected).
	Protected bool
}

// Violation is one resource that breaks a case.
type Violation struct {
	Case     *Case
	Resource synthesized.Resource
	Problem  string
}

func (v Violation) String() string {
	return fmt.Sprintf("[%s] %s: %s\n    see: %s", v.Case.ID, v.Resource.Address(), v.Problem, v.Case.Page)
}

// Report is the outcome of one stack.
type Report struct {
	Stack      string
	Cases      int
	Violations []Violation
}

// Failed reports whether any case is broken.
func (r Report) Failed() bool { return len(r.Violations) > 0 }

func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "contract: %s: %d cases, %d violations\n", r.Stack, r.Cases, len(r.Violations))
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "  %s\n", v)
	}
	return b.String()
}

// Check runs every case over a stack of stage; protected is its change protection in this run.
// On a plan, which carries no depends_on or lifecycle, the ordering and ownership cases judged
// its synthesized configuration already and are skipped.
func Check(stack string, c *synthesized.Config, stage envconfig.Stage, protected bool) Report {
	ctx := &Context{Config: c, Stage: stage, Protected: protected}
	if !c.Plan {
		ctx.Graph = c.Graph()
	}
	r := Report{Stack: stack, Cases: len(Cases)}
	for i := range Cases {
		cs := &Cases[i]
		if c.Plan && (cs.Kind == Ordering || cs.Kind == Owned) {
			continue
		}
		for _, v := range cs.Check(ctx) {
			v.Case = cs
			r.Violations = append(r.Violations, v)
		}
	}
	sort.SliceStable(r.Violations, func(i, j int) bool { return r.Violations[i].Case.ID < r.Violations[j].Case.ID })
	return r
}

func violation(r synthesized.Resource, format string, args ...any) Violation {
	return Violation{Resource: r, Problem: fmt.Sprintf(format, args...)}
}

// referencing are the resources of typ whose attr references target ("${target...}").
func (c *Context) referencing(typ, attr string, target synthesized.Resource) []synthesized.Resource {
	var out []synthesized.Resource
	for _, r := range c.Of(typ) {
		if t, ok := c.Ref(r.Body[attr]); ok && t.Address() == target.Address() {
			out = append(out, r)
		}
	}
	return out
}

// waits reports a violation unless r waits for every one of deps.
func (c *Context) waits(r synthesized.Resource, deps []synthesized.Resource, what string) []Violation {
	var out []Violation
	for _, d := range deps {
		if !synthesized.After(c.Graph, r.Address(), d.Address()) {
			out = append(out, violation(r, "does not wait for %s %s (add it to depends_on)", what, d.Address()))
		}
	}
	return out
}

// grants are the policies and policy attachments of the role a value references.
func (c *Context) grants(roleRef any) []synthesized.Resource {
	role, ok := c.Ref(roleRef)
	if !ok || role.Type != "aws_iam_role" {
		return nil
	}
	return append(c.referencing("aws_iam_role_policy", "role", role), c.referencing("aws_iam_role_policy_attachment", "role", role)...)
}

// ignored reports whether r's lifecycle ignores attr.
func ignored(r synthesized.Resource, attr string) bool {
	lc := synthesized.Block(r.Body["lifecycle"])
	for _, a := range synthesized.Strings(lc["ignore_changes"]) {
		if a == attr || a == "all" {
			return true
		}
	}
	return false
}
