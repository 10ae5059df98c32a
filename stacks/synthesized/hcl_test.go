package synthesized

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
	require.NoError(t, RepairHCLFile(dir, "s", ">= 1.10"))
	got, err := os.ReadFile(filepath.Join(p, "cdk.tf"))
	require.NoError(t, err)
	assert.Equal(t, "terraform {\n  required_version = \">= 1.10\"\n}\n", string(got))
	assert.Error(t, RepairHCLFile(dir, "missing", ">= 1.10"))
}

func TestRepairHCLUnquotesReferenceLists(t *testing.T) {
	in := `resource "aws_ecs_service" "s" {
  name = "depends_on"
  depends_on = [
    "aws_ecs_cluster_capacity_providers.cluster_capacity_BDCA409E",
    "aws_lb_listener_rule.service-api_listener-rule_70C190E8",
  ]
  lifecycle {
    ignore_changes = [
      "desired_count",
    ]
  }
  tags = [
    "kept",
  ]
}`
	want := `resource "aws_ecs_service" "s" {
  name = "depends_on"
  depends_on = [
    aws_ecs_cluster_capacity_providers.cluster_capacity_BDCA409E,
    aws_lb_listener_rule.service-api_listener-rule_70C190E8,
  ]
  lifecycle {
    ignore_changes = [
      desired_count,
    ]
  }
  tags = [
    "kept",
  ]
}`
	assert.Equal(t, want, RepairHCL(in, ">= 1.10"))
}

func TestRepairHCLUnquotesAResourcesProvider(t *testing.T) {
	// cdktf writes the stack unindented; terraform fmt indents it afterwards.
	in := "resource \"aws_backup_vault\" \"dr\" {\nname = \"aws.dr\"\nprovider = \"aws.dr\"\n}\n"
	want := "resource \"aws_backup_vault\" \"dr\" {\nname = \"aws.dr\"\nprovider = aws.dr\n}\n"
	assert.Equal(t, want, RepairHCL(in, ">= 1.10"), "the provider argument, not a value that looks like one")
}
