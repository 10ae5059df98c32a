package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/contract"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/report"
	"github.com/scalepayments/infra/stacks/synthesized"
)

func reviewed(t *testing.T, json string) []report.Stack {
	cfg, err := synthesized.Parse([]byte(json))
	require.NoError(t, err)
	return []report.Stack{{Env: envconfig.Dev, Config: cfg, Policy: policy.Check("scalepayments-dev", cfg, envconfig.Dev, judge.Exceptions(envconfig.Dev))}}
}

func reports(reviewed []report.Stack) []judge.Verdict {
	var out []judge.Verdict
	for _, s := range reviewed {
		out = append(out, judge.Verdict{Policy: s.Policy, Contract: contract.Check(s.Policy.Stack, s.Config, s.Env.Stage, s.Env.ChangeProtected())})
	}
	return out
}

// runMain makes this test binary run Run as the command instead of the tests: the bad-input tests
// run the entry point as a process without building a second binary (they stop before any jsii
// call, so no kernel starts).
const runMain = "SCALEPAYMENTS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	run := m.Run
	if os.Getenv(runMain) == "1" {
		run = func() int { return Run(os.Args[1:], os.Stdout, os.Stderr) }
	}
	code := run()
	jsii.Close() // removes the runtime jsii-runtime-go extracts into /tmp when a binary starts
	os.Exit(code)
}

// repo is the repository root, where the Makefile and the release manifests are.
const repo = "../.."

func TestCheckFailsSynthOnAFinding(t *testing.T) {
	var out, errs bytes.Buffer
	assert.Equal(t, 1, check(&out, &errs, reports(reviewed(t, `{"resource":{"aws_cloudwatch_log_group":{"plain":{"name":"x","tags":{"Name":"x"}}}}}`))))
	assert.Contains(t, errs.String(), "[SP-ENC-003] HIGH (PCI-DSS 3.5.1, 10.3.2) aws_cloudwatch_log_group.plain: kms_key_id is not set")
	assert.Contains(t, errs.String(), "policy: synth failed")
	assert.Empty(t, out.String(), "a failing stack reports on stderr")
}

func TestCheckPassesACleanStack(t *testing.T) {
	var out, errs bytes.Buffer
	assert.Equal(t, 0, check(&out, &errs, reports(reviewed(t, `{"provider":{"aws":[{"allowed_account_ids":["111122223333"]}]},"resource":{}}`))))
	assert.Equal(t, "policy: scalepayments-dev: 57 rules, 0 findings, 0 suppressed\ncontract: scalepayments-dev: 23 cases, 0 violations\n", out.String())
	assert.Empty(t, errs.String())
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
	assert.Equal(t, 1, Run(nil, io.Discard, io.Discard))
	t.Setenv("SCALEPAYMENTS_ENVIRONMENTS", "")
	t.Setenv("TF_CLOUD_ORGANIZATION", "scalepayments")
	t.Setenv("SCALEPAYMENTS_STATE_BUCKET", "state")
	assert.Equal(t, 1, Run(nil, io.Discard, io.Discard))
	assert.Equal(t, 2, Run([]string{"deploy"}, io.Discard, io.Discard))
	t.Setenv("TF_CLOUD_ORGANIZATION", "")
	t.Setenv("SCALEPAYMENTS_IMAGE_PAYMENT", "latest")
	var errs bytes.Buffer
	assert.Equal(t, 1, Run(nil, io.Discard, &errs))
	assert.Equal(t, "scalepayments: SCALEPAYMENTS_IMAGE_PAYMENT is set but 3 environments are selected (dev, staging, prod): allowed with exactly one, e.g. SCALEPAYMENTS_ENVIRONMENTS=staging\n", errs.String())
	_, err := os.Stat("cdktf.out")
	assert.True(t, os.IsNotExist(err), "no stack was synthesized")
}

