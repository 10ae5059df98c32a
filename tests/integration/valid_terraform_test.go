package integration

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
)

// cdktf's own judge: terraform init and validate with the real AWS provider, on prod, which
// holds every resource type of dev and staging but staging's promotion repository policies
// (TestTopologyDiffersOnlyByDocumentedSwitches). Each stack costs about 5 s of provider schema
// loading, so `go test` validates one; `make plan-offline` (in `make test` and CI) validates and
// plans all five stacks.
func TestProductionIsValidTerraform(t *testing.T) {
	if reason := noProvider(); reason != "" {
		t.Skip("skipped: no AWS provider can be installed: " + reason)
	}
	valid := cdktf.Testing_ToBeValidTerraform(&prod.Dir) // the directory tests.Main synthesized
	assert.True(t, *valid, "%s: terraform init + validate failed", prod.Stack.Name)
}

// noProvider says why terraform init cannot install hashicorp/aws here, or "" when it can: from
// the mirror that `make` configures (TF_CLI_CONFIG_FILE, read by the jsii process when it
// starts, so it must be set before go test runs), or from the public registry.
func noProvider() string {
	if _, err := exec.LookPath("terraform"); err != nil {
		return "terraform is not on PATH"
	}
	if rc, err := os.ReadFile(os.Getenv("TF_CLI_CONFIG_FILE")); err == nil && strings.Contains(string(rc), "filesystem_mirror") {
		return ""
	}
	conn, err := net.DialTimeout("tcp", "registry.terraform.io:443", 3*time.Second)
	if err != nil {
		return "TF_CLI_CONFIG_FILE names no provider mirror (run `make unit`, which sets it where the machine has one) and the registry is unreachable: " + err.Error()
	}
	conn.Close()
	return ""
}
