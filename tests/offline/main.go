// Command offline judges every synthesized stack with the real AWS provider and no AWS account:
// terraform init (from the provider mirror when the Makefile's TF_CLI_CONFIG_FILE names one),
// terraform validate, then `terraform plan` of a copy whose provider has fake credentials and
// whose data sources are replaced by fixed values, saved as plan.json (`terraform show -json`)
// for the policy pack (`scalepayments check`). Any error or warning fails it.
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
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/stacks/synthesized"
)

func main() {
	outdir := flag.String("outdir", "cdktf.out", "cdktf output directory")
	hcl := flag.Bool("hcl", false, "validate the HCL output (cdk.tf) instead of planning the JSON")
	flag.StringVar(&app, "app", "./bin/scalepayments", "the app's binary: its targets command gives make bootstrap's targets")
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
	sts := httptest.NewServer(http.HandlerFunc(callerIdentity))
	defer sts.Close()
	stsURL = sts.URL
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
	for _, stale := range []string{"cdk.tf", "cdk.tf.json", "plan.bin", PlanFile} {
		os.Remove(filepath.Join(work, stale))
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(work, file), data, 0o644); err != nil {
		return "", err
	}
	var env []string // of the plan: the local STS endpoint
	tf := func(args ...string) (string, time.Duration, error) {
		start := time.Now()
		cmd := exec.Command("terraform", args...)
		cmd.Dir, cmd.Env = work, append(os.Environ(), env...)
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
	offline, account, err := PlanConfig(cfg)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(work, file), offline, 0o644); err != nil {
		return "", err
	}
	// The provider asks STS for its account and compares it with allowed_account_ids: a local
	// STS answers with the pinned account, so the plan keeps the pin (SP-ACC-001). An endpoint
	// in the provider block would cost ~4 s of provider validation per stack; the SDK's
	// per-service variable costs nothing.
	env = []string{"AWS_ENDPOINT_URL_STS=" + stsURL + "/" + account}
	out, planTime, err := tf("plan", "-refresh=false", "-input=false", "-lock=false", "-no-color", "-out=plan.bin")
	if err != nil {
		return "", err
	}
	add, err := planned(out)
	if err != nil {
		return "", err
	}
	cmd := exec.Command("terraform", "show", "-json", "plan.bin")
	cmd.Dir = work
	planJSON, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("terraform show -json: %v", err)
	}
	if err := os.WriteFile(filepath.Join(work, PlanFile), planJSON, 0o644); err != nil {
		return "", err
	}
	summary = fmt.Sprintf("%s; plan: %d to add, 0 warnings (%.1f s), %s", summary, add, planTime.Seconds(), filepath.Join(work, PlanFile))
	name, isEnv := strings.CutPrefix(filepath.Base(stackDir), "scalepayments-")
	if !isEnv || strings.HasPrefix(name, "account-") {
		return summary, nil
	}
	n, err := bootstrap(data, filepath.Dir(filepath.Dir(stackDir)), name, tf)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s; make bootstrap plans the %d resources the graph predicts", summary, n), nil
}

// bootstrap plans `make bootstrap` (terraform apply with the targets of `scalepayments targets
// ENV`) and fails unless Terraform plans exactly the closure of the targets in the graph Go
// reads from the synthesized stack: the graph the first deployment and the apply contract
// reason on is Terraform's own.
func bootstrap(synthesizedJSON []byte, outdir, env string, tf func(...string) (string, time.Duration, error)) (int, error) {
	cmd := exec.Command(app, "targets", env)
	cmd.Env = append(os.Environ(), "CDKTF_OUTDIR="+outdir)
	targets, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("scalepayments targets %s: %v", env, err)
	}
	args := append([]string{"plan", "-refresh=false", "-input=false", "-lock=false", "-no-color"}, strings.Fields(string(targets))...)
	out, _, err := tf(args...)
	if err != nil {
		return 0, err
	}
	planned := map[string]bool{}
	for _, m := range plannedResource.FindAllStringSubmatch(out, -1) {
		planned[m[1]] = true
	}
	cfg, err := synthesized.Parse(synthesizedJSON)
	if err != nil {
		return 0, err
	}
	var flags []string
	for _, t := range strings.Fields(string(targets)) {
		flags = append(flags, strings.TrimPrefix(t, "-target="))
	}
	want := map[string]bool{}
	for addr := range synthesized.Closure(cfg.Graph(), flags...) {
		if !strings.HasPrefix(addr, "data.") {
			want[addr] = true
		}
	}
	if !maps.Equal(want, planned) {
		return 0, fmt.Errorf("make bootstrap: terraform plans %s, the graph predicts %s", help.SortedKeys(planned), help.SortedKeys(want))
	}
	return len(planned), nil
}

