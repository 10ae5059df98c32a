// Package cli is the scalepayments command (main.go runs it): it synthesizes one cdktf stack
// per environment into cdktf.out/ and runs the PCI-DSS policy pack over each; any unsuppressed
// finding fails the run. `scalepayments report` also writes the review report to
// cdktf.out/report.md. The other commands print what the operator's make targets need (see
// usage). A package, not main, so tests/integration runs the entry point in its own jsii process.
//
// Output contract: what a successful run reports goes to stdout; stderr carries only problems
// (one line per bad setting, or the failing stacks' policy findings), so a clean run's stderr
// is empty.
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/database"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/stacks/report"
	"github.com/scalepayments/infra/stacks/runtask"
	"github.com/scalepayments/infra/stacks/synthesized"
	"github.com/scalepayments/infra/stacks/tfc"
)

const usage = `usage: scalepayments [report]      synthesize the selected environments (report: also write cdktf.out/report.md)
       scalepayments targets ENV    the -target flags of the first deployment's bootstrap (reads the synthesized ENV)
       scalepayments db-users ENV   the SQL that creates ENV's IAM-authenticated database users
       scalepayments services ENV   ENV's ECS service names
       scalepayments ready STACK    refuse to deploy STACK (ENV or account-NAME) while its account id is a placeholder
       scalepayments promote FROM TO [SERVICE]   copy FROM's image digests (or SERVICE's) into TO's release manifest
       scalepayments check [--format text|sarif] FILE   run the policy pack over a synthesized cdk.tf.json or a plan (terraform show -json); sarif: SARIF 2.1.0 for code scanning
       scalepayments tfc diff|apply show or remove how Terraform Cloud differs from the repository (token: TFE_TOKEN or terraform login)
       scalepayments run-task       serve the policy pack as Terraform Cloud's run task on PORT (key: SCALEPAYMENTS_RUN_TASK_HMAC_KEY)
`

// Run runs the command args (os.Args[1:]) and returns its exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	fail := func(err error) int { // one line per problem
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "scalepayments: %s\n", line)
		}
		return 1
	}
	switch {
	case len(args) == 0 || (len(args) == 1 && args[0] == "report"):
		return synth(stdout, stderr, fail, len(args) == 1)
	case len(args) == 2 && args[0] == "ready":
		if err := ready(args[1]); err != nil {
			return fail(err)
		}
		return 0
	case (len(args) == 3 || len(args) == 4) && args[0] == "promote":
		if err := promote(stdout, args[1], args[2], args[3:]); err != nil {
			return fail(err)
		}
		return 0
	case len(args) >= 2 && args[0] == "check":
		return checkCommand(stdout, stderr, fail, args[1:])
	case len(args) == 1 && args[0] == "run-task":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runtask.Main(ctx, os.Getenv, stdout, stderr)
	case len(args) > 0 && args[0] == "tfc":
		return tfc.Run(context.Background(), args[1:], os.Getenv, stdout, stderr)
	case len(args) == 2 && slices.Contains([]string{"targets", "db-users", "services"}, args[0]):
		if err := operate(stdout, args[0], args[1]); err != nil {
			return fail(err)
		}
		return 0
	}
	fmt.Fprint(stderr, usage)
	return 2
}

// operate prints what one operator command needs, one item per line.
func operate(w io.Writer, command, name string) error {
	envs, err := envconfig.Select(envconfig.All(), envconfig.WithIDsFrom(envconfig.Accounts(), os.Getenv), name)
	if err != nil {
		return err
	}
	env := envs[0]
	var lines []string
	switch command {
	case "targets":
		data, err := os.ReadFile(filepath.Join(outdir(), "stacks", stacks.Name(env), "cdk.tf.json"))
		if err != nil {
			return fmt.Errorf("%v: synthesize %s first (make synth)", err, env.Name)
		}
		cfg, err := synthesized.Parse(data)
		if err != nil {
			return err
		}
		lines = stacks.FirstDeployTargets(cfg)
	case "db-users":
		for _, svc := range env.Services {
			if svc.Database {
				lines = append(lines, database.UserSQL(svc.Name)...)
			}
		}
	case "services":
		for _, svc := range env.Services {
			lines = append(lines, svc.Name)
		}
	}
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	return nil
}

// ready fails while the account of a stack (an environment, or account-<name>) still has its
// shipped example id: the stack could never be applied, and the error names the variable to set.
func ready(stack string) error {
	accounts := envconfig.WithIDsFrom(envconfig.Accounts(), os.Getenv)
	name, isAccount := strings.CutPrefix(stack, "account-")
	if !isAccount {
		envs, err := envconfig.Select(envconfig.All(), accounts, stack)
		if err != nil {
			return err
		}
		name = envs[0].Account
	}
	for _, a := range accounts {
		if a.Name == name {
			return a.Ready()
		}
	}
	return fmt.Errorf("unknown account %q", name)
}

