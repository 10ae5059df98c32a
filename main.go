// Command scalepayments synthesizes the platform's stacks and serves the operator's make
// targets: see stacks/cli.
package main

import (
	"os"

	"github.com/scalepayments/infra/stacks/cli"
)

func main() {
	code := cli.Run(os.Args[1:], os.Stdout, os.Stderr)
	cli.Close()
	os.Exit(code)
}
