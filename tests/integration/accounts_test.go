package integration

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/tests"
)

// perEnvironment is the layout of one AWS account per environment.
func perEnvironment() ([]envconfig.Account, []envconfig.Environment) {
	var accounts []envconfig.Account
	var envs []envconfig.Environment
	for i, e := range envconfig.All() {
		e = e.Clone()
		e.Account = e.Name
		envs = append(envs, e)
		accounts = append(accounts, envconfig.Account{Name: e.Name, ID: fmt.Sprintf("%012d", 100000000001+i), Regions: []string{e.Region},
			Notify: envconfig.Notifications{Emails: []string{"security-alerts@scalepayments.com"}}})
	}
	return accounts, envs
}

// Both layouts, the shipped nonprod + prod accounts and one account per environment, synthesize
// and pass the policy pack; each account and region runs exactly one GuardDuty detector and one
// Config recorder across all stacks; every environment's API domain sits in a zone its own
// account owns; every stack refuses any account but its own.
func TestAccountLayouts(t *testing.T) {
	shippedAccounts := envconfig.Accounts()
	oneEach, oneEachEnvs := perEnvironment()
	for _, layout := range []struct {
		name     string
		accounts []envconfig.Account
		envs     []envconfig.Environment
	}{{"nonprod + prod", shippedAccounts, envconfig.All()}, {"one account per environment", oneEach, oneEachEnvs}} {
		t.Run(layout.name, func(t *testing.T) {
			require.NoError(t, envconfig.ValidateAll(layout.envs, layout.accounts))
			detectors, recorders := map[string]int{}, map[string]int{}
			zones := map[string]string{} // zone -> account id
			for _, h := range judge.Hosts(layout.accounts, layout.envs) {
				a := tests.SynthAccount(h.Account, h.Region, h.Envs)
				where := h.Account.ID + " in " + h.Region // a subtest's name: no slash
				t.Run(a.Stack.Name, func(t *testing.T) {
					r := policy.CheckAccount(a.Stack.Name, a.Config, h.Account, h.Region, a.Stack.Stage(), judge.SecurityHubExceptions(h), judge.AccountExceptions(h))
					assert.False(t, r.Failed(), "%s", r)
					assert.Equal(t, []any{h.Account.ID}, a.Provider()["allowed_account_ids"])
				})
				detectors[where] += a.Count("aws_guardduty_detector")
				recorders[where] += a.Count("aws_config_configuration_recorder")
				for _, z := range a.List("aws_route53_zone") {
					zones[z["name"].(string)] = h.Account.ID
				}
				for _, e := range h.Envs {
					d := tests.SynthIn(e, h.Account, envconfig.Backend{Kind: "local"})
					detectors[where] += d.Count("aws_guardduty_detector")
					recorders[where] += d.Count("aws_config_configuration_recorder")
					t.Run(e.Name, func(t *testing.T) {
						r := policy.Check(d.Stack.Name, d.Config, e, judge.Exceptions(e))
						assert.False(t, r.Failed(), "%s", r)
						assert.Equal(t, []any{h.Account.ID}, d.Provider()["allowed_account_ids"])
						zone := map[string]string{"dev": "dev.scalepayments.com", "staging": "staging.scalepayments.com", "prod": "scalepayments.com"}[e.Name]
						assert.Equal(t, h.Account.ID, zones[zone], "its zone %s is in its own account", zone)
						assert.True(t, strings.HasSuffix(e.APIDomain, "."+zone))
						lookups := d.Root["data"].(tests.Body)["aws_route53_zone"].(tests.Body)
						require.NotEmpty(t, lookups)
						for _, z := range lookups {
							assert.Equal(t, zone, z.(tests.Body)["name"], "it looks up its own zone")
						}
					})
				}
			}
			for where, n := range detectors {
				t.Run(where, func(t *testing.T) {
					assert.Equal(t, 1, n, "one GuardDuty detector")
					assert.Equal(t, 1, recorders[where], "one Config recorder")
				})
			}
		})
	}
}

// Moving the baseline out of the environment stacks destroys nothing: they forget what they
// held (removed blocks, destroy = false), and the upgrade note lists each address and where it
// went.
func TestMovingToAccountStacksIsDocumented(t *testing.T) {
	readme := upgradeNote(t)
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) {
			assert.ElementsMatch(t, stacks.LegacyBaseline(), d.Forgotten())
		})
	}
	for _, addr := range stacks.LegacyBaseline() {
		assert.True(t, strings.Contains(readme, "`"+addr+"`"), "the upgrade note's move table lists %s", addr)
	}
	for _, a := range tests.Accounts() {
		t.Run(a.Stack.Name, func(t *testing.T) {
			for _, typ := range []string{"aws_guardduty_detector", "aws_config_configuration_recorder", "aws_cloudtrail", "aws_s3_bucket", "aws_kms_key"} {
				for _, r := range a.Of(typ) {
					if (typ == "aws_kms_key" || typ == "aws_s3_bucket") && !strings.Contains(r.Name, "audit") {
						continue
					}
					assert.True(t, strings.Contains(readme, "`"+r.Address()+"`"), "the upgrade note names the account stack's %s", r.Address())
				}
			}
		})
	}
}

func upgradeNote(t *testing.T) string {
	data, err := os.ReadFile("../../stacks/UPGRADE-account-stacks.md")
	require.NoError(t, err)
	return string(data)
}
