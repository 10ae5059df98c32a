package judge

import (
	"testing"

	"github.com/stretchr/testify/assert"

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
	t.Run("account", func(t *testing.T) { check(t, AccountExceptions()) })
}
