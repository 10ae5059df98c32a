package policy

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's rule table lists every rule of the pack with its severity, PCI-DSS
// requirements, title and Security Hub control.
func TestReadmeDocumentsEveryRule(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for _, r := range Rules {
		control := r.SecurityHub
		if control == "" {
			control = "—"
		}
		assert.Contains(t, string(readme), fmt.Sprintf("| %s | %s | %s | %s | %s |\n", r.ID, r.Severity, r.PCI, r.Title, control))
	}
}
