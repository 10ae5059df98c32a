// Package jsiidirect starts the jsii kernel without jsii-runtime-go's relay process (node.sh says
// how). Every call from Go to the cdktf and provider objects is a round trip to that kernel;
// without the relay each is one hop instead of two, and the relay's event loop no longer takes a
// CPU (README, Performance).
package jsiidirect

import (
	"embed"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/aws/jsii-runtime-go"
)

//go:embed node.sh kernel.js
var files embed.FS

const launcher = "node.sh"

// Use makes the jsii kernel start directly, unless JSII_NODE or JSII_RUNTIME already choose how,
// or the launcher cannot run node (install). It relies on the kernel of jsii-runtime-go v1.112.0 (go.mod pins
// it) writing its protocol with fs.writeSync on descriptor 3; the package's test proves it on the
// version linked. Call it before the first jsii call. closeJSII runs jsii.Close, which stops the
// kernel and removes the runtime jsii extracted into the temporary directory, then removes the
// launcher.
func Use() (closeJSII func()) {
	if os.Getenv("JSII_NODE") != "" || os.Getenv("JSII_RUNTIME") != "" || runtime.GOOS == "windows" {
		return jsii.Close
	}
	dir, err := install()
	if err != nil {
		return jsii.Close
	}
	os.Setenv("JSII_NODE", filepath.Join(dir, launcher))
	// jsii-runtime-go chose its command when the init of the first package registering a jsii
	// type created its client. No call has started that client's process yet: close it, and the
	// first call creates one that reads JSII_NODE.
	jsii.Close()
	return func() {
		jsii.Close()
		os.Unsetenv("JSII_NODE")
		os.RemoveAll(dir)
	}
}

// install writes the launcher and its preload into a new temporary directory, and runs the
// launcher once to check that it can start node: without /bin/sh, in a temporary directory
// mounted noexec or without node on PATH, Use keeps the relay.
func install() (string, error) {
	dir, err := os.MkdirTemp("", "scalepayments-jsii-")
	if err != nil {
		return "", err
	}
	for name, mode := range map[string]os.FileMode{launcher: 0o700, "kernel.js": 0o600} {
		body, _ := files.ReadFile(name)
		if err = os.WriteFile(filepath.Join(dir, name), body, mode); err != nil {
			break
		}
	}
	if err == nil {
		err = exec.Command(filepath.Join(dir, launcher), "--probe").Run()
	}
	if err != nil {
		os.RemoveAll(dir)
	}
	return dir, err
}
