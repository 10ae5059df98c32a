// Package integration runs whole-environment scenarios on the synthesized configuration of all
// three environments, modelled as the network and permission graph it describes. Each
// environment is synthesized once for the whole package (tests.Main).
package integration

import (
	"os"
	"testing"

	"github.com/scalepayments/infra/tests"
)

var dev, staging, prod *tests.Doc

func TestMain(m *testing.M) { os.Exit(tests.Main(m, &dev, &staging, &prod)) }

func all() []*tests.Doc { return []*tests.Doc{dev, staging, prod} }
