package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	assert.Equal(t, 1, run(nil, io.Discard))
	t.Setenv("SCALEPAYMENTS_ENVIRONMENTS", "")
	t.Setenv("TF_CLOUD_ORGANIZATION", "scalepayments")
	t.Setenv("SCALEPAYMENTS_STATE_BUCKET", "state")
	assert.Equal(t, 1, run(nil, io.Discard))
	assert.Equal(t, 2, run([]string{"deploy"}, io.Discard))
	_, err := os.Stat("cdktf.out")
	assert.True(t, os.IsNotExist(err), "no stack was synthesized")
}

// End to end: one environment synthesized by the real entry point, checked, and reported.
func TestRunSynthesizesChecksAndReports(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("SCALEPAYMENTS_ENVIRONMENTS", "dev")
	require.Equal(t, 0, run([]string{"report"}, io.Discard))
	_, err := os.Stat(filepath.Join("cdktf.out", "stacks", "scalepayments-dev", "cdk.tf.json"))
	assert.NoError(t, err)
	report, err := os.ReadFile(filepath.Join("cdktf.out", "report.md"))
	require.NoError(t, err)
	assert.Contains(t, string(report), "- **scalepayments-dev**: 24 rules, 0 findings, 1 suppressed")

	// Step 1 of the first deployment targets exactly the repositories and the secrets.
	var out bytes.Buffer
	require.Equal(t, 0, run([]string{"targets", "dev"}, &out))
	targets := strings.Fields(out.String())
	assert.Len(t, targets, 5, "3 repositories and 2 secrets")
	for _, tgt := range targets {
		assert.Regexp(t, `^-target=aws_(ecr_repository|secretsmanager_secret)\.service-[a-z]+_[a-z-]+_[0-9A-F]{8}$`, tgt)
	}
}

func TestOperatorCommands(t *testing.T) {
	var out bytes.Buffer
	require.Equal(t, 0, run([]string{"db-users", "prod"}, &out))
	sql := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, sql, 6, "api and payment have database users; notification has none")
	assert.Equal(t, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'api') THEN CREATE ROLE api LOGIN; END IF; END $$", sql[0])
	assert.Equal(t, "GRANT rds_iam TO payment", sql[4])
	assert.Equal(t, "GRANT CONNECT ON DATABASE scalepayments TO payment", sql[5])
	assert.NotContains(t, out.String(), "notification")

	out.Reset()
	require.Equal(t, 0, run([]string{"services", "staging"}, &out))
	assert.Equal(t, "api\npayment\nnotification\n", out.String())

	assert.Equal(t, 1, run([]string{"services", "qa"}, io.Discard), "unknown environment")
	t.Chdir(t.TempDir())
	assert.Equal(t, 1, run([]string{"targets", "dev"}, io.Discard), "nothing synthesized yet")
}

// The first-deployment procedure is make targets; each runs the commands the README describes.
func TestFirstDeploymentTargets(t *testing.T) {
	for target, want := range map[string][]string{
		"bootstrap": {"SCALEPAYMENTS_ENVIRONMENTS=dev ./bin/scalepayments", "terraform -chdir=cdktf.out/stacks/scalepayments-dev init -input=false",
			"terraform -chdir=cdktf.out/stacks/scalepayments-dev apply $(./bin/scalepayments targets dev)"},
		"secret":   {"aws secretsmanager put-secret-value --secret-id scalepayments/dev/payment/processor-api-key --secret-string file:///dev/stdin"},
		"db-users": {"output -raw aurora_cluster_arn", "./bin/scalepayments db-users dev", "aws rds-data execute-statement"},
		"redeploy": {"output -raw ecs_cluster_name", "./bin/scalepayments services dev", "--force-new-deployment"},
		"deploy":   {"node_modules/.bin/cdktf deploy scalepayments-dev"},
	} {
		out, err := exec.Command("make", "-n", target, "ENV=dev", "SERVICE=payment", "NAME=processor-api-key").CombinedOutput()
		require.NoError(t, err, "%s: %s", target, out)
		for _, w := range want {
			assert.Contains(t, string(out), w, target)
		}
		out, err = exec.Command("make", "-n", target).CombinedOutput()
		assert.Error(t, err, target)
		assert.Contains(t, string(out), "usage: make "+target+" ENV=dev|staging|prod", target)
	}
}
