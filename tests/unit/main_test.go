// Package unit asserts exact properties of each construct on the synthesized stacks.
// Every environment is synthesized once for the whole package (tests.Synth caches).
package unit

import (
	"os"
	"testing"

	"github.com/scalepayments/infra/tests"
)

var dev, staging, prod *tests.Doc

func TestMain(m *testing.M) {
	docs := tests.All()
	dev, staging, prod = docs[0], docs[1], docs[2]
	os.Exit(m.Run())
}
