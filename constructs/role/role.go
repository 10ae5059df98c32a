// Package role creates an IAM role that one AWS service assumes on behalf of this account only
// (confused-deputy guard, where AWS supports it), or that an OIDC identity assumes (Trust),
// with inline policies built in Go.
package role

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// Props configures one service role.
type Props struct {
	Name    string // fitted to the IAM limit by the caller's Namer
	Service string // e.g. "vpc-flow-logs.amazonaws.com"
	Account iam.Account
	// Policies are inline policies by name, each a finished policy document.
	Policies map[string]string
	// ManagedPolicies are AWS managed policy names (attached by ARN in this partition).
	ManagedPolicies []string
	// NoSourceAccount leaves the aws:SourceAccount condition out of the trust policy, only for
	// services whose documentation says it is not supported (CloudTrail's CloudWatch Logs role).
	NoSourceAccount bool
	// Trust replaces the service trust for a role that identities outside AWS assume (a web
	// identity from an OIDC provider); Service is then empty.
	Trust *iam.Statement
	// Path is the role's IAM path ("/" when empty): a path apart keeps a role outside the
	// name patterns other policies grant on.
	Path string
}

// Role is the role; Grants are its policies and attachments, for resources that must not be
// created before the role can act (Terraform sees only the role ARN).
type Role struct {
	Role   iamrole.IamRole
	Grants []cdktf.ITerraformDependable
}

// New creates the role and its policies.
func New(scope constructs.Construct, id string, props *Props) *Role {
	// aws:SourceAccount against the confused deputy:
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
	trust := iam.ServiceAllow("", props.Service, []string{"sts:AssumeRole"}, nil)
	if !props.NoSourceAccount {
		trust.Condition = map[string]map[string]any{"StringEquals": {"aws:SourceAccount": props.Account.ID}}
	}
	if props.Trust != nil {
		trust = *props.Trust
	}
	var path *string
	if props.Path != "" {
		path = jsii.String(props.Path)
	}
	r := iamrole.NewIamRole(scope, jsii.String(id), &iamrole.IamRoleConfig{
		Name:             jsii.String(props.Name),
		Path:             path,
		AssumeRolePolicy: jsii.String(iam.Policy(trust)),
		Tags:             naming.NameTag(props.Name),
	})
	out := &Role{Role: r}
	for _, name := range help.SortedKeys(props.Policies) {
		p := iamrolepolicy.NewIamRolePolicy(scope, jsii.String(id+"-"+name), &iamrolepolicy.IamRolePolicyConfig{
			Name:   jsii.String(name),
			Role:   r.Id(),
			Policy: jsii.String(props.Policies[name]),
		})
		out.Grants = append(out.Grants, p)
	}
	for _, name := range props.ManagedPolicies {
		a := iamrolepolicyattachment.NewIamRolePolicyAttachment(scope, jsii.String(id+"-"+name), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
			Role:      r.Name(),
			PolicyArn: jsii.String("arn:" + props.Account.Partition + ":iam::aws:policy/" + name),
		})
		out.Grants = append(out.Grants, a)
	}
	return out
}

// After is a depends_on list: the role's grants, then more. A resource that makes AWS act as the
// role at creation waits for what the role may do, not only for the role.
func (r *Role) After(more ...cdktf.ITerraformDependable) *[]cdktf.ITerraformDependable {
	deps := append(append([]cdktf.ITerraformDependable{}, more...), r.Grants...)
	return &deps
}
