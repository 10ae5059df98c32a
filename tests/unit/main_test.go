// Package unit asserts exact properties of each construct on the synthesized stacks.
// Every environment is synthesized once for the whole package (tests.Main).
package unit

import (
	"os"
	"testing"

	"github.com/scalepayments/infra/tests"
)

var dev, staging, prod *tests.Doc

func TestMain(m *testing.M) { os.Exit(tests.Main(m, &dev, &staging, &prod)) }
