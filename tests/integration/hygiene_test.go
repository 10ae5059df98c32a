package integration

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/tests"
)

var literalSecret = regexp.MustCompile(`AKIA[0-9A-Z]{16}|-----BEGIN|"(password|master_password|auth_token|secret_string)":`)

// Scenario 6: no literal secret, every taggable resource tagged with the right Environment,
// every name within its limit, and byte-identical output across two synths.
func TestHygiene(t *testing.T) {
	envTag := map[string]string{"dev": "Development", "staging": "Staging", "prod": "Production"}
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) {
			assert.NotRegexp(t, literalSecret, d.JSON)
			assert.Empty(t, policy.Untagged(d.Config))
			tags := d.DefaultTags()
			assert.Equal(t, envTag[d.Env.Name], tags["Environment"])
			assert.Equal(t, "ScalePayments", tags["Project"])
			assert.Equal(t, "cdktf", tags["ManagedBy"])
			assert.Equal(t, "scalepayments-"+d.Env.Name, tags["Stack"])
			assert.Equal(t, "scalepayments-"+d.Env.Name, d.Stack.Name)
			assert.Empty(t, policy.NameViolations(d.Config))
		})
	}
}

func TestSynthIsDeterministic(t *testing.T) {
	for _, env := range []envconfig.Environment{envconfig.Prod} {
		t.Run(env.Name, func(t *testing.T) {
			again := stacks.New(tests.App(), env, envconfig.ProdAccount, envconfig.Backend{Kind: "local"}, stacks.Peers{Accounts: envconfig.Accounts(), Envs: envconfig.All()})
			// Compared as a boolean: a diff of two 300 kB documents helps nobody.
			assert.True(t, prod.JSON == tests.SynthStack(again.Stack).JSON, "stable logical ids and values")
		})
	}
}

// The policy pack and the report read stacks.Synthesized(): in HCL mode (no JSON file) it
// asks jsii, and that must be exactly what cdktf writes in JSON mode.
func TestSynthesizedIsWhatCdktfWrites(t *testing.T) {
	t.Run("prod", func(t *testing.T) {
		cfg, err := stacks.Synthesized(t.TempDir(), prod.Stack.Name, prod.Stack.Stack)
		require.NoError(t, err)
		assert.True(t, reflect.DeepEqual(prod.Root, cfg.Root))
	})
}

// The pack judges a stack by its stage's floors, not by the flags that built it: a production
// environment that switches WAF off (bypassing validation) fails synth.
func TestPackHoldsProductionToItsFloors(t *testing.T) {
	weak := envconfig.Prod.Clone()
	weak.WAF = false
	require.Error(t, weak.Validate(), "validation refuses it first")
	t.Run("prod", func(t *testing.T) {
		d := tests.Synth(weak)
		assert.Equal(t, []string{"SP-WAF-001"}, policy.Check("scalepayments-prod", d.Config, weak, judge.Exceptions(weak)).IDs())
	})
}
