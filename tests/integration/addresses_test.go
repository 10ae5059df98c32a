package integration

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/tests"
)

// `go test ./tests/integration -run Addresses -update` rewrites the golden address files; the
// diff then shows in review every resource that a change would create, destroy or move.
var update = flag.Bool("update", false, "rewrite testdata/addresses/<stack>.txt from the synthesized stacks")

// Stateful resources hold data or identity that a destroy loses. One of them may change
// address only together with a moved block.
var stateful = []string{
	"aws_rds_cluster", "aws_rds_cluster_instance", "aws_elasticache_replication_group", "aws_kms_key",
	"aws_s3_bucket", "aws_secretsmanager_secret", "aws_cloudwatch_log_group", "aws_ecr_repository",
}

// stack is a synthesized stack of any kind, by name.
type stack struct {
	name string
	doc  *tests.Doc
}

// everyStack is every environment and account stack.
func everyStack() []stack {
	var out []stack
	for _, d := range all() {
		out = append(out, stack{d.Stack.Name, d})
	}
	for _, a := range tests.Accounts() {
		out = append(out, stack{a.Stack.Name, a.Doc})
	}
	return out
}

func golden(t *testing.T, s stack, kind string) []string {
	data, err := os.ReadFile(filepath.Join("testdata", "addresses", s.name+kind+".txt"))
	if kind == ".previous" && os.IsNotExist(err) {
		return nil // a stack the previous release did not have
	}
	require.NoError(t, err, "golden file of %s: run the test with -update", s.name)
	return strings.Fields(string(data))
}

func TestResourceAddressesMatchTheGoldenFiles(t *testing.T) {
	var names []string
	for _, s := range everyStack() {
		names = append(names, s.name)
	}
	assert.ElementsMatch(t, []string{"scalepayments-dev", "scalepayments-staging", "scalepayments-prod", "scalepayments-account-nonprod", "scalepayments-account-prod"}, names,
		"the stacks the golden files are named after")
	for _, s := range everyStack() {
		t.Run(s.name, func(t *testing.T) {
			got := s.doc.Addresses()
			if *update {
				path := filepath.Join("testdata", "addresses", s.name+".txt")
				require.NoError(t, os.WriteFile(path, []byte(strings.Join(got, "\n")+"\n"), 0o644))
				return
			}
			assert.Equal(t, golden(t, s, ""), got, "resource addresses changed: review, then run with -update")
		})
	}
}

// Every moved block takes an address of the previous release (<stack>.previous.txt, the state
// that may exist) to one of this release, and no stateful address of the previous release is
// gone without one, or without a removed block that keeps the real resource (it moved to
// another stack: README "Moving to account stacks").
func TestStatefulAddressesOnlyMoveWithMovedBlocks(t *testing.T) {
	for _, s := range everyStack() {
		t.Run(s.name, func(t *testing.T) {
			d := s.doc
			previous, current := golden(t, s, ".previous"), d.Addresses()
			moved := map[string]string{}
			for _, m := range d.Moves() {
				assert.True(t, slices.Contains(previous, m.From), "moved from %s, which the previous release never had", m.From)
				assert.True(t, slices.Contains(current, m.To), "moved to %s, which this release does not have", m.To)
				moved[m.From] = m.To
			}
			for _, addr := range previous {
				typ := addr[:strings.Index(addr, ".")]
				if slices.Contains(stateful, typ) && !slices.Contains(current, addr) {
					_, ok := moved[addr]
					ok = ok || slices.Contains(d.Forgotten(), addr)
					assert.True(t, ok, "stateful %s would be destroyed: add a moved block (constructs/network's moved)", addr)
				}
			}
		})
	}
}
