package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
)

func writeStack(t *testing.T, dir, name, json string) {
	p := filepath.Join(dir, "stacks", name)
	require.NoError(t, os.MkdirAll(p, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(p, "cdk.tf.json"), []byte(json), 0o644))
}

func TestCheckFailsSynthOnAFinding(t *testing.T) {
	dir := t.TempDir()
	writeStack(t, dir, "scalepayments-dev", `{"resource":{"aws_cloudwatch_log_group":{"plain":{"name":"x","tags":{"Name":"x"}}}}}`)
	var out bytes.Buffer
	assert.Equal(t, 1, check(&out, dir, []envconfig.Environment{envconfig.Dev}))
	assert.Contains(t, out.String(), "[SP-ENC-003] HIGH (PCI-DSS 3.5.1, 10.3.2) aws_cloudwatch_log_group.plain: kms_key_id is not set")
	assert.Contains(t, out.String(), "policy: synth failed")
}

func TestCheckPassesACleanStack(t *testing.T) {
	dir := t.TempDir()
	writeStack(t, dir, "scalepayments-dev", `{"resource":{}}`)
	var out bytes.Buffer
	assert.Equal(t, 0, check(&out, dir, []envconfig.Environment{envconfig.Dev}))
	assert.Equal(t, "policy: scalepayments-dev: 24 rules, 0 findings, 0 suppressed\n", out.String())
}

func TestCheckReportsAMissingStack(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, 1, check(&out, t.TempDir(), []envconfig.Environment{envconfig.Dev}))
	assert.Contains(t, out.String(), "no such file or directory")
}

func TestInvalidSelectionExitsBeforeAnyConstruct(t *testing.T) {
	t.Setenv("SCALEPAYMENTS_ENVIRONMENTS", "dev,qa")
	assert.Equal(t, 1, run())
}