func TestOperatorCommands(t *testing.T) {
	var out bytes.Buffer
	require.Equal(t, 0, Run([]string{"db-users", "prod"}, &out, io.Discard))
	sql := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, sql, 6, "api and payment have database users; notification has none")
	assert.Equal(t, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'api') THEN CREATE ROLE api LOGIN; END IF; END $$", sql[0])
	assert.Equal(t, "GRANT rds_iam TO payment", sql[4])
	assert.Equal(t, "GRANT CONNECT ON DATABASE scalepayments TO payment", sql[5])
	assert.NotContains(t, out.String(), "notification")

	out.Reset()
	require.Equal(t, 0, Run([]string{"services", "staging"}, &out, io.Discard))
	assert.Equal(t, "api\npayment\nnotification\n", out.String())

	assert.Equal(t, 1, Run([]string{"services", "qa"}, io.Discard, io.Discard), "unknown environment")

	// Deploy targets refuse an account that still has its example id, naming the variable.
	var errs bytes.Buffer
	assert.Equal(t, 1, Run([]string{"ready", "prod"}, io.Discard, &errs))
	assert.Equal(t, "scalepayments: account \"prod\" has the example id 444455556666: set SCALEPAYMENTS_ACCOUNT_PROD to its 12-digit AWS account id\n", errs.String())
	t.Setenv("SCALEPAYMENTS_ACCOUNT_NONPROD", "210987654321")
	assert.Equal(t, 0, Run([]string{"ready", "account-nonprod"}, io.Discard, io.Discard))
	assert.Equal(t, 0, Run([]string{"ready", "staging"}, io.Discard, io.Discard))
	assert.Equal(t, 1, Run([]string{"ready", "account-qa"}, io.Discard, io.Discard))
	t.Chdir(t.TempDir())
	assert.Equal(t, 1, Run([]string{"targets", "dev"}, io.Discard, io.Discard), "nothing synthesized yet")
}

// make promote copies the tested digests forward in the repository's manifests, and refuses a
// pair that is not a promotion step.
func TestPromoteCommand(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(dir, envconfig.ReleasesDir), os.DirFS(filepath.Join(repo, envconfig.ReleasesDir))))
	t.Chdir(dir)
	staging := envconfig.Manifest{Services: envconfig.Staging.Clone().Images}
	digest := "sha256:" + strings.Repeat("7", 64)
	staging.Services["payment"] = envconfig.Image{Digest: digest, Tag: "v1.4.2"}
	require.NoError(t, os.WriteFile(envconfig.ManifestPath("staging"), staging.JSON(), 0o644))

	var out bytes.Buffer
	require.Equal(t, 0, Run([]string{"promote", "staging", "prod", "payment"}, &out, io.Discard))
	assert.Equal(t, "promote: prod payment: "+envconfig.Prod.Images["payment"].Digest+" -> "+digest+" (v1.4.2)\n", out.String())
	data, err := os.ReadFile(envconfig.ManifestPath("prod"))
	require.NoError(t, err)
	prod, err := envconfig.ParseManifest(data)
	require.NoError(t, err)
	assert.Equal(t, staging.Services, prod.Services, "prod now runs exactly staging's digests")

	var errs bytes.Buffer
	assert.Equal(t, 1, Run([]string{"promote", "dev", "prod"}, io.Discard, &errs))
	assert.Equal(t, "scalepayments: FROM=dev TO=prod: prod promotes from \"staging\" (its PromoteFrom): its release role pulls only from there\n", errs.String())
	errs.Reset()
	assert.Equal(t, 1, Run([]string{"promote", "staging", "qa"}, io.Discard, &errs))
	assert.Equal(t, "scalepayments: TO=\"qa\": unknown environment: allowed dev, staging, prod\n", errs.String())
}

// The first-deployment procedure is make targets; each runs the commands the README describes.
func TestFirstDeploymentTargets(t *testing.T) {
	for target, want := range map[string][]string{
		"bootstrap": {"./bin/scalepayments ready dev", "SCALEPAYMENTS_ENVIRONMENTS=dev ./bin/scalepayments", "terraform -chdir=cdktf.out/stacks/scalepayments-dev init -input=false",
			"terraform -chdir=cdktf.out/stacks/scalepayments-dev apply $(./bin/scalepayments targets dev)"},
		"secret":   {"aws secretsmanager put-secret-value --secret-id scalepayments/dev/payment/processor-api-key --secret-string file:///dev/stdin"},
		"db-users": {"output -raw aurora_cluster_arn", "./bin/scalepayments db-users dev", "aws rds-data execute-statement"},
		"redeploy": {"output -raw ecs_cluster_name", "./bin/scalepayments services dev", "--force-new-deployment"},
		"deploy":   {"./bin/scalepayments ready dev", "node_modules/.bin/cdktf deploy scalepayments-dev"},
		"diff":     {"./bin/scalepayments ready dev", "node_modules/.bin/cdktf diff scalepayments-dev"},
	} {
		makeN := func(args ...string) ([]byte, error) {
			cmd := exec.Command("make", append([]string{"-n", target}, args...)...)
			cmd.Dir = repo
			return cmd.CombinedOutput()
		}
		out, err := makeN("ENV=dev", "SERVICE=payment", "NAME=processor-api-key")
		require.NoError(t, err, "%s: %s", target, out)
		for _, w := range want {
			assert.Contains(t, string(out), w, target)
		}
		out, err = makeN()
		assert.Error(t, err, target)
		assert.Contains(t, string(out), "usage: make "+target+" ENV=dev|staging|prod", target)
	}
}

