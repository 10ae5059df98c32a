package integration

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/contract"
	"github.com/scalepayments/infra/stacks/synthesized"
	"github.com/scalepayments/infra/tests"
)

// Every stack keeps the apply contract: the order AWS needs, the attributes other services own,
// the protections of its stage.
func TestEveryStackKeepsTheApplyContract(t *testing.T) {
	for _, d := range all() {
		t.Run(d.Stack.Name, func(t *testing.T) {
			r := contract.Check(d.Stack.Name, d.Config, d.Env.Stage, d.Env.ChangeProtected())
			assert.False(t, r.Failed(), "%s", r)
		})
	}
	for _, a := range tests.Accounts() {
		t.Run(a.Stack.Name, func(t *testing.T) {
			r := contract.Check(a.Stack.Name, a.Config, a.Stack.Stage(), a.Stack.Stage().Floors().ChangeProtection)
			assert.False(t, r.Failed(), "%s", r)
		})
	}
}

// A resource whose provider delete only forgets it (a Security Hub control association, a
// GuardDuty feature) never leaves the configuration: the previous release's addresses of these
// types are all still here (or moved, or handed to another stack by a removed block that the
// README's import table matches), so turning one off is a change of its status, in a plan.
func TestForgottenOnDeleteResourcesAreNeverDropped(t *testing.T) {
	for _, s := range everyStack() {
		t.Run(s.name, func(t *testing.T) {
			moved := map[string]bool{}
			for _, m := range s.doc.Moves() {
				moved[m.From] = true
			}
			current := s.doc.Addresses()
			for _, addr := range golden(t, s, ".previous") {
				typ, _, _ := strings.Cut(addr, ".")
				if _, ok := contract.ForgottenOnDelete[typ]; ok {
					kept := slices.Contains(current, addr) || moved[addr] || slices.Contains(s.doc.Forgotten(), addr) // adopted by another stack (README)
					assert.True(t, kept, "%s would be dropped, and the provider only forgets it: %s", addr, contract.ForgottenOnDelete[typ])
				}
			}
		})
	}
}

// The first deployment: `make bootstrap` creates every resource the steps done by hand before
// the full apply use, and what makes them usable (the release role's policy, the repositories'
// policies, their keys), and no service.
func TestFirstDeploymentCreatesWhatEachStepUses(t *testing.T) {
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) {
			var targets []string
			for _, f := range stacks.FirstDeployTargets(d.Config) {
				targets = append(targets, strings.TrimPrefix(f, "-target="))
			}
			created := synthesized.Closure(d.Graph(), targets...)
			for _, step := range stacks.FirstDeploy {
				if step.Make != "" {
					continue
				}
				for _, u := range step.Uses {
					used := u.Selected(d.Config)
					require.NotEmpty(t, used, "%s: %s selects nothing", step.Title, u.Type)
					for _, addr := range used {
						assert.True(t, created[addr], "%s: %s does not exist yet", step.Title, addr)
					}
				}
			}
			role := d.NamedAs("aws_iam_role", "scalepayments-"+d.Env.Name+"-release", "")
			var pushes []string
			for _, p := range d.Of("aws_iam_role_policy") {
				if p.Body["role"] == tests.Ref(role, "id") {
					pushes = append(pushes, p.Address())
					assert.True(t, created[p.Address()], "the release role can push: %s", p.Address())
				}
			}
			assert.Equal(t, []string{"aws_iam_role_policy.release_role-push-images_EC3BCAEC"}, pushes, "the release role's one policy")
			for _, typ := range []string{"aws_ecr_repository_policy", "aws_ecr_lifecycle_policy", "aws_kms_key"} {
				for _, r := range d.Of(typ) {
					if slices.ContainsFunc(d.Dependencies(r), func(dep string) bool { return strings.HasPrefix(dep, "aws_ecr_repository.") }) {
						assert.True(t, created[r.Address()], "%s", r.Address())
					}
				}
			}
			for addr := range created {
				assert.False(t, strings.HasPrefix(addr, "aws_ecs_service.") || strings.HasPrefix(addr, "aws_ecs_task_definition."),
					"bootstrap creates no service: %s", addr)
			}
		})
	}
}

// The README's first deployment is the steps FirstDeploy lists, in that order.
func TestFirstDeploymentIsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	section := string(readme)[strings.Index(string(readme), "### First deployment"):]
	section = section[:strings.Index(section[4:], "\n### ")+4]
	at := 0
	for _, step := range stacks.FirstDeploy {
		pattern := "(?i)" + regexp.QuoteMeta(step.Title)
		if step.Make != "" {
			pattern = "`make " + regexp.QuoteMeta(step.Make) + " ENV=<env>`"
		}
		loc := regexp.MustCompile(pattern).FindStringIndex(section[at:])
		require.NotNil(t, loc, "the README's first deployment has %q after the step before it", pattern)
		at += loc[1]
	}
}
