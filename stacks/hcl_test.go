package stacks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRepairHCLFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "stacks", "s")
	require.NoError(t, os.MkdirAll(p, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(p, "cdk.tf"), []byte("terraform {\n  0 = \"required_version\"\n}\n"), 0o644))
	require.NoError(t, RepairHCLFile(dir, "s"))
	got, err := os.ReadFile(filepath.Join(p, "cdk.tf"))
	require.NoError(t, err)
	assert.Equal(t, "terraform {\n  required_version = \">= 1.10\"\n}\n", string(got))
	assert.Error(t, RepairHCLFile(dir, "missing"))
}
