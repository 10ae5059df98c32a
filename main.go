// Command scalepayments synthesizes the platform's stacks and serves the operator's make
// targets: see stacks/cli.
package main

import (
	"os"

	"github.com/aws/jsii-runtime-go"

	"github.com/scalepayments/infra/stacks/cli"
)

func main() {
	code := cli.Run(os.Args[1:], os.Stdout, os.Stderr)
	closeJSII()
	os.Exit(code)
}

// closeJSII stops the jsii runtime, which also removes its 2 MB temporary directory (skipping
// jsii.Close leaves one in /tmp per run). jsii-runtime-go 1.112 then waits for the Node.js
// process from two goroutines, and the loser prints "Runtime process exited abnormally: waitid:
// no child processes": a race in the library, not a failure (measured: 4 runs in 5 print it).
// Everything the app has to say is said by now, so stderr goes nowhere from here on.
func closeJSII() {
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stderr = null
	}
	jsii.Close()
}
