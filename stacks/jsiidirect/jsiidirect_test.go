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
	t.Setenv("JSII_NODE", "")
	os.Unsetenv("JSII_NODE")
	closeJSII := jsiidirect.Use()
	launcher := os.Getenv("JSII_NODE")
	require.FileExists(t, launcher)

	require.True(t, *cdktf.Token_IsUnresolved(cdktf.Fn_Upper(jsii.String("x"))), "a call through the kernel")
	kids := children(t)
	require.Len(t, kids, 1, "one Node.js process, no relay")
	require.Regexp(t, `^node --preserve-symlinks --require /\S+/kernel\.js /\S+/lib/program\.js $`, kids[0])

	closeJSII()
	require.Empty(t, children(t))
	require.NoDirExists(t, filepath.Dir(launcher))
	require.Empty(t, os.Getenv("JSII_NODE"))
}

func TestAChosenRuntimeIsKept(t *testing.T) {
	for _, name := range []string{"JSII_NODE", "JSII_RUNTIME"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, "/opt/node/bin/node")
			jsiidirect.Use()()
			require.Equal(t, "/opt/node/bin/node", os.Getenv(name))
		})
	}
}

func TestATemporaryDirectoryItCannotUseKeepsTheRelay(t *testing.T) {
	t.Setenv("JSII_NODE", "")
	os.Unsetenv("JSII_NODE")
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	jsiidirect.Use()()
	require.Empty(t, os.Getenv("JSII_NODE"))
}
