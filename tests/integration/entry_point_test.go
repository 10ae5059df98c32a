package integration

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/stacks/cli"
)

// The command main runs, end to end in this package's jsii process (no process of its own to
// pay jsii's start again): one environment synthesized, checked and reported, and the first
// deployment's targets read back from what it wrote. stacks/cli runs the bad inputs as a process.
func TestReportThroughTheCommand(t *testing.T) {
	for _, k := range []string{"TF_CLOUD_ORGANIZATION", "SCALEPAYMENTS_STATE_BUCKET", "SYNTH_HCL_OUTPUT"} {
		t.Setenv(k, "") // the command reads these in Go, where empty is unset: local state, JSON
	}
	outdir := filepath.Join(t.TempDir(), "out")
	t.Setenv("CDKTF_OUTDIR", outdir)
	t.Setenv("SCALEPAYMENTS_ENVIRONMENTS", " dev ")
	t.Setenv("SCALEPAYMENTS_TIMING", "1")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, cli.Run([]string{"report"}, &stdout, &stderr), stderr.String())
	assert.Equal(t, "", stderr.String(), "nothing alarming on a successful run") // Node.js's own stderr: make test
	assert.Regexp(t, `(?m)^policy: scalepayments-dev: 47 rules, 0 findings, 8 suppressed$`, stdout.String())
	assert.Regexp(t, `(?m)^policy: scalepayments-account-nonprod: 47 rules, 0 findings, [0-9]+ suppressed$`, stdout.String())
	assert.Regexp(t, `synth: `+regexp.QuoteMeta(outdir)+`/stacks/scalepayments-account-nonprod/cdk.tf.json: [0-9]+ resources\n`+
		`synth: `+regexp.QuoteMeta(outdir)+`/stacks/scalepayments-dev/cdk.tf.json: [0-9]+ resources\nreport: `+regexp.QuoteMeta(outdir)+`/report.md\n`+
		`timing: jsii and cdktf [0-9.]+ s, the AWS provider's assembly [0-9.]+ s, constructs [0-9.]+ s, app.Synth [0-9.]+ s, reading, the policy pack and writing [0-9.]+ s\n$`, stdout.String())
	entries, err := os.ReadDir(filepath.Join(outdir, "stacks"))
	require.NoError(t, err)
	assert.Len(t, entries, 2, "only the selected environment and its account")
	report, err := os.ReadFile(filepath.Join(outdir, "report.md"))
	require.NoError(t, err)
	assert.Contains(t, string(report), "- **scalepayments-dev**: 47 rules, 0 findings, 8 suppressed")

	// Step 1 of the first deployment targets exactly the repositories and the secrets.
	var out bytes.Buffer
	require.Equal(t, 0, cli.Run([]string{"targets", "dev"}, &out, io.Discard))
	targets := strings.Fields(out.String())
	assert.Len(t, targets, 5, "3 repositories and 2 secrets")
	for _, tgt := range targets {
		assert.Regexp(t, `^-target=aws_(ecr_repository|secretsmanager_secret)\.service-[a-z]+_[a-z-]+_[0-9A-F]{8}$`, tgt)
	}
}
