// Package release creates an environment's release identity: the role its application
// pipeline assumes through GitHub Actions OIDC (no stored key) to push that environment's
// images, and to pull the digests it promotes from the environment before it. Where a later
// environment in another account promotes from this one, the repositories let exactly that
// environment's release role pull (PCI-DSS 6.5.1, 7.2).
//
// Promotion copies an image by digest into the environment's own repository (crane copy keeps
// the manifest bytes, so the digest is unchanged): production never pulls at run time from a
// lower account, and the digest prod runs is the digest staging tested.
package release

import (
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecrrepository"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecrrepositorypolicy"

	"github.com/scalepayments/infra/constructs/delivery"
	"github.com/scalepayments/infra/constructs/role"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// The documented actions (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html
// for a push, the AllowPull example of
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html for a pull).
// A pull needs no KMS permission on a KMS-encrypted repository: ECR decrypts through the grant it
// holds on the key ("Encryption at rest - Amazon ECR").
var (
	pushActions = []string{"ecr:CompleteLayerUpload", "ecr:UploadLayerPart", "ecr:InitiateLayerUpload",
		"ecr:BatchCheckLayerAvailability", "ecr:PutImage", "ecr:BatchGetImage"}
	pullActions = []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}
)

// Props configures the release identity of one environment.
type Props struct {
	Namer    naming.Namer
	Account  iam.Account
	Delivery envconfig.Delivery
	// Repositories are the environment's image repositories by service.
	Repositories map[string]ecrrepository.EcrRepository
	// Sources are the repository ARNs of the environment this one promotes from.
	Sources []string
	// Pullers are the release roles of later environments in other accounts that copy this
	// environment's images.
	Pullers []Puller
}

// Puller is another account's release role that may pull this environment's images.
type Puller struct {
	Root string // its account's root principal ARN
	Role string // the role's ARN
}

// Release exposes the release role.
type Release struct {
	Role *role.Role
}

// RoleName is the release role of an environment, so another environment's stack can name it.
func RoleName(n naming.Namer) string { return n.Global(naming.MaxIAMRoleName, "release") }

// New creates the release role and, where another account promotes from here, the
// repositories' pull policies.
func New(scope constructs.Construct, id string, props *Props) *Release {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	var own []string
	for _, svc := range help.SortedKeys(props.Repositories) {
		own = append(own, *props.Repositories[svc].Arn())
	}
	statements := []iam.Statement{
		// ecr:GetAuthorizationToken has no resource-level permissions: AWS requires "*".
		iam.Allow("EcrLogin", []string{"ecr:GetAuthorizationToken"}, []string{"*"}),
		iam.Allow("PushOwnImages", pushActions, own),
	}
	if len(props.Sources) > 0 {
		statements = append(statements, iam.Allow("PullPromotedImages", pullActions, props.Sources))
	}
	// The documented GitHub trust, subject pinned to the repository and the GitHub environment:
	// https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws
	trust := iam.WebIdentity(props.Account.OIDCProvider(delivery.GitHubHost), delivery.GitHubHost, delivery.GitHubAudience,
		delivery.GitHubSubject(props.Delivery, props.Namer.Env))
	r := &Release{Role: role.New(scope, "role", &role.Props{
		Name: RoleName(props.Namer), Account: props.Account, Trust: &trust,
		Policies: map[string]string{"push-images": iam.Policy(statements...)},
	})}
	if len(props.Pullers) > 0 {
		// The account root as principal (it always exists, unlike a role in an account not yet
		// applied), narrowed to the release roles by aws:PrincipalArn.
		var roots, roles []string
		for _, p := range props.Pullers {
			roots, roles = append(roots, p.Root), append(roles, p.Role)
		}
		slices.Sort(roots)
		pull := iam.Allow("PromotionPull", pullActions, nil)
		pull.Principal = map[string]any{"AWS": slices.Compact(roots)}
		pull.Condition = map[string]map[string]any{"ArnEquals": {"aws:PrincipalArn": roles}}
		for _, svc := range help.SortedKeys(props.Repositories) {
			ecrrepositorypolicy.NewEcrRepositoryPolicy(scope, jsii.String("pull-"+svc), &ecrrepositorypolicy.EcrRepositoryPolicyConfig{
				Repository: props.Repositories[svc].Name(),
				Policy:     jsii.String(iam.Policy(pull)),
			})
		}
	}
	return r
}
