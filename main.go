// Command scalepayments synthesizes the platform's stacks and serves the operator's make
// targets: see stacks/cli.
package main

import (
	"os"

	"github.com/scalepayments/infra/stacks/cli"
	"github.com/scalepayments/infra/stacks/jsiidirect"
)

func main() {
	closeJSII := jsiidirect.Use()
	code := cli.Run(os.Args[1:], os.Stdout, os.Stderr)
	silenceStderr()
	closeJSII()
	os.Exit(code)
}

// silenceStderr runs before jsii.Close (which also removes jsii's 2 MB temporary directory;
// skipping it leaves one in /tmp per run). jsii-runtime-go 1.112 then waits for the Node.js
// process from two goroutines, and the loser prints "Runtime process exited abnormally: waitid:
// no child processes": a race in the library, not a failure (measured: 4 runs in 5 print it).
// Everything the app has to say is said by now, so stderr goes nowhere from here on.
func silenceStderr() {
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stderr = null
	}
}
