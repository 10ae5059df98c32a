// Command scalepayments synthesizes one cdktf stack per environment into cdktf.out/ and runs
// the PCI-DSS policy pack over each; any unsuppressed finding fails the run.
// `scalepayments report` also writes the review report to cdktf.out/report.md. The other
// commands print what the operator's make targets need (see usage).
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/database"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/report"
)

const usage = `usage: scalepayments [report]      synthesize the selected environments (report: also write cdktf.out/report.md)
       scalepayments targets ENV    the -target flags of the first deployment's step 1 (reads the synthesized ENV)
       scalepayments db-users ENV   the SQL that creates ENV's IAM-authenticated database users
       scalepayments services ENV   ENV's ECS service names
`

func main() { os.Exit(run(os.Args[1:], os.Stdout)) }

func run(args []string, stdout io.Writer) int {
	switch {
	case len(args) == 0 || (len(args) == 1 && args[0] == "report"):
		return synth(len(args) == 1)
	case len(args) == 2 && slices.Contains([]string{"targets", "db-users", "services"}, args[0]):
		if err := operate(stdout, args[0], args[1]); err != nil {
			fmt.Fprintf(os.Stderr, "scalepayments: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprint(os.Stderr, usage)
	return 2
}

// operate prints what one operator command needs, one item per line.
func operate(w io.Writer, command, name string) error {
	envs, err := envconfig.Select(envconfig.All(), name)
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
		cfg, err := policy.Parse(data)
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

// outdir is where cdktf writes (and the app reads) the synthesized stacks.
func outdir() string {
	if d := os.Getenv("CDKTF_OUTDIR"); d != "" {
		return d
	}
	return "cdktf.out"
}

func synth(withReport bool) int {
	envs, err := envconfig.Select(envconfig.All(), os.Getenv("SCALEPAYMENTS_ENVIRONMENTS"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "scalepayments: invalid configuration:\n%v\n", err)
		return 1
	}
	backend, err := stacks.BackendFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "scalepayments: %v\n", err)
		return 1
	}
	defer jsii.Close()
	app := cdktf.NewApp(nil)
	var built []*stacks.Stack
	for _, env := range envs {
		built = append(built, stacks.New(app, env, backend))
	}
	app.Synth()
	if os.Getenv("SYNTH_HCL_OUTPUT") == "true" { // set by `cdktf synth --hcl`
		for _, s := range built {
			if err := stacks.RepairHCLFile(*app.Outdir(), s.Name); err != nil {
				fmt.Fprintf(os.Stderr, "scalepayments: %v\n", err)
				return 1
			}
		}
	}

	var reviewed []report.Stack
	for _, s := range built {
		cfg, err := s.Synthesized(*app.Outdir())
		if err != nil {
			fmt.Fprintf(os.Stderr, "scalepayments: %s: %v\n", s.Name, err)
			return 1
		}
		reviewed = append(reviewed, report.Stack{Env: s.Env, Config: cfg, Policy: policy.Check(s.Name, cfg, s.Env, stacks.Suppressions)})
	}
	code := check(os.Stderr, reviewed)
	if withReport {
		path := filepath.Join(*app.Outdir(), "report.md")
		if err := writeReport(path, reviewed); err != nil {
			fmt.Fprintf(os.Stderr, "scalepayments: %v\n", err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "report: %s\n", path)
	}
	return code
}

// check prints every stack's policy report and fails on any unsuppressed finding.
func check(w io.Writer, reviewed []report.Stack) int {
	failed := false
	for _, s := range reviewed {
		fmt.Fprint(w, s.Policy)
		failed = failed || s.Policy.Failed()
	}
	if failed {
		fmt.Fprintln(w, "policy: synth failed: fix the findings above, or suppress one in stacks/suppressions.go with a written reason")
		return 1
	}
	return 0
}

func writeReport(path string, reviewed []report.Stack) error {
	var b bytes.Buffer
	report.Write(&b, reviewed)
	return os.WriteFile(path, b.Bytes(), 0o644)
}
