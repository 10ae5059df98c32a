package stacks

import (
	"slices"
	"strings"

	"github.com/scalepayments/infra/stacks/synthesized"
)

// Uses selects resources a first-deployment step works with: every resource of Type whose
// construct path starts with Path.
type Uses struct{ Type, Path string }

// Step is one step of an environment's first deployment (README "First deployment"), in order.
type Step struct {
	Title string // the step as the README words it
	// Make is the make target that performs it; "" for a step done by hand or by the
	// application pipeline.
	Make string
	// Uses are the resources of the environment's stack a step done by hand needs: the make
	// steps before it must have created them.
	Uses []Uses
}

// FirstDeploy is the first deployment of an environment after its account stack: a targeted
// apply, what is filled out of band, then the full apply. Creating the services in the same
// apply as empty repositories would fail their first deployment (the circuit breaker rolls back
// to nothing) and leave nothing for the next apply to change.
var FirstDeploy = []Step{
	{Title: "create what the next steps fill", Make: "bootstrap"},
	{Title: "push the images through the release role", Uses: []Uses{{"aws_ecr_repository", ""}, {"aws_iam_role", "release/"}}},
	{Title: "set the secret values", Uses: []Uses{{"aws_secretsmanager_secret", ""}}},
	{Title: "everything else", Make: "deploy"},
}

// Selected are the addresses of the resources u selects.
func (u Uses) Selected(c *synthesized.Config) []string {
	var out []string
	for _, r := range c.Of(u.Type) {
		if strings.HasPrefix(r.Path(), u.Path) {
			out = append(out, r.Address())
		}
	}
	return out
}

// FirstDeployTargets are the -target flags of `make bootstrap`: every resource the steps done by
// hand before the full apply use, and every resource that only configures one of them (a role's
// policies, a repository's policies) and needs nothing else the targets do not create.
// Terraform adds what the targets depend on (their keys, the account's data sources).
func FirstDeployTargets(c *synthesized.Config) []string {
	var used []string
	bootstrap := slices.IndexFunc(FirstDeploy, func(s Step) bool { return s.Make == "bootstrap" })
	for _, s := range FirstDeploy[bootstrap+1:] {
		if s.Make != "" {
			break
		}
		for _, u := range s.Uses {
			used = append(used, u.Selected(c)...)
		}
	}
	g := c.Graph()
	created := synthesized.Closure(g, used...)
	targets := slices.Clone(used)
	for _, addr := range c.Addresses() {
		deps := g[addr]
		configures := slices.ContainsFunc(deps, func(d string) bool { return slices.Contains(used, d) })
		if configures && !slices.Contains(used, addr) && !slices.ContainsFunc(deps, func(d string) bool { return !created[d] }) {
			targets = append(targets, addr)
		}
	}
	slices.Sort(targets)
	out := make([]string, len(targets))
	for i, t := range targets {
		out[i] = "-target=" + t
	}
	return out
}
