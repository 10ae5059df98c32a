package judge

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/policy"
)

// Every recorded exception, of each environment's stack and of the account stacks, suppresses a
// rule the pack has, at a construct path, with a written reason.
func TestEverySuppressionHasAReason(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range policy.Rules {
		ids[r.ID] = true
	}
	check := func(t *testing.T, exceptions []policy.Suppression) {
		assert.NotEmpty(t, exceptions)
		for _, s := range exceptions {
			assert.True(t, ids[s.Rule], "suppression of unknown rule %s", s.Rule)
			assert.GreaterOrEqual(t, len(s.Reason), 20, "%s %s: a suppression needs a written reason", s.Rule, s.Path)
			assert.NotEmpty(t, s.Path, s.Rule)
		}
	}
	for _, env := range envconfig.All() {
		t.Run(env.Name, func(t *testing.T) { check(t, Exceptions(env)) })
	}
	for _, h := range Hosts(envconfig.Accounts(), envconfig.All()) {
		t.Run(AccountStackName(h.Account, h.Region), func(t *testing.T) { check(t, AccountExceptions(h)) })
	}
}

// The README's exceptions table lists exactly the recorded exceptions: one row per rule and
// Security Hub controls, naming every construct path that is not per service (those appear as
// `service-<name>/…` and `firewall/<service>-…`).
func TestReadmeListsEveryException(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	header := "| rule | Security Hub | resources | reason |\n|---|---|---|---|\n"
	start := strings.Index(string(readme), header)
	require.GreaterOrEqual(t, start, 0, "the README has the exceptions table")
	rows := map[string]string{} // "rule | controls" -> resources cell
	for _, line := range strings.Split(strings.SplitN(string(readme)[start+len(header):], "\n\n", 2)[0], "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		require.Len(t, cells, 4, line)
		rows[cells[0]+" | "+cells[1]] = cells[2]
	}
	want := map[string]bool{}
	perService := regexp.MustCompile(`^(service-|firewall/)`)
	var all []policy.Suppression
	for _, h := range Hosts(envconfig.Accounts(), envconfig.All()) {
		all = append(all, AccountExceptions(h)...)
	}
	for _, env := range envconfig.All() {
		all = append(all, Exceptions(env)...)
	}
	for _, x := range all {
		controls := strings.Join(x.Controls, ", ")
		if controls == "" {
			controls = "—"
		}
		key := x.Rule + " | " + controls
		want[key] = true
		if !perService.MatchString(x.Path) {
			assert.Contains(t, rows[key], "`"+x.Path, "%s: the row names %s", key, x.Path)
		}
	}
	assert.ElementsMatch(t, slices.Collect(maps.Keys(want)), slices.Collect(maps.Keys(rows)))
}
