// Package delivery creates an account's keyless delivery identities: the IAM OIDC providers
// of Terraform Cloud and GitHub Actions, and one role per Terraform Cloud workspace that only
// that workspace's runs can assume (dynamic provider credentials), allowed to manage the services
// and regions of the workspace's stack, its own roles and its own buckets (PCI-DSS 7.2, 8.6).
package delivery

import (
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamopenidconnectprovider"

	"github.com/scalepayments/infra/constructs/role"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// The token audiences AWS is asked to trust.
const (
	// TerraformAudience is HCP Terraform's default (TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE unset).
	// https://developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/aws-configuration
	TerraformAudience = "aws.workload.identity"
	// GitHubHost and GitHubAudience are GitHub Actions' issuer and the audience of the official
	// aws-actions/configure-aws-credentials action.
	// https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws
	GitHubHost     = "token.actions.githubusercontent.com"
	GitHubAudience = "sts.amazonaws.com"
	// RolePath keeps the workspace roles apart from every name pattern the workspaces' own
	// policies grant on (scalepayments-<env>-*), so no workspace can change its own role.
	RolePath = "/delivery/"
)

// Workspace is one Terraform Cloud workspace whose runs deploy a stack to this account.
type Workspace struct {
	Name   string // scalepayments-<stack>: the workspace and the stack
	Prefix string // the name prefix of every IAM role and S3 bucket its stack creates
	// Account marks the account stack's own workspace, which manages the account-wide
	// controls (and, once bootstrapped, these roles); the others manage one environment.
	Account bool
	// Regions the stack deploys to: its own, and an environment's disaster-recovery region.
	Regions []string
	// Buckets are the name patterns of the S3 buckets its stack creates (an account and an
	// environment may share a name prefix, so a prefix alone is not enough).
	Buckets []string
	// Secrets is the name pattern of the Secrets Manager secrets its stack creates ("" for none).
	Secrets string
	// RunTask marks the account workspace whose stack serves the policy pack's run task (a
	// Lambda function behind an HTTP API).
	RunTask bool
}

// Props configures the account's delivery identities.
type Props struct {
	Namer   naming.Namer
	Account iam.Account
	// Home creates the OIDC providers: IAM is global, so one per account, in its home stack.
	Home       bool
	Delivery   envconfig.Delivery
	Workspaces []Workspace
}

// Delivery exposes the providers (nil outside the home region) and the roles per workspace.
type Delivery struct {
	Terraform, GitHub iamopenidconnectprovider.IamOpenidConnectProvider
	Workspaces        []Workspace
	// PlanRoles and ApplyRoles are each workspace's roles for its plans and its applies, by
	// workspace name (TFC_AWS_PLAN_ROLE_ARN, TFC_AWS_APPLY_ROLE_ARN).
	PlanRoles, ApplyRoles map[string]*role.Role
}

// The run phases of a Terraform Cloud run, each with its own role.
const (
	Plan  = "plan"
	Apply = "apply"
)

// New creates the providers and the workspace roles.
func New(scope constructs.Construct, id string, props *Props) *Delivery {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	d := &Delivery{PlanRoles: map[string]*role.Role{}, ApplyRoles: map[string]*role.Role{}, Workspaces: props.Workspaces}
	host := props.Delivery.TerraformHost
	issuer := props.Account.OIDCProvider(host)
	if props.Home {
		// No thumbprint_list: IAM obtains and rotates the issuer's certificate thumbprint itself.
		d.Terraform = iamopenidconnectprovider.NewIamOpenidConnectProvider(scope, jsii.String("terraform-cloud"), &iamopenidconnectprovider.IamOpenidConnectProviderConfig{
			Url: jsii.String("https://" + host), ClientIdList: jsii.Strings(TerraformAudience),
			Tags: naming.NameTag(host),
		})
		d.GitHub = iamopenidconnectprovider.NewIamOpenidConnectProvider(scope, jsii.String("github-actions"), &iamopenidconnectprovider.IamOpenidConnectProviderConfig{
			Url: jsii.String("https://" + GitHubHost), ClientIdList: jsii.Strings(GitHubAudience),
			Tags: naming.NameTag(GitHubHost),
		})
		issuer = *d.Terraform.Arn() // the roles wait for the provider they trust
	}
	for _, w := range props.Workspaces {
		short := strings.TrimPrefix(w.Name, naming.Project+"-")
		// Separate plan and apply roles, each trusted for its own run phase only:
		// https://developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/aws-configuration
		// (the apply role keeps the address and name of the role both phases shared before).
		phase := func(id, name, run string, policy []iam.Statement) *role.Role {
			trust := iam.WebIdentity(issuer, host, TerraformAudience, TerraformSubject(props.Delivery, w.Name, run))
			return role.New(scope, id+w.Name, &role.Props{
				Name: name, Path: RolePath, Account: props.Account, Trust: &trust,
				Policies: map[string]string{run: iam.Policy(policy...)},
			})
		}
		d.PlanRoles[w.Name] = phase("plan-role-", props.Namer.Global(naming.MaxIAMRoleName, "terraform", Plan, short), Plan, PlanPermissions(props.Account, w))
		d.ApplyRoles[w.Name] = phase("role-", props.Namer.Global(naming.MaxIAMRoleName, "terraform", short), Apply, Permissions(props.Account, w))
	}
	return d
}

// TerraformSubject is the token subject of one run phase (Plan or Apply) of one workspace.
func TerraformSubject(d envconfig.Delivery, workspace, phase string) string {
	return "organization:" + d.Organization + ":project:" + d.Project + ":workspace:" + workspace + ":run_phase:" + phase
}

// GitHubSubject is the token subject of the application pipeline's jobs that deploy to env
// (a GitHub environment of the same name, where reviewers and branch rules apply).
func GitHubSubject(d envconfig.Delivery, env string) string {
	return "repo:" + d.Repository + ":environment:" + env
}
