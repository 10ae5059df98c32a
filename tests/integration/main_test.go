// Package integration runs whole-environment scenarios on the synthesized configuration of all
// three environments, modelled as the network and permission graph it describes. Each
// environment is synthesized once for the whole package.
package integration

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

func all() []*tests.Doc { return []*tests.Doc{dev, staging, prod} }
