package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docs are the project's documents: the README and every package's reference.
func docs(t *testing.T) map[string]string {
	out := map[string]string{}
	err := filepath.WalkDir(repo, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != repo || d.Name() == "node_modules" || d.Name() == "cdktf.out" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".md") {
			body, err := os.ReadFile(path)
			out[strings.TrimPrefix(path, repo+"/")] = string(body)
			return err
		}
		return nil
	})
	require.NoError(t, err)
	require.Contains(t, out, "README.md")
	return out
}

var (
	makeTarget  = regexp.MustCompile("(?m)(?:`|^)make ([a-z][a-z-]*)")
	variable    = regexp.MustCompile(`\b(SCALEPAYMENTS_[A-Z_]+[A-Z]|TF_CLOUD_[A-Z_]+[A-Z]|TFC_AWS_[A-Z_]+[A-Z]|CDKTF_OUTDIR)\b`)
	command     = regexp.MustCompile("`scalepayments ([a-z-]+)")
	repoPath    = regexp.MustCompile("`((?:constructs|stacks|envconfig|help|tests)/[A-Za-z0-9_./-]*[A-Za-z0-9_/])`")
	placeholder = regexp.MustCompile(`<[a-z]+>`)
)

// Every make target, variable, command and repository path a document names exists: a target in
// the Makefile, a variable the code or the Makefile reads, a command the usage lists, a path in
// the tree. A document that drifts from the code fails here.
func TestDocumentsNameOnlyWhatExists(t *testing.T) {
	makefile, err := os.ReadFile(filepath.Join(repo, "Makefile"))
	require.NoError(t, err)
	var code strings.Builder
	code.Write(makefile)
	for _, dir := range []string{"envconfig", "stacks", "constructs", "tests", ".ci"} {
		filepath.WalkDir(filepath.Join(repo, dir), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, "/run")) {
				body, _ := os.ReadFile(path)
				code.Write(body)
			}
			return nil
		})
	}
	for name, doc := range docs(t) {
		t.Run(name, func(t *testing.T) {
			for _, m := range makeTarget.FindAllStringSubmatch(doc, -1) {
				assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(m[1])+`:`, string(makefile), "make %s: no such target", m[1])
			}
			for _, m := range variable.FindAllStringSubmatch(doc, -1) {
				// A family is read by its prefix: SCALEPAYMENTS_IMAGE_PAYMENT by "SCALEPAYMENTS_IMAGE_".
				name := m[1]
				read := strings.Contains(code.String(), name)
				for i := strings.LastIndex(name, "_"); !read && strings.Count(name[:i], "_") >= 1; i = strings.LastIndex(name[:i], "_") {
					read = strings.Contains(code.String(), `"`+name[:i+1]+`"`)
				}
				assert.True(t, read, "%s: nothing reads it", name)
			}
			for _, m := range command.FindAllStringSubmatch(doc, -1) {
				assert.Contains(t, usage, "scalepayments "+m[1], "scalepayments %s: no such command", m[1])
			}
			for _, m := range repoPath.FindAllStringSubmatch(doc, -1) {
				path := placeholder.ReplaceAllString(m[1], "*")
				matches, _ := filepath.Glob(filepath.Join(repo, path))
				assert.NotEmpty(t, matches, "%s: no such path", m[1])
			}
		})
	}
}

// The make targets the README's first deployment and operations name run the commands they
// describe (make -n shows them), for every environment.
func TestDocumentedTargetsRun(t *testing.T) {
	readme := docs(t)["README.md"]
	var targets []string
	for _, m := range makeTarget.FindAllStringSubmatch(readme, -1) {
		if !slices.Contains(targets, m[1]) {
			targets = append(targets, m[1])
		}
	}
	require.Subset(t, targets, []string{"synth", "test", "bootstrap", "deploy", "secret", "db-users", "redeploy", "promote", "report"})
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			cmd := exec.Command("make", "-n", target, "ENV=staging", "SERVICE=payment", "NAME=processor-api-key", "FROM=dev", "TO=staging", "FILE=plan.json")
			cmd.Dir = repo
			out, err := cmd.CombinedOutput()
			assert.NoError(t, err, "%s", out)
		})
	}
}
