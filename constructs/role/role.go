// Package role creates an IAM role that one AWS service assumes on behalf of this
// account only (confused-deputy guard), with inline policies built in Go.
package role

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"

	"github.com/scalepayments/infra/help"
)

// Props configures one service role.
type Props struct {
	Name    string // fitted to the IAM limit by the caller's Namer
	Service string // e.g. "vpc-flow-logs.amazonaws.com"
	Account help.Account
	// Policies are inline policies by name, each a finished policy document.
	Policies map[string]string
	// ManagedPolicies are AWS managed policy names (attached by ARN in this partition).
	ManagedPolicies []string
}

// Role is the role and nothing else; its policies belong to it.
type Role struct {
	Role iamrole.IamRole
}

// New creates the role and its policies.
func New(scope constructs.Construct, id string, props *Props) *Role {
	trust := help.Allow("", []string{"sts:AssumeRole"}, nil)
	trust.Principal = help.ServicePrincipal(props.Service)
	trust.Condition = map[string]map[string]any{"StringEquals": {"aws:SourceAccount": props.Account.ID}}
	r := iamrole.NewIamRole(scope, jsii.String(id), &iamrole.IamRoleConfig{
		Name:             jsii.String(props.Name),
		AssumeRolePolicy: jsii.String(help.Policy(trust)),
		Tags:             help.NameTag(props.Name),
	})
	for _, name := range help.SortedKeys(props.Policies) {
		iamrolepolicy.NewIamRolePolicy(scope, jsii.String(id+"-"+name), &iamrolepolicy.IamRolePolicyConfig{
			Name:   jsii.String(name),
			Role:   r.Id(),
			Policy: jsii.String(props.Policies[name]),
		})
	}
	for _, name := range props.ManagedPolicies {
		iamrolepolicyattachment.NewIamRolePolicyAttachment(scope, jsii.String(id+"-"+name), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
			Role:      r.Name(),
			PolicyArn: jsii.String("arn:" + props.Account.Partition + ":iam::aws:policy/" + name),
		})
	}
	return &Role{Role: r}
}
