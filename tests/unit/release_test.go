package unit

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecrrepository"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/release"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/tests"
)

// releaseRepository is an image repository as the release role sees it: a plain name and ARN
// in the test account (the construct reads nothing else of it).
type releaseRepository struct {
	ecrrepository.EcrRepository
	name string
}

func (r releaseRepository) Arn() *string {
	return jsii.String("arn:aws:ecr:us-east-1:111122223333:repository/" + r.name)
}
func (r releaseRepository) Name() *string { return jsii.String(r.name) }

// releaseSources are the repositories of the environment each one promotes from (dev and
// staging share the nonprod account), in the environment's service order, as the stack lists them.
var releaseSources = map[string][]string{
	"staging": {"arn:aws:ecr:us-east-1:111122223333:repository/scalepayments/dev/api",
		"arn:aws:ecr:us-east-1:111122223333:repository/scalepayments/dev/payment",
		"arn:aws:ecr:us-east-1:111122223333:repository/scalepayments/dev/notification"},
	"prod": {"arn:aws:ecr:us-east-1:111122223333:repository/scalepayments/staging/api",
		"arn:aws:ecr:us-east-1:111122223333:repository/scalepayments/staging/payment",
		"arn:aws:ecr:us-east-1:111122223333:repository/scalepayments/staging/notification"},
}

// releasePullers: prod, in the prod account, copies staging's images; dev promotes into
// staging within one account and needs no repository policy.
var releasePullers = map[string][]release.Puller{
	"staging": {{Root: "arn:aws:iam::444455556666:root", Role: "arn:aws:iam::444455556666:role/scalepayments-prod-release"}},
}

// releaseOf is the release identity of env alone, configured as the stack configures it.
func releaseOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("release", env, func(stack cdktf.TerraformStack) {
		repos := map[string]ecrrepository.EcrRepository{}
		for _, svc := range env.Services {
			repos[svc.Name] = releaseRepository{name: "scalepayments/" + env.Name + "/" + svc.Name}
		}
		release.New(stack, "release", &release.Props{
			Namer: stacks.EnvNamer(env), Account: tests.TestAccount, Delivery: envconfig.Pipeline,
			Repositories: repos, Sources: releaseSources[env.Name], Pullers: releasePullers[env.Name],
		})
	})
}

// releaseWildcard is "*" or every action of a service ("ecr:*"): what no delivery role may hold.
func releaseWildcard(a string) bool { return a == "*" || strings.HasSuffix(a, ":*") }

// Each environment's release role trusts exactly its repository's jobs in the GitHub
// environment of the same name, pushes exactly the repositories it is given and pulls only
// from the environment it promotes from.
func TestReleaseRoleTrustsItsGitHubEnvironmentAndPushesItsRepositories(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := releaseOf(env)
		require.Equal(t, 1, d.Count("aws_iam_role"))
		r := d.Of("aws_iam_role")[0]
		assert.Equal(t, "scalepayments-"+env.Name+"-release", r.Body["name"])
		tests.Has(t, d, "aws_iam_role_policy", map[string]any{"name": "push-images", "role": tests.Ref(r, "id")})
		trust := tests.Statements(r.Body["assume_role_policy"])
		require.Len(t, trust, 1)
		assert.Equal(t, []string{"sts:AssumeRoleWithWebIdentity"}, trust[0].Action)
		assert.Equal(t, map[string]any{"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, trust[0].Principal)
		assert.Equal(t, map[string]map[string]any{
			"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
			"StringLike":   {"token.actions.githubusercontent.com:sub": "repo:scalepayments/services:environment:" + env.Name},
		}, trust[0].Condition)

		own := []string{ // sorted by service
			"arn:aws:ecr:us-east-1:111122223333:repository/scalepayments/" + env.Name + "/api",
			"arn:aws:ecr:us-east-1:111122223333:repository/scalepayments/" + env.Name + "/notification",
			"arn:aws:ecr:us-east-1:111122223333:repository/scalepayments/" + env.Name + "/payment",
		}
		want := map[string][]string{"ecr:GetAuthorizationToken": {"*"}}
		for _, a := range []string{"ecr:CompleteLayerUpload", "ecr:UploadLayerPart", "ecr:InitiateLayerUpload", "ecr:BatchCheckLayerAvailability", "ecr:PutImage", "ecr:BatchGetImage"} {
			want[a] = own
		}
		if sources := releaseSources[env.Name]; sources != nil {
			want["ecr:BatchGetImage"] = append(slices.Clone(own), sources...)
			want["ecr:GetDownloadUrlForLayer"] = sources
		}
		grants := d.Grants(r)
		assert.Equal(t, want, grants)
		for a := range grants {
			assert.False(t, releaseWildcard(a), a)
		}
	})
}

// Where a later environment in another account promotes from this one (prod from staging),
// each repository lets exactly that environment's release role pull, through its account root
// narrowed by aws:PrincipalArn. Dev and prod have no such puller and no repository policy.
func TestReleaseRepositoriesLetExactlyThePullersPull(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := releaseOf(env)
		if releasePullers[env.Name] == nil {
			assert.Zero(t, d.Count("aws_ecr_repository_policy"))
			return
		}
		var repos []string
		for _, p := range d.List("aws_ecr_repository_policy") {
			repos = append(repos, p["repository"].(string))
			st := tests.Statements(p["policy"])
			require.Len(t, st, 1)
			assert.Equal(t, "PromotionPull", st[0].Sid)
			assert.Equal(t, "Allow", st[0].Effect)
			assert.Equal(t, []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, st[0].Action)
			assert.Equal(t, map[string]any{"AWS": []any{"arn:aws:iam::444455556666:root"}}, st[0].Principal)
			assert.Equal(t, map[string]map[string]any{"ArnEquals": {"aws:PrincipalArn": []any{"arn:aws:iam::444455556666:role/scalepayments-prod-release"}}}, st[0].Condition)
		}
		assert.ElementsMatch(t, []string{"scalepayments/" + env.Name + "/api", "scalepayments/" + env.Name + "/payment", "scalepayments/" + env.Name + "/notification"}, repos,
			"one policy per repository")
	})
}
