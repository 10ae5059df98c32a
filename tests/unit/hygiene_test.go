package unit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/tests"
)

func TestEveryTaggableResourceIsTagged(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		assert.Empty(t, policy.Untagged(d.Config), d.Env.Name)
		want := map[string]string{"Project": "ScalePayments", "ManagedBy": "cdktf", "Stack": d.Stack.Name}
		for k, v := range d.Env.Tags {
			want[k] = v
		}
		assert.Equal(t, want, d.DefaultTags(), d.Env.Name)
	}
}

func TestEnvironmentTagsMatchTheDesign(t *testing.T) {
	assert.Equal(t, "Development", dev.DefaultTags()["Environment"])
	assert.Equal(t, "Staging", staging.DefaultTags()["Environment"])
	assert.Equal(t, "Production", prod.DefaultTags()["Environment"])
	assert.Equal(t, "Sensitive", prod.DefaultTags()["DataClassification"])
	assert.NotContains(t, dev.DefaultTags(), "Compliance")
}

func TestAllNamesWithinLimits(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		assert.Empty(t, policy.NameViolations(d.Config), d.Env.Name)
	}
}

func TestStackSettings(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		tf := d.Root["terraform"].(tests.Body)
		assert.Equal(t, ">= 1.10", tf["required_version"])
		assert.Equal(t, map[string]any{"aws": map[string]any{"source": "aws", "version": "~> 5.99"}}, tf["required_providers"], "accepts the bindings' 5.99.1 and the mirror's 5.100.0")
		assert.Equal(t, map[string]any{"local": map[string]any{"path": "terraform.scalepayments-" + d.Env.Name + ".tfstate"}}, tf["backend"])
		p := d.Provider()
		assert.Equal(t, "us-east-1", p["region"])
		assert.Len(t, p["allowed_account_ids"], 1, "pinned to its one account")
		for _, o := range []string{"vpc_id", "public_subnet_ids", "private_subnet_ids", "database_subnet_ids"} {
			assert.Contains(t, d.Root["output"], o)
		}
	}
}

// Every stack refuses any account but its own: the environment's account id from envconfig.
func TestEveryStackIsPinnedToItsAccount(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		acct, _ := envconfig.AccountOf(envconfig.Accounts(), d.Env)
		assert.Equal(t, []any{acct.ID}, d.Provider()["allowed_account_ids"], d.Env.Name)
	}
	assert.Equal(t, []any{"444455556666"}, prod.Provider()["allowed_account_ids"], "the prod account, never nonprod's")
}

// The longest environment name and code envconfig allows still yields names within limits.
func TestNamesFitForTheLongestEnvironment(t *testing.T) {
	env := prod.Env.Clone()
	env.Name, env.Code, env.APIDomain = "performance1", "perf", "api.performance1.scalepayments.com"
	require.NoError(t, env.Validate())
	d := tests.Synth(env)
	assert.Empty(t, policy.NameViolations(d.Config))
	for _, tg := range d.List("aws_lb_target_group") {
		assert.LessOrEqual(t, len(tg["name"].(string)), 32, tg["name"])
	}
	assert.Equal(t, "sp-perf-notification", d.Resources("aws_lb_target_group")[d.NameOf("aws_lb_target_group", "sp-perf-notification")]["name"])
	assert.Equal(t, "scalepayments-performance1-redis", d.One("aws_elasticache_replication_group")["replication_group_id"])
}
