package stacks

import (
	"os"
	"path/filepath"
	"strings"
)

// cdktf 0.21 renders the terraform block's plain attributes by index in HCL mode
// (`0 = "required_version"`, a bug in its renderTerraform); cdktf is archived, so we repair
// the one attribute we set.
const brokenRequiredVersion = `0 = "required_version"`

// RepairHCL fixes cdktf's rendering of required_version in a synthesized cdk.tf.
func RepairHCL(hcl string) string {
	return strings.Replace(hcl, brokenRequiredVersion, `required_version = "`+RequiredTerraform+`"`, 1)
}

// RepairHCLFile repairs a stack's cdk.tf in place; outdir is cdktf's output directory.
func RepairHCLFile(outdir, stack string) error {
	path := filepath.Join(outdir, "stacks", stack, "cdk.tf")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(RepairHCL(string(data))), 0o644)
}
