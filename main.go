// Command scalepayments synthesizes one cdktf stack per environment into cdktf.out/.
package main

import (
	"fmt"
	"os"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
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
	return 0
}
