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
	assert.Regexp(t, `(?m)^policy: scalepayments-dev: 57 rules, 0 findings, 8 suppressed$`, stdout.String())
	assert.Regexp(t, `(?m)^policy: scalepayments-account-nonprod: 57 rules, 0 findings, [0-9]+ suppressed$`, stdout.String())
	assert.Regexp(t, `synth: `+regexp.QuoteMeta(outdir)+`/stacks/scalepayments-account-nonprod/cdk.tf.json: [0-9]+ resources\n`+
		`synth: `+regexp.QuoteMeta(outdir)+`/stacks/scalepayments-dev/cdk.tf.json: [0-9]+ resources\nreport: `+regexp.QuoteMeta(outdir)+`/report.md\n`+
		`timing: jsii and cdktf [0-9.]+ s, the AWS provider's assembly [0-9.]+ s, constructs [0-9.]+ s, app.Synth [0-9.]+ s, reading, the policy pack and writing [0-9.]+ s\n$`, stdout.String())
	entries, err := os.ReadDir(filepath.Join(outdir, "stacks"))
	require.NoError(t, err)
	assert.Len(t, entries, 2, "only the selected environment and its account")
	report, err := os.ReadFile(filepath.Join(outdir, "report.md"))
	require.NoError(t, err)
	assert.Contains(t, string(report), "- **scalepayments-dev**: 57 rules, 0 findings, 8 suppressed")

	// Step 1 of the first deployment targets the repositories, the secrets and the release role,
	// with what only configures them (tests/integration apply_test.go proves why each).
	var out bytes.Buffer
	require.Equal(t, 0, cli.Run([]string{"targets", "dev"}, &out, io.Discard))
	assert.Equal(t, []string{
		"-target=aws_ecr_lifecycle_policy.service-api_repository-lifecycle_374A6A12",
		"-target=aws_ecr_lifecycle_policy.service-notification_repository-lifecycle_0BFCA592",
		"-target=aws_ecr_lifecycle_policy.service-payment_repository-lifecycle_7B37E89A",
		"-target=aws_ecr_repository.service-api_repository_D8D3EC16",
		"-target=aws_ecr_repository.service-notification_repository_BCD3F68E",
		"-target=aws_ecr_repository.service-payment_repository_51DC784C",
		"-target=aws_iam_role.release_role_45F3B686",
		"-target=aws_iam_role_policy.release_role-push-images_EC3BCAEC",
		"-target=aws_secretsmanager_secret.service-notification_secret-email-api-key_23CA5260",
		"-target=aws_secretsmanager_secret.service-payment_secret-processor-api-key_77EB7D3C",
	}, strings.Fields(out.String()))
}