// The command as a user runs it: each bad input is one line on stderr and exit 1, before
// anything is written. (tests/integration runs a clean synth through Run, in its jsii process.)
func TestBinaryRefusesBadInputInOneLine(t *testing.T) {
	bin := os.Args[0] // this test binary runs the command when asked (TestMain): no second build
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))

	runBin := func(t *testing.T, args []string, env map[string]string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = t.TempDir()
		// Without the Makefile's silencing variable, jsii's Node.js warning would fail the test
		// if a bad input ever let jsii start.
		cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
			return strings.HasPrefix(kv, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=")
		}), runMain+"=1")
		for _, k := range []string{"SCALEPAYMENTS_ENVIRONMENTS", "CDKTF_OUTDIR", "TF_CLOUD_ORGANIZATION", "TF_CLOUD_HOSTNAME", "TF_CLOUD_PROJECT",
			"SCALEPAYMENTS_STATE_BUCKET", "SCALEPAYMENTS_STATE_REGION", "SCALEPAYMENTS_STATE_KMS_KEY_ID", "SYNTH_HCL_OUTPUT"} {
			cmd.Env = append(cmd.Env, k+"="+env[k]) // empty means unset
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else {
			require.NoError(t, err)
		}
		if code != 0 {
			entries, _ := os.ReadDir(cmd.Dir)
			assert.Empty(t, entries, "nothing written before the input is refused")
		}
		return stdout.String(), stderr.String(), code
	}

	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want string
		code int
	}{
		{"no run task bundle", nil, nil, "scalepayments: bin/run-task.zip: the run task's Lambda bundle is missing: build it first (make lambda)\n", 1},
		{"unwritable CDKTF_OUTDIR", nil, map[string]string{"CDKTF_OUTDIR": file + "/out", "SCALEPAYMENTS_ENVIRONMENTS": "dev"},
			`scalepayments: CDKTF_OUTDIR="` + file + `/out": cannot write the output directory there: not a directory` + "\n", 1},
		{"S3 bucket name", nil, map[string]string{"SCALEPAYMENTS_STATE_BUCKET": "Bad_Bucket!"},
			`scalepayments: backend: SCALEPAYMENTS_STATE_BUCKET="Bad_Bucket!": allowed an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit` + "\n", 1},
		{"state region", nil, map[string]string{"SCALEPAYMENTS_STATE_BUCKET": "sp-state", "SCALEPAYMENTS_STATE_REGION": "mars-1"},
			`scalepayments: backend: SCALEPAYMENTS_STATE_REGION="mars-1": allowed an AWS region name such as us-east-1` + "\n", 1},
		{"state key", nil, map[string]string{"SCALEPAYMENTS_STATE_BUCKET": "sp-state", "SCALEPAYMENTS_STATE_KMS_KEY_ID": "my-key"},
			`scalepayments: backend: SCALEPAYMENTS_STATE_KMS_KEY_ID="my-key": allowed a KMS key id, alias/<name>, or the ARN of a key or alias` + "\n", 1},
		{"Terraform Cloud organization", nil, map[string]string{"TF_CLOUD_ORGANIZATION": "scale payments"},
			`scalepayments: backend: TF_CLOUD_ORGANIZATION="scale payments": allowed a Terraform Cloud organization name: letters, digits, underscores and hyphens` + "\n", 1},
		{"Terraform Cloud project", nil, map[string]string{"TF_CLOUD_ORGANIZATION": "scalepayments", "TF_CLOUD_PROJECT": "a/b"},
			`scalepayments: backend: TF_CLOUD_PROJECT="a/b": allowed a Terraform Cloud project name: 3-40 letters, digits, spaces, underscores and hyphens` + "\n", 1},
		{"environment case", nil, map[string]string{"SCALEPAYMENTS_ENVIRONMENTS": "dev, Prod"},
			`scalepayments: SCALEPAYMENTS_ENVIRONMENTS: unknown environment "Prod" (names are lowercase: "prod"?): allowed dev, staging, prod` + "\n", 1},
		{"environment list", nil, map[string]string{"SCALEPAYMENTS_ENVIRONMENTS": "dev,,prod"},
			`scalepayments: SCALEPAYMENTS_ENVIRONMENTS="dev,,prod": empty name in the list: allowed a comma-separated list of dev, staging, prod` + "\n", 1},
		{"unknown command", []string{"deploy"}, nil, usage, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runBin(t, tt.args, tt.env)
			assert.Equal(t, tt.code, code)
			assert.Equal(t, tt.want, stderr)
			assert.Empty(t, stdout)
		})
	}
}

