// Command scalepayments synthesizes one cdktf stack per environment into cdktf.out/ and
// runs the PCI-DSS policy pack over each; any unsuppressed finding fails the run.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/policy"
)

func main() { os.Exit(run()) }

func run() int {
	envs, err := envconfig.Select(envconfig.All(), os.Getenv("SCALEPAYMENTS_ENVIRONMENTS"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "scalepayments: invalid configuration:\n%v\n", err)
		return 1
	}
	defer jsii.Close()
	app := cdktf.NewApp(nil)
	for _, env := range envs {
		stacks.New(app, env)
	}
	app.Synth()
	return check(os.Stderr, *app.Outdir(), envs)
}

// check runs the policy pack over every synthesized stack and prints one report each.
func check(w io.Writer, outdir string, envs []envconfig.Environment) int {
	failed := false
	for _, env := range envs {
		r, err := policy.CheckDir(outdir, stacks.Name(env), env, stacks.Suppressions)
		if err != nil {
			fmt.Fprintf(w, "policy: %v\n", err)
			return 1
		}
		fmt.Fprint(w, r)
		failed = failed || r.Failed()
	}
	if failed {
		fmt.Fprintln(w, "policy: synth failed: fix the findings above, or suppress one in stacks/suppressions.go with a written reason")
		return 1
	}
	return 0
}
