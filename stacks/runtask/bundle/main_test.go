package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The same source gives the same zip, holding exactly the bootstrap binary. The test runs in
// this package's directory, below the module root, as `go run` may be.
func TestTheBundleIsReproducible(t *testing.T) {
	dir := t.TempDir()
	var zips [][]byte
	for _, name := range []string{"first/run-task.zip", "second/run-task.zip"} {
		path := filepath.Join(dir, name)
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, run([]string{"-o", path}, &stdout, &stderr), stderr.String())
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		assert.Equal(t, "bundle: "+path+" sha256 "+base64.StdEncoding.EncodeToString(sum[:])+"\n", stdout.String())
		zips = append(zips, data)
	}
	assert.True(t, bytes.Equal(zips[0], zips[1]), "two builds, one byte sequence")

	zr, err := zip.NewReader(bytes.NewReader(zips[0]), int64(len(zips[0])))
	require.NoError(t, err)
	require.Len(t, zr.File, 1)
	f := zr.File[0]
	assert.Equal(t, "bootstrap", f.Name)
	assert.Equal(t, os.FileMode(0o755), f.Mode())
	assert.Equal(t, zip.Deflate, f.Method)
	assert.Equal(t, zipTime, f.Modified.UTC())
	assert.Greater(t, f.UncompressedSize64, uint64(1<<20), "a whole program")
}

func TestABadFlagIsAUsageError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"-x"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "flag provided but not defined: -x")
	assert.Empty(t, stdout.String())
}
