// Package unit asserts exact properties of each construct, built alone in a minimal stack per
// environment (tests.Minimal): one file per construct, one subtest per environment.
package unit

import (
	"os"
	"testing"

	"github.com/scalepayments/infra/tests"
)

func TestMain(m *testing.M) { os.Exit(tests.Run(m)) }
