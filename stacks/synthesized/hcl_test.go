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
	cfg, err := Parse([]byte(`{"terraform":{"required_version":">= 1.10"},"moved":[{"from":"aws_subnet.a_1","to":"aws_subnet.b_2"}],
		"removed":[{"from":"aws_s3_bucket.c_3","lifecycle":{"destroy":false}},{"from":"aws_s3_bucket.d_4","lifecycle":{"destroy":true}}]}`))
	require.NoError(t, err)
	require.NoError(t, RepairHCLFile(dir, "s", cfg))
	got, err := os.ReadFile(filepath.Join(p, "cdk.tf"))
	require.NoError(t, err)
	assert.Equal(t, "terraform {\n  required_version = \">= 1.10\"\n}\n"+
		"\nmoved {\n  from = aws_subnet.a_1\n  to   = aws_subnet.b_2\n}\n"+
		"\nremoved {\n  from = aws_s3_bucket.c_3\n  lifecycle {\n    destroy = false\n  }\n}\n"+
		"\nremoved {\n  from = aws_s3_bucket.d_4\n  lifecycle {\n    destroy = true\n  }\n}\n", string(got),
		"the stack's moved and removed blocks, which cdktf leaves out of HCL")
	assert.Error(t, RepairHCLFile(dir, "missing", cfg))
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
	assert.Equal(t, want, RepairHCL(in, &Config{}))
}

func TestRepairHCLUnquotesAResourcesProvider(t *testing.T) {
	// cdktf writes the stack unindented; terraform fmt indents it afterwards.
	in := "resource \"aws_backup_vault\" \"dr\" {\nname = \"aws.dr\"\nprovider = \"aws.dr\"\n}\n"
	want := "resource \"aws_backup_vault\" \"dr\" {\nname = \"aws.dr\"\nprovider = aws.dr\n}\n"
	assert.Equal(t, want, RepairHCL(in, &Config{}), "the provider argument, not a value that looks like one")
}
