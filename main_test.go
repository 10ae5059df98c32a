package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/report"
)

func reviewed(t *testing.T, json string) []report.Stack {
	cfg, err := policy.Parse([]byte(json))
	require.NoError(t, err)
	return []report.Stack{{Env: envconfig.Dev, Config: cfg, Policy: policy.Check("scalepayments-dev", cfg, envconfig.Dev, stacks.Suppressions)}}
}

func TestCheckFailsSynthOnAFinding(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, 1, check(&out, reviewed(t, `{"resource":{"aws_cloudwatch_log_group":{"plain":{"name":"x","tags":{"Name":"x"}}}}}`)))
	assert.Contains(t, out.String(), "[SP-ENC-003] HIGH (PCI-DSS 3.5.1, 10.3.2) aws_cloudwatch_log_group.plain: kms_key_id is not set")
	assert.Contains(t, out.String(), "policy: synth failed")
}

func TestCheckPassesACleanStack(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, 0, check(&out, reviewed(t, `{"resource":{}}`)))
	assert.Equal(t, "policy: scalepayments-dev: 24 rules, 0 findings, 0 suppressed\n", out.String())
}

func TestWriteReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.md")
	require.NoError(t, writeReport(path, reviewed(t, `{"resource":{"aws_vpc":{"v":{"tags":{"Name":"v"}}}}}`)))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), "| aws_vpc | 1 |")
	assert.Error(t, writeReport(filepath.Join(t.TempDir(), "missing", "report.md"), nil))
}

func TestBadInputExitsBeforeAnyConstruct(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("SCALEPAYMENTS_ENVIRONMENTS", "dev,qa")
	assert.Equal(t, 1, run(nil))
	t.Setenv("SCALEPAYMENTS_ENVIRONMENTS", "")
	t.Setenv("TF_CLOUD_ORGANIZATION", "scalepayments")
	t.Setenv("SCALEPAYMENTS_STATE_BUCKET", "state")
	assert.Equal(t, 1, run(nil))
	assert.Equal(t, 2, run([]string{"deploy"}))
	_, err := os.Stat("cdktf.out")
	assert.True(t, os.IsNotExist(err), "no stack was synthesized")
}

// End to end: one environment synthesized by the real entry point, checked, and reported.
func TestRunSynthesizesChecksAndReports(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("SCALEPAYMENTS_ENVIRONMENTS", "dev")
	require.Equal(t, 0, run([]string{"report"}))
	_, err := os.Stat(filepath.Join("cdktf.out", "stacks", "scalepayments-dev", "cdk.tf.json"))
	assert.NoError(t, err)
	report, err := os.ReadFile(filepath.Join("cdktf.out", "report.md"))
	require.NoError(t, err)
	assert.Contains(t, string(report), "- **scalepayments-dev**: 24 rules, 0 findings, 1 suppressed")
}
