package report

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/synthesized"
)

func stacksOf(t *testing.T, envs ...envconfig.Environment) []Stack {
	var out []Stack
	for i, e := range envs {
		cfg, err := synthesized.Parse([]byte(`{"resource":{"aws_vpc":{"v":{}},"aws_nat_gateway":{` + nats(i+1) + `}}}`))
		require.NoError(t, err)
		out = append(out, Stack{Env: e, Config: cfg, Policy: policy.Report{Stack: "scalepayments-" + e.Name, Rules: 24}})
	}
	return out
}

func nats(n int) string {
	s := ""
	for i := 0; i < n; i++ {
		if i > 0 {
			s += ","
		}
		s += `"n` + string(rune('0'+i)) + `":{}`
	}
	return s
}

func TestDifferencesListOnlySettingsThatDiffer(t *testing.T) {
	rows := Differences(stacksOf(t, envconfig.Dev, envconfig.Staging, envconfig.Prod))
	byName := map[string][]string{}
	for _, r := range rows {
		byName[r.Setting] = r.Values
	}
	assert.Equal(t, []string{"1", "2", "3"}, byName["NATGateways"])
	assert.Equal(t, []string{"db.t4g.medium", "db.r6g.large", "db.r6g.xlarge"}, byName["Aurora.InstanceClass"])
	assert.Equal(t, []string{"1", "2", "3"}, byName["Redis.Nodes"])
	assert.Equal(t, []string{"7", "30", "365"}, byName["LogRetentionDays"])
	assert.Equal(t, []string{"false", "true", "true"}, byName["WAF"])
	assert.Equal(t, []string{"nonprod", "nonprod", "prod"}, byName["Account"])
	assert.Equal(t, []string{"Development", "Staging", "Production"}, byName["Tags.Environment"])
	assert.Equal(t, []string{"—", "—", "Sensitive"}, byName["Tags.DataClassification"])
	assert.Equal(t, []string{"256", "512", "1024"}, byName["Services.api.CPU"])
	assert.NotContains(t, byName, "Region", "same everywhere")
	assert.NotContains(t, byName, "Services.payment.Secrets")
}

func TestWriteRendersAllThreeSections(t *testing.T) {
	stacks := stacksOf(t, envconfig.Dev, envconfig.Prod)
	rule := &policy.Rules[0]
	bucket := synthesized.Resource{Type: "aws_s3_bucket", Name: "logs"}
	stacks[1].Policy.Findings = []policy.Finding{{Rule: rule, Resource: bucket, Problem: "not encrypted"}}
	stacks[1].Policy.Suppressed = []policy.Suppressed{{Finding: policy.Finding{Rule: rule, Resource: bucket}, Suppression: policy.Suppression{Reason: "AWS allows only SSE-S3"}}}
	var b bytes.Buffer
	Write(&b, stacks)
	out := b.String()
	assert.Contains(t, out, "| resource type | dev | prod |\n|---|---|---|\n| aws_nat_gateway | 1 | 2 |\n| aws_vpc | 1 | 1 |\n| **total** | **2** | **3** |")
	assert.Contains(t, out, "| NATGateways | 1 | 3 |")
	assert.Contains(t, out, "- **scalepayments-prod**: 24 rules, 1 findings, 1 suppressed\n  - finding [SP-ENC-001] `aws_s3_bucket.logs`: not encrypted\n  - suppressed [SP-ENC-001] `aws_s3_bucket.logs`: AWS allows only SSE-S3")
}

func TestReleasesShowEachServicesDigestAndWhereTheyDiffer(t *testing.T) {
	staging := envconfig.Staging.Clone()
	staging.Images["payment"] = envconfig.Image{Digest: "sha256:" + strings.Repeat("c", 64), Tag: "v1.4.2"}
	rows := Releases(stacksOf(t, staging, envconfig.Prod))
	require.Len(t, rows, 3)
	shipped := "`" + envconfig.Prod.Images["api"].Digest + "` (v1.0.0)"
	assert.Equal(t, Row{Setting: "api", Values: []string{shipped, shipped}}, rows[0])
	assert.Equal(t, Row{Setting: "payment (differs)", Values: []string{"`sha256:" + strings.Repeat("c", 64) + "` (v1.4.2)", "`" + envconfig.Prod.Images["payment"].Digest + "` (v1.0.0)"}}, rows[2])
	for _, r := range Differences(stacksOf(t, staging, envconfig.Prod)) {
		assert.NotContains(t, r.Setting, "Images", "releases have their own section")
	}
}

// The objectives follow the settings: a reader turns an instance loss into a failover, a DR
// region adds the region-loss case, snapshots bound Redis's data loss.
func TestRecoveryObjectivesFollowTheSettings(t *testing.T) {
	byCase := func(e envconfig.Environment) map[string]Objective {
		out := map[string]Objective{}
		for _, o := range Objectives(e) {
			out[o.Store+": "+o.Case] = o
		}
		return out
	}
	dev, prod := byCase(envconfig.Dev), byCase(envconfig.Prod)
	assert.Equal(t, auroraRecreate, dev["Aurora: instance lost"].RTO)
	assert.Contains(t, dev["Aurora: AZ lost"].RTO, "until an operator adds an instance")
	assert.NotContains(t, dev, "Aurora: region lost (us-east-1)")
	assert.Equal(t, "everything: no snapshots (a cache, rebuilt from Aurora)", dev["Redis: data lost or corrupted"].RPO)

	assert.Equal(t, auroraFailover, prod["Aurora: instance or AZ lost"].RTO)
	assert.Equal(t, auroraPITR, prod["Aurora: bad write or deletion (within 30 days)"].RPO)
	assert.Equal(t, "≤ 24 h + copy time (daily copy at 05:00 UTC, kept 90 days)", prod["Aurora: region lost (us-east-1)"].RPO)
	assert.Contains(t, prod["Aurora: region lost (us-east-1)"].RTO, "restore the copy in us-west-2")
	assert.Equal(t, "seconds (asynchronous replication)", prod["Redis: node or AZ lost"].RPO)
	assert.Equal(t, "≤ 24 h (daily snapshot, kept 7 days)", prod["Redis: data lost or corrupted"].RPO)
	assert.Len(t, Objectives(envconfig.Prod), 5)
	assert.Len(t, Objectives(envconfig.Dev), 5)
}

// The backup reference shows the table the code computes for the shipped environments.
func TestReadmeShowsTheRecoveryObjectives(t *testing.T) {
	readme, err := os.ReadFile("../../constructs/backup/README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), Table(envconfig.All()), "paste Table(envconfig.All()) into constructs/backup/README.md")
}