// promote copies image digests from one environment's release manifest into another's, in
// the repository (envconfig/releases): a later environment runs exactly what an earlier one
// tested. It prints each changed service.
func promote(w io.Writer, from, to string, services []string) error {
	var names []string
	for _, e := range envconfig.All() {
		names = append(names, e.Name)
	}
	for _, arg := range [][2]string{{"FROM", from}, {"TO", to}} {
		if !slices.Contains(names, arg[1]) {
			return fmt.Errorf("%s=%q: unknown environment: allowed %s", arg[0], arg[1], strings.Join(names, ", "))
		}
	}
	envs, err := envconfig.Select(envconfig.All(), envconfig.WithIDsFrom(envconfig.Accounts(), os.Getenv), from+","+to)
	if err != nil {
		return err
	}
	if env := envs[slices.IndexFunc(envs, func(e envconfig.Environment) bool { return e.Name == to })]; env.PromoteFrom != from {
		return fmt.Errorf("FROM=%s TO=%s: %s promotes from %q (its PromoteFrom): its release role pulls only from there", from, to, to, env.PromoteFrom)
	}
	read := func(env string) (envconfig.Manifest, error) {
		data, err := os.ReadFile(envconfig.ManifestPath(env))
		if err != nil {
			return envconfig.Manifest{}, err
		}
		m, err := envconfig.ParseManifest(data)
		if err != nil {
			return envconfig.Manifest{}, fmt.Errorf("%s: %v", envconfig.ManifestPath(env), err)
		}
		return m, nil
	}
	source, err := read(from)
	if err != nil {
		return err
	}
	target, err := read(to)
	if err != nil {
		return err
	}
	promoted, err := envconfig.Promote(source, target, services)
	if err != nil {
		return err
	}
	for _, svc := range help.SortedKeys(promoted.Services) {
		if before, after := target.Services[svc], promoted.Services[svc]; before != after {
			fmt.Fprintf(w, "promote: %s %s: %s -> %s (%s)\n", to, svc, before.Digest, after.Digest, after.Tag)
		}
	}
	return os.WriteFile(envconfig.ManifestPath(to), promoted.JSON(), 0o644)
}

// checkFormats are check's output formats; the first is the default.
var checkFormats = []string{"text", "sarif"}

