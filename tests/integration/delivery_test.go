package integration

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// Scenario 7: each class of invalid setting is refused with its documented message before
// any construct exists (Select runs before the app is created).
func TestBadInputIsRefusedBeforeAnyStack(t *testing.T) {
	tests := []struct {
		class  string
		mutate func(envs []envconfig.Environment)
		want   string
	}{
		{"overlapping CIDRs", func(e []envconfig.Environment) { e[1].VPCCIDR = "10.0.0.0/16" },
			`environment "staging": VPCCIDR = 10.0.0.0/16: allowed a CIDR that does not overlap 10.0.0.0/16 of environment "dev"`},
		{"AZ count", func(e []envconfig.Environment) {
			e[2].AvailabilityZones = e[2].AvailabilityZones[:1]
			e[2].NATGateways = 1
		},
			`environment "prod": AvailabilityZones = 1: allowed 2 to 6 availability zones`},
		{"NAT count", func(e []envconfig.Environment) { e[1].NATGateways = 3 },
			`environment "staging": NATGateways = 3: allowed 1 (shared) or 2 (one per availability zone)`},
		{"Fargate size", func(e []envconfig.Environment) { e[0].Services[0].MemoryMiB = 4096 },
			`environment "dev": Services[0].CPU/MemoryMiB = 256/4096: allowed a Fargate size: memory 4096 MiB does not fit cpu 256 (allowed: 512, 1024, 2048)`},
		{"log retention", func(e []envconfig.Environment) { e[0].LogRetentionDays = 10 },
			`environment "dev": LogRetentionDays = 10: allowed one of CloudWatch's values`},
		{"counts", func(e []envconfig.Environment) { e[1].Redis.Nodes = 0 },
			`environment "staging": Redis.Nodes = 0: allowed 1 to 6 (a primary and up to 5 replicas)`},
		{"Aurora class", func(e []envconfig.Environment) { e[0].Aurora.InstanceClass = "db.t3.small" },
			`environment "dev": Aurora.InstanceClass = "db.t3.small": allowed an Aurora PostgreSQL class`},
		{"names", func(e []envconfig.Environment) { e[0].Name = "development-environment" },
			`environment "development-environment": Name = "development-environment": allowed 2-12 lowercase letters or digits`},
		{"account", func(e []envconfig.Environment) { e[1].Account = "qa" },
			`environment "staging": Account = "qa": allowed the name of an account in envconfig.Accounts`},
	}
	for _, tt := range tests {
		t.Run(tt.class, func(t *testing.T) {
			envs := []envconfig.Environment{envconfig.Dev.Clone(), envconfig.Staging.Clone(), envconfig.Prod.Clone()}
			tt.mutate(envs)
			selected, err := envconfig.Select(envs, envconfig.Accounts(), "")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Nil(t, selected, "no environment, so no stack, is built")
		})
	}
}

// `cdktf synth --hcl` (the exit path off cdktf) renders every stack as valid HCL, once
// stacks/cli has repaired cdktf's rendering and added the moved and removed blocks it leaves out.
func TestHCLSynthOfEveryStack(t *testing.T) {
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) {
			out := *d.Stack.Stack.ToHclTerraform()
			raw := out["hcl"].(string)
			assert.Contains(t, raw, `0 = "required_version"`, "cdktf's bug is still there: drop synthesized.RepairHCL when this fails")
			hcl := synthesized.RepairHCL(raw, d.Config)
			assert.NotContains(t, hcl, `0 = "required_version"`)
			assert.Zero(t, strings.Count(raw, "moved {")+strings.Count(raw, "removed {"), "cdktf renders them now: drop their repair")
			require.NotEmpty(t, d.Moves())
			assert.Equal(t, len(d.Moves()), strings.Count(hcl, "\nmoved {\n"), "every moved block, or an applied environment replaces what moved")
			require.NotEmpty(t, d.Forgotten())
			assert.Equal(t, len(d.Forgotten()), strings.Count(hcl, "\nremoved {\n"), "every removed block, or an applied environment destroys what it only forgets")
			assert.Contains(t, hcl, `required_version = ">= 1.10"`)
			assert.Regexp(t, `depends_on = \[\n\s*"`, raw, "cdktf still quotes references: drop the repair when this fails")
			assert.NotRegexp(t, `(depends_on|ignore_changes) = \[\n\s*"`, hcl, "no quoted references (deprecated, a warning per item)")
			assert.Contains(t, hcl, `resource "aws_rds_cluster" "database_cluster_FAF2FB92" {`)
			assert.Equal(t, map[string]int{"dev": 1, "staging": 2, "prod": 3}[d.Env.Name], strings.Count(hcl, `resource "aws_rds_cluster_instance"`))
			// JSON documents with references come out as heredocs, not unescaped one-line strings.
			assert.Contains(t, hcl, "policy = <<EOF\n{")
			assert.NotRegexp(t, `= "[\[{]" `, hcl)
		})
	}
}
