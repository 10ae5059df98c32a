// Command offline judges every synthesized stack with the real AWS provider and no AWS account:
// terraform init (from the provider mirror when the Makefile's TF_CLI_CONFIG_FILE names one),
// terraform validate, and a plan through `terraform test` whose provider has fake credentials
// and whose data sources return fixed values (override_data). Any error or warning fails it.
// With -hcl it validates the HCL exit path's cdk.tf instead (no plan: the fixtures need JSON).
// `make plan-offline` and `make validate-hcl` run it; each stack is judged in
// <outdir>/offline/<stack>, so the synthesized stacks stay as cdktf wrote them.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/scalepayments/infra/help"
)

func main() {
	outdir := flag.String("outdir", "cdktf.out", "cdktf output directory")
	hcl := flag.Bool("hcl", false, "validate the HCL output (cdk.tf) instead of planning the JSON")
	flag.Parse()
	if err := run(*outdir, *hcl); err != nil {
		fmt.Fprintf(os.Stderr, "offline: %v\n", err)
		os.Exit(1)
	}
}

func run(outdir string, hcl bool) error {
	stacks, err := filepath.Glob(filepath.Join(outdir, "stacks", "*"))
	if err != nil || len(stacks) == 0 {
		return fmt.Errorf("no stacks in %s/stacks: run make synth first", outdir)
	}
	var failed []string
	for _, dir := range stacks {
		stack := filepath.Base(dir)
		line, err := judge(dir, filepath.Join(outdir, "offline", stack), hcl)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", stack, err)
			failed = append(failed, stack)
			continue
		}
		fmt.Printf("offline: %s: %s\n", stack, line)
	}
	if len(failed) > 0 {
		return fmt.Errorf("failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

// judge prepares the work directory of one stack and runs terraform in it.
func judge(stackDir, work string, hcl bool) (string, error) {
	file := "cdk.tf.json"
	if hcl {
		file = "cdk.tf"
	}
	data, err := os.ReadFile(filepath.Join(stackDir, file))
	if err != nil {
		return "", err
	}
	for _, stale := range []string{"cdk.tf", "cdk.tf.json", TestFile} {
		os.Remove(filepath.Join(work, stale))
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(work, file), data, 0o644); err != nil {
		return "", err
	}
	tf := func(args ...string) (string, time.Duration, error) {
		start := time.Now()
		cmd := exec.Command("terraform", args...)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			err = fmt.Errorf("terraform %s: %v\n%s", args[0], err, out)
		}
		return string(out), time.Since(start), err
	}
	_, initTime, err := tf("init", "-input=false", "-backend=false", "-no-color")
	if err != nil {
		return "", err
	}
	out, validateTime, err := tf("validate", "-json", "-no-color")
	if err != nil && out == "" {
		return "", err
	}
	if err := validation(out); err != nil {
		return "", err
	}
	summary := fmt.Sprintf("valid, 0 warnings (init %.1f s, validate %.1f s)", initTime.Seconds(), validateTime.Seconds())
	if hcl {
		return summary, nil
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		return "", err
	}
	test, err := TestConfig(cfg)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(work, TestFile), test, 0o644); err != nil {
		return "", err
	}
	out, planTime, err := tf("test", "-verbose", "-no-color")
	if err != nil {
		return "", err
	}
	add, err := planned(out)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s; plan: %d to add, 0 warnings (%.1f s)", summary, add, planTime.Seconds()), nil
}

