package synthesized

import (
	"fmt"
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

// RepairHCL fixes cdktf's rendering of a synthesized cdk.tf: required_version (cfg's, which
// cdktf dropped), quoted references in depends_on, ignore_changes and a
// resource's provider, and the stack's moved and removed blocks (cfg's), which cdktf leaves out:
// its HCL renders a stack's overrides into the terraform block only. Without them an applied
// environment would plan to replace what moved and destroy what it only forgets.
func RepairHCL(hcl string, cfg *Config) string {
	if version, ok := Block(cfg.Root["terraform"])["required_version"].(string); ok {
		hcl = strings.Replace(hcl, brokenRequiredVersion, `required_version = "`+version+`"`, 1)
	}
	hcl = quotedProviderRe.ReplaceAllString(hcl, "$1$2")
	hcl = referenceList.ReplaceAllStringFunc(hcl, func(list string) string {
		return quotedItem.ReplaceAllString(list, "$1,")
	})
	var b strings.Builder
	b.WriteString(hcl)
	for _, m := range cfg.Moves() {
		fmt.Fprintf(&b, "\nmoved {\n  from = %s\n  to   = %s\n}\n", m.From, m.To)
	}
	for _, r := range cfg.Removals() {
		fmt.Fprintf(&b, "\nremoved {\n  from = %s\n  lifecycle {\n    destroy = %t\n  }\n}\n", r.From, r.Destroy)
	}
	return b.String()
}

// RepairHCLFile repairs a stack's cdk.tf in place; outdir is cdktf's output directory.
func RepairHCLFile(outdir, stack string, cfg *Config) error {
	path := filepath.Join(outdir, "stacks", stack, "cdk.tf")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(RepairHCL(string(data), cfg)), 0o644)
}
