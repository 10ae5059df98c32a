package synthesized

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// cdktf 0.21 renders the terraform block's plain attributes by index in HCL mode
// (`0 = "required_version"`, a bug in its renderTerraform); cdktf is archived, so we repair
// the one attribute we set.
const brokenRequiredVersion = `0 = "required_version"`

// cdktf writes the items of depends_on and ignore_changes as strings; Terraform reads them as
// references and warns "Quoted references are deprecated" for each.
// It also quotes a resource's provider (`provider = "aws.dr"`), which is a reference too.
var (
	referenceList    = regexp.MustCompile(`(?m)^(\s*(?:depends_on|ignore_changes) = \[\n)((?:\s*"[^"\n]+",\n)+)`)
	quotedItem       = regexp.MustCompile(`"([^"\n]+)",`)
	quotedProviderRe = regexp.MustCompile(`(?m)^(\s*provider\s*=\s*)"(aws\.[a-z0-9_]+)"$`)
)

// RepairHCL fixes cdktf's rendering of a synthesized cdk.tf: required_version (the stack's
// requiredVersion, which cdktf dropped), and quoted references in depends_on, ignore_changes and
// a resource's provider.
func RepairHCL(hcl, requiredVersion string) string {
	hcl = strings.Replace(hcl, brokenRequiredVersion, `required_version = "`+requiredVersion+`"`, 1)
	hcl = quotedProviderRe.ReplaceAllString(hcl, "$1$2")
	return referenceList.ReplaceAllStringFunc(hcl, func(list string) string {
		return quotedItem.ReplaceAllString(list, "$1,")
	})
}

// RepairHCLFile repairs a stack's cdk.tf in place; outdir is cdktf's output directory.
func RepairHCLFile(outdir, stack, requiredVersion string) error {
	path := filepath.Join(outdir, "stacks", stack, "cdk.tf")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(RepairHCL(string(data), requiredVersion)), 0o644)
}
