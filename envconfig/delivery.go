package envconfig

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/scalepayments/infra/help"
)

// Delivery is who may change the platform, without a stored key anywhere: Terraform Cloud
// runs through dynamic provider credentials (an OIDC-trusted role per workspace), and the
// application pipeline through GitHub Actions OIDC (a role per environment that may push that
// environment's images).
type Delivery struct {
	// TerraformHost is app.terraform.io, or a Terraform Enterprise host name: the OIDC issuer.
	TerraformHost string
	// Organization and Project are where the scalepayments-<stack> workspaces live; a role
	// trusts only runs of its own workspace in them.
	Organization, Project string
	// Repository is the application pipeline's GitHub repository, owner/name. Its workflow
	// jobs run in a GitHub environment named like ours (environment:<env> in the token).
	Repository string
}

// Pipeline is the shipped delivery setting.
var Pipeline = Delivery{
	TerraformHost: DefaultCloudHostname,
	Organization:  "scalepayments",
	Project:       "platform",
	Repository:    "scalepayments/services",
}

var githubRe = regexp.MustCompile(`^[A-Za-z0-9-]{1,39}/[A-Za-z0-9_.-]{1,100}$`)

// Validate checks the delivery setting: every value ends up verbatim in a trust policy, so a
// wildcard or a separator there would widen who may assume the roles.
func (d Delivery) Validate() error {
	var errs []string
	bad := func(field, value, allowed string) {
		errs = append(errs, fmt.Sprintf("delivery: %s = %q: %s", field, value, allowed))
	}
	if !help.ValidHostname(d.TerraformHost) {
		bad("TerraformHost", d.TerraformHost, "allowed a host name such as app.terraform.io (no scheme or path)")
	}
	if !help.ValidTFCOrganization(d.Organization) {
		bad("Organization", d.Organization, "allowed a Terraform Cloud organization name: letters, digits, _ or -")
	}
	if !help.ValidTFCProject(d.Project) {
		bad("Project", d.Project, "allowed a Terraform Cloud project name: 3-40 letters, digits, spaces, _ or - (no * or :)")
	}
	if !githubRe.MatchString(d.Repository) {
		bad("Repository", d.Repository, "allowed a GitHub repository as owner/name (no * or :)")
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// TerraformVersion is the Terraform CLI every Terraform Cloud workspace runs: the version CI
// validates and plans the stacks with.
const TerraformVersion = "1.11.4"

// RunTaskHost is the policy pack run task's host name, in the public zone of the first
// production environment; that environment's account stack (home region) serves it. ok is false
// when no environment is in production.
func RunTaskHost(envs []Environment) (host string, env Environment, ok bool) {
	for _, e := range envs {
		if e.Stage == StageProduction {
			return "run-task." + e.HostedZone, e, true
		}
	}
	return "", Environment{}, false
}