// checkCommand runs check [--format text|sarif] FILE. Text is synth's output; sarif writes only
// the SARIF log to stdout, while stderr and the exit code stay text's.
func checkCommand(stdout, stderr io.Writer, fail func(error) int, args []string) int {
	flags := flag.NewFlagSet("check", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	format := flags.String("format", checkFormats[0], "")
	if flags.Parse(args) != nil || flags.NArg() != 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if !slices.Contains(checkFormats, *format) {
		fmt.Fprintf(stderr, "scalepayments: --format %q: unknown format: allowed %s\n", *format, strings.Join(checkFormats, ", "))
		return 2
	}
	file := flags.Arg(0)
	verdicts, err := checkFile(file)
	if err != nil {
		return fail(err)
	}
	if *format == "text" {
		return check(stdout, stderr, verdicts)
	}
	log, err := judge.SARIF(verdicts, file)
	if err == nil {
		_, err = stdout.Write(log)
	}
	if err != nil {
		return fail(err)
	}
	return check(io.Discard, stderr, verdicts)
}

// checkFile judges a synthesized stack or a plan of one: no jsii, so it also serves plain
// Terraform (the HCL exit path).
func checkFile(path string) ([]judge.Verdict, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := judge.Document(data, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return []judge.Verdict{v}, nil
}

// outdir is where cdktf writes (and the app reads) the synthesized stacks.
func outdir() string {
	if d := os.Getenv("CDKTF_OUTDIR"); d != "" {
		return d
	}
	return "cdktf.out"
}

// checkOutdir refuses an output directory that cannot be created or written, before jsii
// starts: cdktf would fail there with a Go panic and a JavaScript stack trace.
func checkOutdir(dir string) error {
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		var f *os.File
		if f, err = os.CreateTemp(dir, ".write-check-"); err == nil {
			f.Close()
			err = os.Remove(f.Name())
		}
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("CDKTF_OUTDIR=%q: cannot write the output directory there: %v", dir, err)
	}
	return nil
}

// runTaskBundleBuilt refuses, before jsii starts, a synth of the production account stack
// without the run task's Lambda bundle it references.
func runTaskBundleBuilt(envs []envconfig.Environment) error {
	if _, _, ok := envconfig.RunTaskHost(envs); !ok {
		return nil
	}
	if _, err := os.Stat(filepath.Join(help.ModuleRoot(), stacks.RunTaskBundle)); err != nil {
		return fmt.Errorf("%s: the run task's Lambda bundle is missing: build it first (make lambda)", stacks.RunTaskBundle)
	}
	return nil
}

func synth(stdout, stderr io.Writer, fail func(error) int, withReport bool) int {
	accounts := envconfig.WithIDsFrom(envconfig.Accounts(), os.Getenv)
	envs, err := envconfig.Select(envconfig.All(), accounts, os.Getenv("SCALEPAYMENTS_ENVIRONMENTS"))
	if err == nil {
		envs, err = envconfig.OverrideImages(envs, os.Environ())
	}
	if err == nil {
		envs, err = envconfig.LiftProtection(envs, os.Getenv)
	}
	if err != nil {
		return fail(err)
	}
	backend, err := envconfig.BackendFromEnv(os.Getenv)
	if err != nil {
		return fail(err)
	}
	if err := runTaskBundleBuilt(envs); err != nil {
		return fail(err)
	}
	out := outdir()
	if err := checkOutdir(out); err != nil {
		return fail(err)
	}
	timed := os.Getenv("SCALEPAYMENTS_TIMING") == "1"
	phases := []time.Time{time.Now()}
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(out)}) // not read again from Node.js's environment
	phases = append(phases, time.Now())
	if timed {
		provider.AwsProvider_TfResourceType() // loads the provider's assembly now, to time it apart
	}
	phases = append(phases, time.Now())
	all := stacks.Build(app, accounts, envs, envconfig.All(), backend)
	phases = append(phases, time.Now())
	app.Synth()
	phases = append(phases, time.Now())
	hcl := os.Getenv("SYNTH_HCL_OUTPUT") == "true" // set by `cdktf synth --hcl`
	var verdicts []judge.Verdict
	var reviewed []report.Stack
	var counts []int
	for _, b := range all {
		cfg, err := stacks.Synthesized(out, b.Name, b.Stack)
		if err != nil {
			return fail(fmt.Errorf("%s: %v", b.Name, err))
		}
		if hcl {
			if err := synthesized.RepairHCLFile(out, b.Name, cfg); err != nil {
				return fail(err)
			}
		}
		v := b.Judge(cfg)
		verdicts, counts = append(verdicts, v), append(counts, len(cfg.Each()))
		if b.Env != nil {
			reviewed = append(reviewed, report.Stack{Env: *b.Env, Config: cfg, Policy: v.Policy})
		}
	}
	if code := check(stdout, stderr, verdicts); code != 0 {
		return code
	}
	for i, b := range all {
		file := "cdk.tf.json"
		if hcl {
			file = "cdk.tf"
		}
		fmt.Fprintf(stdout, "synth: %s: %d resources\n", filepath.Join(out, "stacks", b.Name, file), counts[i])
	}
	if withReport {
		path := filepath.Join(out, "report.md")
		if err := writeReport(path, reviewed); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "report: %s\n", path)
	}
	if timed {
		phases = append(phases, time.Now())
		var took []any
		for i := 1; i < len(phases); i++ {
			took = append(took, phases[i].Sub(phases[i-1]).Seconds())
		}
		fmt.Fprintf(stdout, "timing: jsii and cdktf %.2f s, the AWS provider's assembly %.2f s, constructs %.2f s, app.Synth %.2f s, reading, the policy pack and writing %.2f s\n", took...)
	}
	return 0
}

// check prints every stack's verdict (a failing one to stderr) and fails on any unsuppressed
// finding or broken contract case.
func check(stdout, stderr io.Writer, verdicts []judge.Verdict) int {
	var policyFailed, contractFailed bool
	for _, v := range verdicts {
		w := stdout
		if v.Failed() {
			w = stderr
		}
		policyFailed, contractFailed = policyFailed || v.Policy.Failed(), contractFailed || v.Contract.Failed()
		fmt.Fprint(w, v)
	}
	if policyFailed {
		fmt.Fprintln(stderr, "policy: synth failed: fix the findings above, or record it in stacks/judge/exceptions.go with a written reason")
	}
	if contractFailed {
		fmt.Fprintln(stderr, "contract: synth failed: fix the violations above: each is an apply AWS would refuse, or a state it would take over")
	}
	if policyFailed || contractFailed {
		return 1
	}
	return 0
}

func writeReport(path string, reviewed []report.Stack) error {
	var b bytes.Buffer
	report.Write(&b, reviewed)
	return os.WriteFile(path, b.Bytes(), 0o644)
}
