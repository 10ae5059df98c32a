package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Only the library's race line is dropped at shutdown; anything else written meanwhile, a real
// abnormal exit included, reaches the user's stderr.
func TestCloseDropsOnlyTheRaceLine(t *testing.T) {
	for _, tt := range []struct {
		name, written, want string
	}{
		{"the race", RaceLine, ""},
		{"a real abnormal exit", "Runtime process exited abnormally: signal: killed", "Runtime process exited abnormally: signal: killed"},
		{"a clean-up error beside the race", "could not clean up temporary directory: permission denied\n" + RaceLine,
			"could not clean up temporary directory: permission denied\n"},
		{"nothing", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			captured := filepath.Join(t.TempDir(), "stderr")
			f, err := os.Create(captured)
			require.NoError(t, err)
			saved := os.Stderr
			os.Stderr = f
			closeFiltered(func() { fmt.Fprint(os.Stderr, tt.written) })
			os.Stderr = saved
			f.Close()
			got, err := os.ReadFile(captured)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}
