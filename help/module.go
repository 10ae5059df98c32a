package help

import (
	"os"
	"path/filepath"
)

// ModuleRoot is the nearest directory at or above the working directory holding go.mod: the
// repository root, whether the app runs there (make, cdktf) or a test runs in its package.
// It is the working directory when no go.mod is found.
func ModuleRoot() string {
	wd, _ := os.Getwd()
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}
