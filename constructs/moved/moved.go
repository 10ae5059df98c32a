// Package moved collects a stack's moved blocks. A construct that renames a resource adds the
// block here; the stack writes them all once, as its one "moved" override (the JSON cdktf's
// MoveFromId writes, without MoveFromId running `terraform version` on every synth), so no
// construct can overwrite another's.
package moved

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/help/naming"
)

// Blocks are one stack's moved blocks, in the order constructs added them.
type Blocks struct{ list []map[string]string }

// Add moves the state of the resource of typ that stood at the construct path from (below the
// stack) to the one at to, so a renamed construct id plans no replacement. Both addresses are
// computed as cdktf computes them (naming.LogicalID), without asking jsii.
func (b *Blocks) Add(typ string, to, from []string) {
	b.list = append(b.list, map[string]string{"from": typ + "." + naming.LogicalID(from...), "to": typ + "." + naming.LogicalID(to...)})
}

// Write sets the stack's moved blocks; call it once, after every construct.
func (b *Blocks) Write(stack cdktf.TerraformStack) {
	if len(b.list) > 0 {
		stack.AddOverride(jsii.String("moved"), b.list)
	}
}