// A plan in `terraform show -json` form whose provider pins dev's account and whose one key
// does not rotate.
const badPlan = `{"format_version":"1.2",
 "planned_values":{"root_module":{"resources":[{"address":"aws_kms_key.keys_logs_1A2B3C4D","mode":"managed","type":"aws_kms_key","name":"keys_logs_1A2B3C4D",
   "values":{"enable_key_rotation":false,"tags":{"Name":"logs"}}}]}},
 "resource_changes":[{"address":"aws_kms_key.keys_logs_1A2B3C4D","change":{"after_unknown":{"arn":true}}}],
 "configuration":{"provider_config":{"aws":{"name":"aws","expressions":{"allowed_account_ids":{"constant_value":["111122223333"]},
   "default_tags":[{"tags":{"constant_value":{"Stack":"scalepayments-dev"}}}]}}},
  "root_module":{"resources":[{"address":"aws_kms_key.keys_logs_1A2B3C4D","provider_config_key":"aws","expressions":{"enable_key_rotation":{"constant_value":false}}}]}}}`

// check judges a plan or a synthesized stack by its Stack tag, with synth's output and exit codes.
func TestCheckJudgesAPlanOrASynthesizedStack(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
		return path
	}
	var out, errs bytes.Buffer
	assert.Equal(t, 1, Run([]string{"check", write("plan.json", badPlan)}, &out, &errs))
	assert.Empty(t, out.String())
	assert.Equal(t, "policy: scalepayments-dev: 57 rules, 1 findings, 0 suppressed\n"+
		"  [SP-KMS-001] HIGH (PCI-DSS 3.7.4) aws_kms_key.keys_logs_1A2B3C4D: enable_key_rotation is false, must be true\n"+
		"    fix: set enable_key_rotation = true (constructs/keys does)\n"+
		"contract: scalepayments-dev: 23 cases, 0 violations\n"+
		"policy: synth failed: fix the findings above, or record it in stacks/judge/exceptions.go with a written reason\n", errs.String())

	out.Reset()
	errs.Reset()
	fixed := strings.ReplaceAll(badPlan, "false", "true")
	assert.Equal(t, 0, Run([]string{"check", write("fixed.json", fixed)}, &out, &errs), errs.String())
	assert.Equal(t, "policy: scalepayments-dev: 57 rules, 0 findings, 0 suppressed\ncontract: scalepayments-dev: 23 cases, 0 violations\n", out.String())

	out.Reset()
	errs.Reset()
	forgets := strings.Replace(fixed, `"resource_changes":[`, `"resource_changes":[{"address":"aws_guardduty_detector_feature.f","type":"aws_guardduty_detector_feature","change":{"actions":["delete"]}},`, 1)
	assert.Equal(t, 1, Run([]string{"check", write("forgets.json", forgets)}, &out, &errs))
	assert.Equal(t, "policy: scalepayments-dev: 57 rules, 0 findings, 0 suppressed\ncontract: scalepayments-dev: 23 cases, 1 violations\n"+
		"  [AC-DEL-001] aws_guardduty_detector_feature.f: the plan deletes it, but the provider only forgets it: the protection keeps its last status: keep it with status = DISABLED\n"+
		"    see: "+contract.Cases[slices.IndexFunc(contract.Cases, func(c contract.Case) bool { return c.ID == "AC-DEL-001" })].Page+"\n"+
		"contract: synth failed: fix the violations above: each is an apply AWS would refuse, or a state it would take over\n", errs.String())

	out.Reset()
	errs.Reset()
	stack := `{"provider":{"aws":[{"allowed_account_ids":["111122223333"],"default_tags":[{"tags":{"Stack":"scalepayments-prod"}}]}]},` +
		`"resource":{"aws_cloudwatch_log_group":{"l":{"name":"l","kms_key_id":"k","retention_in_days":30,"tags":{"Name":"l"}}}}}`
	assert.Equal(t, 1, Run([]string{"check", write("cdk.tf.json", stack)}, &out, &errs))
	assert.Contains(t, errs.String(), "[SP-LOG-002] HIGH (PCI-DSS 10.5.1) aws_cloudwatch_log_group.l: retention_in_days = 30, stage production needs 365",
		"judged as prod: production's floors apply")

	errs.Reset()
	other := strings.ReplaceAll(stack, "scalepayments-prod", "scalepayments-qa")
	assert.Equal(t, 1, Run([]string{"check", write("other.json", other)}, &out, &errs))
	assert.Equal(t, "scalepayments: "+filepath.Join(dir, "other.json")+`: stack "scalepayments-qa": no such stack; the stacks are `+
		"scalepayments-account-nonprod, scalepayments-dev, scalepayments-staging, scalepayments-account-prod, scalepayments-prod\n", errs.String())

	errs.Reset()
	assert.Equal(t, 1, Run([]string{"check", write("untagged.json", `{"resource":{}}`)}, &out, &errs))
	assert.Contains(t, errs.String(), "the aws provider has no Stack default tag: not a ScalePayments stack")
}

