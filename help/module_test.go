package help

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestModuleRootIsTheRepositoryFromAnyPackage(t *testing.T) {
	root := ModuleRoot()
	assert.FileExists(t, filepath.Join(root, "go.mod"))
	assert.Equal(t, filepath.Dir(must(os.Getwd())), root, "help/ is one level below the root")
	t.Chdir(t.TempDir())
	assert.Equal(t, must(os.Getwd()), ModuleRoot(), "outside a module: the working directory")
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}