// app is the app's binary (-app).
var app string

// plannedResource is a resource line of a plan's output: "  # aws_x.name will be created".
var plannedResource = regexp.MustCompile(`(?m)^  # ([a-z0-9_]+\.[^ ]+) will be created$`)

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

// planned reads the resource count of a plan's output and fails on warnings.
func planned(out string) (int, error) {
	if strings.Contains(out, "Warning:") {
		return 0, fmt.Errorf("terraform plan printed warnings:\n%s", out)
	}
	m := planLine.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("terraform plan printed no plan summary:\n%s", out)
	}
	var add int
	fmt.Sscan(m[1], &add)
	return add, nil
}

// PlanFile is the plan in `terraform show -json` form, beside the stack's offline copy.
const PlanFile = "plan.json"

// OfflineAccount is the account every fixture reports when the stack pins none.
const OfflineAccount = "123456789012"

var (
	dataRef      = regexp.MustCompile(`data\.([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)`)
	wholeDataRef = regexp.MustCompile(`\$\{data\.[a-z0-9_]+\.[A-Za-z0-9_-]+\.[a-z0-9_]+\}`)
)

// PlanConfig is the stack cfg made plannable without AWS, and the account it is pinned to: its
// provider settings plus fake credentials and skip flags, no backend (local state), and every
// data source replaced by what it would read in the stack's account and region (each reference
// becomes that value, as an HCL literal). A data source type without a fixture is an error,
// never a silent live call.
func PlanConfig(cfg map[string]any) ([]byte, string, error) {
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
			"access_key": "offline", "secret_key": "offline", "skip_credentials_validation": true, "skip_metadata_api_check": true,
		} {
			provider[k] = v
		}
		if provider["alias"] == nil {
			region = fmt.Sprint(provider["region"])
		}
		providers = append(providers, provider)
	}
	values := map[string]map[string]any{} // "type.name" -> what it reads
	data, _ := cfg["data"].(map[string]any)
	for _, typ := range help.SortedKeys(data) {
		fixture, ok := fixtures[typ]
		if !ok {
			return nil, "", fmt.Errorf("no offline fixture for data source type %s: add one to tests/offline", typ)
		}
		for name, block := range data[typ].(map[string]any) {
			values[typ+"."+name] = fixture(block.(map[string]any), account, region)
		}
	}
	var badRef error
	replace := func(s string) string {
		// A whole interpolation of a string value becomes the text itself, so JSON documents
		// built around it (policies) stay readable in the plan; any other use, an HCL literal.
		s = wholeDataRef.ReplaceAllStringFunc(s, func(interp string) string {
			m := dataRef.FindStringSubmatch(interp)
			if v, ok := values[m[1]+"."+m[2]][m[3]].(string); ok {
				return v
			}
			return interp
		})
		return dataRef.ReplaceAllStringFunc(s, func(ref string) string {
			m := dataRef.FindStringSubmatch(ref)
			v, ok := values[m[1]+"."+m[2]][m[3]]
			if !ok {
				badRef = fmt.Errorf("no offline value for %s: add it to the %s fixture in tests/offline", ref, m[1])
				return ref
			}
			literal, _ := json.Marshal(v)
			return string(literal)
		})
	}
	out := map[string]any{}
	for k, v := range cfg {
		if k != "data" && k != "provider" && k != "terraform" {
			out[k] = mapStrings(v, replace)
		}
	}
	terraform := map[string]any{}
	block, _ := cfg["terraform"].(map[string]any)
	for k, v := range block {
		if k != "backend" && k != "cloud" {
			terraform[k] = v
		}
	}
	out["terraform"], out["provider"] = terraform, map[string]any{"aws": providers}
	if badRef != nil {
		return nil, "", badRef
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	err := enc.Encode(out)
	return b.Bytes(), account, err
}

// stsURL is the local STS endpoint of this run.
var stsURL string

// callerIdentity answers sts:GetCallerIdentity with the account the provider pins, which each
// provider's endpoint carries as its path.
func callerIdentity(w http.ResponseWriter, r *http.Request) {
	account := strings.Trim(r.URL.Path, "/")
	if account == "" {
		account = OfflineAccount
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
		`<Arn>arn:aws:iam::%[1]s:user/offline</Arn><UserId>AIDAOFFLINE</UserId><Account>%[1]s</Account>`+
		`</GetCallerIdentityResult><ResponseMetadata><RequestId>offline</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, account)
}

// mapStrings applies f to every string of a JSON value.
func mapStrings(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, sub := range x {
			out[k] = mapStrings(sub, f)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, sub := range x {
			out[i] = mapStrings(sub, f)
		}
		return out
	}
	return v
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
