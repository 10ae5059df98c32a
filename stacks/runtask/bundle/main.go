// Command bundle builds the run task's Lambda (./stacks/runtask/lambda) for provided.al2023 on
// arm64 and zips it reproducibly, so the same source gives the same bytes and Lambda's
// source_code_hash changes only with the code:
//
//	go run ./stacks/runtask/bundle -o bin/run-task.zip
//
// It prints `bundle: <zip> sha256 <base64 SHA-256>`, the digest source_code_hash compares.
// It runs from any directory inside the module.
package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The Lambda package's import path below the module root, and the name provided.al2023 runs.
const (
	lambdaPackage = "./stacks/runtask/lambda"
	binaryName    = "bootstrap"
)

// zipTime is every entry's modification time: the earliest a zip can hold, so the build time
// never reaches the archive.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("bundle", flag.ContinueOnError)
	flags.SetOutput(stderr)
	out := flags.String("o", "bin/run-task.zip", "the zip to write")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	digest, err := bundle(*out)
	if err != nil {
		for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
			fmt.Fprintf(stderr, "bundle: %s\n", line)
		}
		return 1
	}
	fmt.Fprintf(stdout, "bundle: %s sha256 %s\n", *out, digest)
	return 0
}

// bundle builds the Lambda, writes its zip to out and returns the zip's base64 SHA-256.
func bundle(out string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp("", "run-task-bundle-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	bin, err := build(root, filepath.Join(tmp, binaryName))
	if err != nil {
		return "", err
	}
	data, err := archive(bin)
	if err != nil {
		return "", err
	}
	if err := writeFile(out, data); err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// moduleRoot is the directory of the go.mod of the working directory's module.
func moduleRoot() (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	path := strings.TrimSpace(string(gomod))
	if err != nil || path == "" || path == os.DevNull {
		return "", fmt.Errorf("run inside the module: go env GOMOD gives %q (%v)", path, err)
	}
	return filepath.Dir(path), nil
}

// build compiles the Lambda to path: no paths, VCS stamp or build id in the binary, and the
// environment pinned, so the bytes depend on the source and the Go version only.
func build(root, path string) ([]byte, error) {
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags=-s -w -buildid=", "-o", path, lambdaPackage)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "GOARM64=v8.0", "CGO_ENABLED=0", "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build %s: %v\n%s", lambdaPackage, err, out)
	}
	return os.ReadFile(path)
}

// archive is a zip of exactly the binary: mode 0755, a fixed time, deflated.
func archive(bin []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: binaryName, Method: zip.Deflate, Modified: zipTime}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err == nil {
		_, err = w.Write(bin)
	}
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeFile writes data to path through a temporary file beside it, so a reader never sees half
// a zip.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".bundle-")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