// check --format sarif writes only the SARIF log to stdout, with text's exit codes and stderr:
// 1 on a finding, 0 clean, 2 on an unknown format or a malformed command line.
func TestCheckFormatSARIF(t *testing.T) {
	dir := t.TempDir()
	bad, fixed := filepath.Join(dir, "plan.json"), filepath.Join(dir, "fixed.json")
	require.NoError(t, os.WriteFile(bad, []byte(badPlan), 0o644))
	require.NoError(t, os.WriteFile(fixed, []byte(strings.ReplaceAll(badPlan, "false", "true")), 0o644))
	run := func(args ...string) (int, string, string) {
		var out, errs bytes.Buffer
		code := Run(append([]string{"check"}, args...), &out, &errs)
		return code, out.String(), errs.String()
	}
	type result struct{ RuleID string }
	results := func(stdout string) []result {
		var log struct {
			Version string
			Runs    []struct{ Results []result }
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &log), "stdout is one JSON document and nothing else")
		require.Equal(t, "2.1.0", log.Version)
		require.Len(t, log.Runs, 1)
		return log.Runs[0].Results
	}

	code, stdout, stderr := run("--format", "sarif", bad)
	assert.Equal(t, 1, code)
	assert.Equal(t, []result{{"SP-KMS-001"}}, results(stdout))
	assert.Contains(t, stderr, "[SP-KMS-001] HIGH (PCI-DSS 3.7.4) aws_kms_key.keys_logs_1A2B3C4D: enable_key_rotation is false, must be true\n")

	code, stdout, stderr = run("--format", "sarif", fixed)
	assert.Equal(t, 0, code)
	assert.Empty(t, results(stdout))
	assert.Empty(t, stderr)

	code, stdout, _ = run("--format", "text", fixed)
	assert.Equal(t, 0, code)
	assert.Equal(t, "policy: scalepayments-dev: 57 rules, 0 findings, 0 suppressed\ncontract: scalepayments-dev: 23 cases, 0 violations\n", stdout)

	code, stdout, stderr = run("--format", "xml", bad)
	assert.Equal(t, 2, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "scalepayments: --format \"xml\": unknown format: allowed text, sarif\n", stderr)

	for _, args := range [][]string{{"--format", bad}, {bad, "--format", "sarif"}, {"--output", "x", bad}} {
		code, stdout, stderr = run(args...)
		assert.Equal(t, 2, code, args)
		assert.Empty(t, stdout, args)
		assert.Equal(t, usage, stderr, args)
	}
}
