package runtask

import (
	"fmt"
	"strings"

	tfe "github.com/hashicorp/go-tfe"

	"github.com/scalepayments/infra/stacks/contract"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/stacks/policy"
)

// HCP Terraform's limits on a task result, from its JSON schema (runtask-result.json and
// runtask-outcome.json, linked from
// https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run-tasks/run-tasks-integration#request-body-1):
// a result carries at most 10 outcomes, and each tag label at most 32 characters, so a
// resource address goes in an outcome's description and body, never in a label.
const (
	maxOutcomes    = 10
	maxMessage     = 1000
	maxOutcomeID   = 64
	maxDescription = 1000
	maxBody        = 10000
	maxLabel       = 32
	maxLabels      = 32
)

// result is the callback a verdict makes: passed only when the pack leaves no finding
// unsuppressed and the contract has no violation, with one outcome per finding and violation
// and the suppressions in use in the message.
func result(v judge.Verdict) tfe.TaskResultCallbackRequestOptions {
	var outcomes []*tfe.TaskResultOutcome
	for _, f := range v.Policy.Findings {
		outcomes = append(outcomes, findingOutcome(f))
	}
	for _, x := range v.Contract.Violations {
		outcomes = append(outcomes, violationOutcome(x))
	}
	status := tfe.TaskPassed
	if v.Failed() {
		status = tfe.TaskFailed
	}
	message := fmt.Sprintf("%s: %s: %s of %d rules, %s of %d contract cases, %d suppressed.",
		v.Policy.Stack, status, count(len(v.Policy.Findings), "finding"), v.Policy.Rules,
		count(len(v.Contract.Violations), "violation"), v.Contract.Cases, len(v.Policy.Suppressed))
	if len(outcomes) > maxOutcomes {
		message += fmt.Sprintf(" Showing %d of %d outcomes (HCP Terraform's limit): `scalepayments check` on the plan lists them all.", maxOutcomes, len(outcomes))
		outcomes = outcomes[:maxOutcomes]
	}
	if len(v.Policy.Suppressed) > 0 {
		message += " Suppressed: " + suppressions(v.Policy.Suppressed) + "."
	}
	return tfe.TaskResultCallbackRequestOptions{Status: status, Message: clip(message, maxMessage), Outcomes: outcomes}
}

// failure is the callback of a plan that could not be judged: a mandatory run task fails
// closed.
func failure(why string) tfe.TaskResultCallbackRequestOptions {
	return tfe.TaskResultCallbackRequestOptions{Status: tfe.TaskFailed, Message: clip("scalepayments run task: "+why, maxMessage)}
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// suppressions lists the accepted exceptions by rule and address; their reasons are in
// stacks/judge/exceptions.go and in `scalepayments check`'s output, too long for the message.
func suppressions(all []policy.Suppressed) string {
	items := make([]string, len(all))
	for i, s := range all {
		items[i] = fmt.Sprintf("[%s] %s", s.Finding.Rule.ID, s.Finding.Resource.Address())
		if len(s.Suppression.Controls) > 0 {
			items[i] += " (Security Hub " + strings.Join(s.Suppression.Controls, ", ") + " disabled)"
		}
	}
	return strings.Join(items, "; ")
}

func findingOutcome(f policy.Finding) *tfe.TaskResultOutcome {
	r := f.Rule
	level := "warning"
	if r.Severity == policy.High {
		level = "error"
	}
	tags := map[string][]*tfe.TaskResultTag{
		"Severity": {{Label: string(r.Severity), Level: level}},
		"Rule":     labels(r.ID),
		"PCI_DSS":  labels(r.PCI),
		"Resource": labels(f.Resource.Type),
	}
	if r.SecurityHub != "" {
		tags["SecurityHub"] = labels(r.SecurityHub)
	}
	body := fmt.Sprintf("**%s** (%s): %s\n\n- Resource: `%s`\n- Problem: %s\n- PCI-DSS: %s\n", r.ID, r.Severity, r.Title, f.Resource.Address(), f.Problem, r.PCI)
	if r.SecurityHub != "" {
		body += "- Security Hub: " + r.SecurityHub + "\n"
	}
	body += "- Fix: " + r.Fix + "\n"
	return outcome(r.ID, f.Resource.Address()+": "+f.Problem, body, tags)
}

func violationOutcome(v contract.Violation) *tfe.TaskResultOutcome {
	c := v.Case
	tags := map[string][]*tfe.TaskResultTag{
		"Status":   {{Label: "Apply would fail", Level: "error"}},
		"Contract": labels(c.ID),
		"Kind":     labels(string(c.Kind)),
		"Resource": labels(v.Resource.Type),
	}
	body := fmt.Sprintf("**%s** (apply contract, %s): %s\n\n- Resource: `%s`\n- Problem: %s\n- See: %s\n", c.ID, c.Kind, c.Title, v.Resource.Address(), v.Problem, c.Page)
	return outcome(c.ID, v.Resource.Address()+": "+v.Problem, body, tags)
}

func outcome(id, description, body string, tags map[string][]*tfe.TaskResultTag) *tfe.TaskResultOutcome {
	return &tfe.TaskResultOutcome{
		OutcomeID:   clip(id, maxOutcomeID),
		Description: clip(strings.Join(strings.Fields(description), " "), maxDescription), // one line
		Body:        clip(body, maxBody),
		Tags:        tags,
	}
}

// labels turns a comma-separated list (a rule's PCI requirements or Security Hub controls) into
// one label each, within the label limits.
func labels(list string) []*tfe.TaskResultTag {
	var out []*tfe.TaskResultTag
	for _, item := range strings.Split(list, ",") {
		if item = strings.TrimSpace(item); item != "" && len(out) < maxLabels {
			out = append(out, &tfe.TaskResultTag{Label: clip(item, maxLabel)})
		}
	}
	return out
}

// clip shortens s to at most n characters, saying so at its end.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	mark := []rune("… (truncated)")
	if n < 100 { // a label or an id: no room to say more
		mark = []rune("…")
	}
	return string(r[:n-len(mark)]) + string(mark)
}
