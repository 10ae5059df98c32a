// Command scalepayments synthesizes one cdktf stack per environment into cdktf.out/ and runs
// the PCI-DSS policy pack over each; any unsuppressed finding fails the run.
// `scalepayments report` also writes the review report to cdktf.out/report.md.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/report"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) > 1 || (len(args) == 1 && args[0] != "report") {
		fmt.Fprintf(os.Stderr, "usage: scalepayments [report]\n")
		return 2
	}
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
	if len(args) == 1 {
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
