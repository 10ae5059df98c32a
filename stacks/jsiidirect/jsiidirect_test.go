package jsiidirect_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/stacks/jsiidirect"
)

// children lists the command lines of this process's child processes (Linux /proc).
func children(t *testing.T) []string {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	require.NoError(t, err)
	var out []string
	for _, stat := range stats {
		body, err := os.ReadFile(stat)
		if err != nil {
			continue // ended meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis
		fields := strings.Fields(string(body[strings.LastIndexByte(string(body), ')')+1:]))
		if fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(filepath.Dir(stat), "cmdline"))
		out = append(out, strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return out
}

func TestTheKernelRunsWithoutTheRelay(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	unset(t, "JSII_NODE", "JSII_RUNTIME")
	closeJSII := jsiidirect.Use()
	launcher := os.Getenv("JSII_NODE")
	require.FileExists(t, launcher)

	require.True(t, *cdktf.Token_IsUnresolved(cdktf.Fn_Upper(jsii.String("x"))), "a call through the kernel")
	kids := children(t)
	require.Len(t, kids, 1)
	require.Regexp(t, `^node --preserve-symlinks --require /\S+/kernel\.js /\S+/lib/program\.js $`, kids[0])

	closeJSII()
	require.Empty(t, children(t))
	require.NoDirExists(t, filepath.Dir(launcher))
	require.Empty(t, os.Getenv("JSII_NODE"))
}

func TestAChosenRuntimeIsKept(t *testing.T) {
	for _, name := range []string{"JSII_NODE", "JSII_RUNTIME"} {
		t.Run(name, func(t *testing.T) {
			unset(t, "JSII_NODE", "JSII_RUNTIME")
			t.Setenv(name, "/opt/node/bin/node")
			closeJSII := jsiidirect.Use()
			require.Equal(t, "/opt/node/bin/node", os.Getenv(name))
			if name == "JSII_RUNTIME" {
				require.Empty(t, os.Getenv("JSII_NODE"))
			}
			closeJSII()
		})
	}
}

func TestALauncherThatCannotStartNodeKeepsTheRelay(t *testing.T) {
	for name, env := range map[string][2]string{
		"no temporary directory": {"TMPDIR", filepath.Join(t.TempDir(), "missing")},
		"no node on PATH":        {"PATH", t.TempDir()},
	} {
		t.Run(name, func(t *testing.T) {
			unset(t, "JSII_NODE", "JSII_RUNTIME")
			t.Setenv(env[0], env[1])
			closeJSII := jsiidirect.Use()
			require.Empty(t, os.Getenv("JSII_NODE"))
			closeJSII()
		})
	}
}

// unset clears the variables for the test; t.Setenv restores them after it.
func unset(t *testing.T, names ...string) {
	for _, name := range names {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
}