// validation fails on any error or warning of `terraform validate -json`.
func validation(out string) error {
	var v struct {
		Valid       bool `json:"valid"`
		Diagnostics []struct {
			Severity, Summary, Detail string
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return fmt.Errorf("terraform validate: %v: %s", err, out)
	}
	var msgs []string
	for _, d := range v.Diagnostics {
		msgs = append(msgs, fmt.Sprintf("%s: %s: %s", d.Severity, d.Summary, d.Detail))
	}
	if !v.Valid || len(msgs) > 0 {
		return errors.New("terraform validate:\n  " + strings.Join(msgs, "\n  "))
	}
	return nil
}

var planLine = regexp.MustCompile(`Plan: (\d+) to add, (\d+) to change, (\d+) to destroy`)

// planned reads the resource count of a verbose `terraform test` plan and fails on warnings.
func planned(out string) (int, error) {
	if strings.Contains(out, "Warning:") {
		return 0, fmt.Errorf("terraform test printed warnings:\n%s", out)
	}
	m := planLine.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("terraform test printed no plan summary:\n%s", out)
	}
	var add int
	fmt.Sscan(m[1], &add)
	return add, nil
}

// TestFile is the generated terraform test file beside the stack's configuration.
const TestFile = "offline.tftest.json"

// OfflineAccount is the account every fixture reports when the stack pins none.
const OfflineAccount = "123456789012"

// TestConfig is a terraform test file (JSON syntax) that plans the stack cfg without AWS: the
// stack's provider settings plus fake credentials and skip flags, and a fixed result for every
// data source. A data source type without a fixture is an error, never a silent live call.
func TestConfig(cfg map[string]any) ([]byte, error) {
	var providers []any // the default provider, then any alias (a second region)
	account, region := OfflineAccount, ""
	list, _ := dig(cfg, "provider", "aws").([]any)
	for _, block := range list {
		provider := map[string]any{}
		for k, v := range block.(map[string]any) {
			provider[k] = v
		}
		if ids, ok := provider["allowed_account_ids"].([]any); ok && len(ids) > 0 {
			account = ids[0].(string)
		}
		for k, v := range map[string]any{
			"access_key": "offline", "secret_key": "offline",
			"skip_credentials_validation": true, "skip_requesting_account_id": true, "skip_metadata_api_check": true,
		} {
			provider[k] = v
		}
		delete(provider, "allowed_account_ids") // the skip flags leave no account to compare
		if provider["alias"] == nil {
			region = fmt.Sprint(provider["region"])
		}
		providers = append(providers, provider)
	}
	var overrides []any
	data, _ := cfg["data"].(map[string]any)
	for _, typ := range help.SortedKeys(data) {
		fixture, ok := fixtures[typ]
		if !ok {
			return nil, fmt.Errorf("no offline fixture for data source type %s: add one to tests/offline", typ)
		}
		blocks := data[typ].(map[string]any)
		for _, name := range help.SortedKeys(blocks) {
			overrides = append(overrides, map[string]any{
				"target": "data." + typ + "." + name,
				"values": fixture(blocks[name].(map[string]any), account, region),
			})
		}
	}
	test := map[string]any{
		"provider":      map[string]any{"aws": providers},
		"override_data": overrides,
		"run":           map[string]any{"plan": map[string]any{"command": "plan", "plan_options": map[string]any{"refresh": false}}},
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	err := enc.Encode(test)
	return b.Bytes(), err
}

// fixtures return what each data source type would read in the stack's account and region.
var fixtures = map[string]func(block map[string]any, account, region string) map[string]any{
	"aws_caller_identity": func(_ map[string]any, account, _ string) map[string]any {
		return map[string]any{"account_id": account, "id": account, "user_id": "AIDAOFFLINE",
			"arn": "arn:aws:iam::" + account + ":user/offline"}
	},
	"aws_partition": func(map[string]any, string, string) map[string]any {
		return map[string]any{"partition": "aws", "id": "aws", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"}
	},
	// us-east-1's Elastic Load Balancing account; the value only has to be an account principal.
	"aws_elb_service_account": func(map[string]any, string, string) map[string]any {
		return map[string]any{"id": "127311923021", "arn": "arn:aws:iam::127311923021:root"}
	},
	"aws_route53_zone": func(block map[string]any, _, _ string) map[string]any {
		return map[string]any{"zone_id": "Z0OFFLINE0000000000", "id": "Z0OFFLINE0000000000", "name": block["name"],
			"name_servers": []string{"ns-1.awsdns-00.com"}}
	},
}

func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}
