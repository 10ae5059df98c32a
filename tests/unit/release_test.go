package unit

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/delivery"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/tests"
)

// wildcardAction is "*" or every action of a service ("ecr:*"): what no delivery role may hold.
func wildcardAction(a string) bool { return a == "*" || strings.HasSuffix(a, ":*") }

// Each environment's release role trusts exactly its repository's jobs in the GitHub
// environment of the same name, pushes exactly its own repositories and pulls only from the
// environment it promotes from.
func TestReleaseRolePushesOnlyItsOwnImages(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		r := d.Named("aws_iam_role", "release")
		trust := tests.Statements(r.Body["assume_role_policy"])
		require.Len(t, trust, 1)
		assert.Equal(t, []string{"sts:AssumeRoleWithWebIdentity"}, trust[0].Action)
		assert.Equal(t, map[string]any{"Federated": "arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller.account_id}:oidc-provider/token.actions.githubusercontent.com"}, trust[0].Principal)
		assert.Equal(t, map[string]map[string]any{
			"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
			"StringLike":   {"token.actions.githubusercontent.com:sub": "repo:scalepayments/services:environment:" + d.Env.Name},
		}, trust[0].Condition)

		var own []string
		for _, svc := range d.Env.Services {
			own = append(own, tests.RefTo("aws_ecr_repository", d.NameOf("aws_ecr_repository", d.Namer.Slash(svc.Name)), "arn"))
		}
		slices.Sort(own)
		grants := d.Grants(r)
		want := map[string][]string{"ecr:GetAuthorizationToken": {"*"}}
		for _, a := range []string{"ecr:CompleteLayerUpload", "ecr:UploadLayerPart", "ecr:InitiateLayerUpload", "ecr:BatchCheckLayerAvailability", "ecr:PutImage", "ecr:BatchGetImage"} {
			want[a] = own
		}
		if from := d.Env.PromoteFrom; from != "" {
			acct, _ := envconfig.AccountOf(envconfig.Accounts(), envconfig.Staging)
			if from == "dev" {
				acct, _ = envconfig.AccountOf(envconfig.Accounts(), envconfig.Dev)
			}
			var sources []string
			for _, svc := range d.Env.Services {
				sources = append(sources, "arn:${data.aws_partition.partition.partition}:ecr:us-east-1:"+acct.ID+":repository/scalepayments/"+from+"/"+svc.Name)
			}
			want["ecr:BatchGetImage"] = append(slices.Clone(own), sources...)
			want["ecr:GetDownloadUrlForLayer"] = sources
		}
		assert.Equal(t, want, grants, d.Env.Name)
		for a := range grants {
			assert.False(t, wildcardAction(a), "%s: %s", d.Env.Name, a)
		}
	}
}

// Prod (another account) copies staging's digests: each staging repository lets exactly prod's
// release role pull, through prod's account root narrowed by aws:PrincipalArn. Dev (same
// account as staging) needs no repository policy, and nothing pulls from prod.
func TestPromotionPullAcrossAccounts(t *testing.T) {
	assert.Zero(t, dev.Count("aws_ecr_repository_policy"))
	assert.Zero(t, prod.Count("aws_ecr_repository_policy"))
	require.Equal(t, len(staging.Env.Services), staging.Count("aws_ecr_repository_policy"))
	prodID := envconfig.ProdAccount.ID
	repos := map[any]bool{}
	for _, p := range staging.List("aws_ecr_repository_policy") {
		repos[p["repository"]] = true
		st := tests.Statements(p["policy"])
		require.Len(t, st, 1)
		assert.Equal(t, "Allow", st[0].Effect)
		assert.Equal(t, []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, st[0].Action)
		assert.Equal(t, map[string]any{"AWS": []any{"arn:${data.aws_partition.partition.partition}:iam::" + prodID + ":root"}}, st[0].Principal)
		assert.Equal(t, map[string]map[string]any{"ArnEquals": {"aws:PrincipalArn": []any{"arn:${data.aws_partition.partition.partition}:iam::" + prodID + ":role/scalepayments-prod-release"}}}, st[0].Condition)
	}
	assert.Len(t, repos, len(staging.Env.Services), "one policy per repository")
}

// iamService maps a Terraform resource type to the IAM service whose API manages it.
func iamService(typ string) string {
	for _, m := range []struct{ prefix, service string }{
		{"aws_vpc_endpoint", "ec2"}, {"aws_vpc", "ec2"}, {"aws_subnet", "ec2"}, {"aws_route_table", "ec2"}, {"aws_route53_resolver", "route53resolver"},
		{"aws_route53", "route53"}, {"aws_route", "ec2"}, {"aws_internet_gateway", "ec2"}, {"aws_nat_gateway", "ec2"}, {"aws_eip", "ec2"},
		{"aws_security_group", "ec2"}, {"aws_default_security_group", "ec2"}, {"aws_flow_log", "ec2"}, {"aws_ebs", "ec2"},
		{"aws_ecs", "ecs"}, {"aws_ecr", "ecr"}, {"aws_rds", "rds"}, {"aws_db", "rds"}, {"aws_elasticache", "elasticache"},
		{"aws_kms", "kms"}, {"aws_cloudwatch_log", "logs"}, {"aws_cloudwatch_metric_alarm", "cloudwatch"}, {"aws_cloudwatch_event", "events"},
		{"aws_s3_account", "s3"}, {"aws_s3", "s3"}, {"aws_secretsmanager", "secretsmanager"}, {"aws_sns", "sns"},
		{"aws_appautoscaling", "application-autoscaling"}, {"aws_lb", "elasticloadbalancing"}, {"aws_apigatewayv2", "apigateway"},
		{"aws_acm", "acm"}, {"aws_wafv2", "wafv2"}, {"aws_networkfirewall", "network-firewall"}, {"aws_iam", "iam"},
		{"aws_guardduty", "guardduty"}, {"aws_config", "config"}, {"aws_cloudtrail", "cloudtrail"}, {"aws_securityhub", "securityhub"},
		{"aws_accessanalyzer", "access-analyzer"}, {"aws_backup", "backup"}, {"aws_cloudwatch_dashboard", "cloudwatch"},
	} {
		if strings.HasPrefix(typ, m.prefix) {
			return m.service
		}
	}
	return "unknown: " + typ
}

// One Terraform Cloud role per workspace deploying to the account, trusted only by that
// workspace's runs, under /delivery/ (outside every workspace's own role pattern), allowed every
// service its stack's resources need and no wildcard action.
func TestTerraformCloudRolePerWorkspace(t *testing.T) {
	for _, a := range tests.Accounts() {
		d, acct := a.Doc, a.Stack.Account
		providers := map[any]any{}
		for _, p := range d.List("aws_iam_openid_connect_provider") {
			providers[p["url"]] = p["client_id_list"]
			assert.NotContains(t, p, "thumbprint_list", "IAM keeps the thumbprint itself")
		}
		assert.Equal(t, map[any]any{"https://app.terraform.io": []any{"aws.workload.identity"}, "https://token.actions.githubusercontent.com": []any{"sts.amazonaws.com"}}, providers)

		workspaces := []string{a.Stack.Name}
		stacksOf := map[string][]*tests.Doc{a.Stack.Name: {d}}
		for _, e := range a.Stack.Envs {
			workspaces = append(workspaces, "scalepayments-"+e.Name)
			stacksOf["scalepayments-"+e.Name] = []*tests.Doc{tests.Synth(e)}
		}
		var roles []string
		for _, r := range d.Of("aws_iam_role") {
			if r.Body["path"] != delivery.RolePath {
				continue
			}
			trust := tests.Statements(r.Body["assume_role_policy"])
			require.Len(t, trust, 1)
			sub := trust[0].Condition["StringLike"]["app.terraform.io:sub"].(string)
			ws := strings.TrimSuffix(strings.TrimPrefix(sub, "organization:scalepayments:project:platform:workspace:"), ":run_phase:*")
			roles = append(roles, ws)
			assert.Equal(t, "organization:scalepayments:project:platform:workspace:"+ws+":run_phase:*", sub)
			assert.Equal(t, map[string]any{"app.terraform.io:aud": "aws.workload.identity"}, trust[0].Condition["StringEquals"])
			assert.Equal(t, "${aws_iam_openid_connect_provider."+d.NameOf("aws_iam_openid_connect_provider", "app.terraform.io")+".arn}", trust[0].Principal["Federated"])
			assert.Equal(t, "scalepayments-"+acct.Name+"-terraform-"+strings.TrimPrefix(ws, "scalepayments-"), r.Body["name"])

			granted := map[string]bool{}
			for action := range d.Grants(r) {
				assert.False(t, wildcardAction(action), "%s: %s", ws, action)
				granted[strings.Split(action, ":")[0]] = true
			}
			for _, doc := range stacksOf[ws] {
				for _, res := range doc.Each() {
					assert.True(t, granted[iamService(res.Type)], "%s: %s (%s) is not in the role's services", ws, res.Type, iamService(res.Type))
				}
			}
		}
		assert.ElementsMatch(t, workspaces, roles, acct.Name)
	}
}

// The workspace roles never read a secret value or an object, and touch only roles tagged as
// their own stack's.
func TestTerraformCloudRolesAreBounded(t *testing.T) {
	a := tests.Accounts()[1]
	var policy any
	for _, p := range a.List("aws_iam_role_policy") {
		if p["role"] == tests.RefTo("aws_iam_role", a.NameOf("aws_iam_role", "scalepayments-prod-terraform-prod"), "id") {
			policy = p["policy"]
		}
	}
	require.NotNil(t, policy)
	bySid := map[string]iam.Statement{}
	for _, s := range tests.Statements(policy) {
		bySid[s.Sid] = s
	}
	deny := bySid["NoDataAccess"]
	assert.Equal(t, "Deny", deny.Effect)
	assert.Subset(t, deny.Action, []string{"secretsmanager:GetSecretValue", "s3:GetObject", "s3:DeleteObject", "backup:DeleteRecoveryPoint"})
	assert.Equal(t, map[string]map[string]any{"StringEquals": {"kms:ViaService": []any{"secretsmanager.us-east-1.amazonaws.com", "backup.us-east-1.amazonaws.com",
		"secretsmanager.us-west-2.amazonaws.com", "backup.us-west-2.amazonaws.com"}}}, bySid["KeysThroughSecretsManagerAndBackup"].Condition)
	assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:ResourceTag/Stack": "scalepayments-prod"}}, bySid["ManageItsOwnRoles"].Condition)
	assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:RequestTag/Stack": "scalepayments-prod"},
		"StringEqualsIfExists": {"aws:ResourceTag/Stack": "scalepayments-prod"}}, bySid["CreateItsOwnRoles"].Condition, "never re-tags another stack's role")
	assert.Equal(t, map[string]map[string]any{"Bool": {"kms:GrantIsForAWSResource": "true"}}, bySid["GrantsForAWSServices"].Condition)
	assert.Equal(t, "Deny", bySid["BackupKeysKept"].Effect)
	assert.Equal(t, []string{"kms:ScheduleKeyDeletion", "kms:DisableKey"}, bySid["BackupKeysKept"].Action)
	assert.Contains(t, deny.Action, "backup:DeleteBackupVaultLockConfiguration")
	assert.Equal(t, []string{"arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller.account_id}:role/scalepayments-prod-*"}, bySid["ManageItsOwnRoles"].Resource)
	assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:RequestedRegion": []any{"us-east-1", "us-west-2"}}}, bySid["ManageItsServicesInItsRegions"].Condition, "prod and its DR region")
	assert.Equal(t, []string{"arn:${data.aws_partition.partition.partition}:s3:::scalepayments-prod-alb-logs-*", "arn:${data.aws_partition.partition.partition}:s3:::scalepayments-prod-s3-access-logs-*"}, bySid["ManageItsOwnBuckets"].Resource,
		"not scalepayments-prod-*, which is also the prod account's audit bucket")
}

// RDS creates the managed master secret with the caller's permissions: every action AWS lists
// for it ("Permissions required for Secrets Manager integration") is allowed to the environment
// workspace, in its region and through Secrets Manager, and no secret value is ever written or
// read; the workspace manages its own secrets and no other environment's.
func TestWorkspaceRoleCreatesTheManagedMasterSecretAndNoMore(t *testing.T) {
	account := iam.Account{ID: "111122223333", Partition: "aws", Region: "us-east-1"}
	for _, a := range tests.Accounts() {
		for _, w := range a.Stack.Delivery.Workspaces {
			if w.Account {
				continue
			}
			t.Run(w.Name, func(t *testing.T) {
				policy := delivery.Permissions(account, w)
				env := strings.TrimPrefix(w.Name, "scalepayments-")
				other := map[string]string{"dev": "staging", "staging": "dev", "prod": "staging"}[env]
				region := map[string]string{"aws:RequestedRegion": "us-east-1"}
				via := map[string]string{"aws:RequestedRegion": "us-east-1", "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
				key := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
				master := "arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!cluster-0a1b2c3d-AbCdEf"
				own := "arn:aws:secretsmanager:us-east-1:111122223333:secret:scalepayments/" + env + "/payment/processor-api-key-AbCdEf"
				for _, tt := range []struct {
					action, resource string
					ctx              map[string]string
					want             bool
				}{
					{"secretsmanager:CreateSecret", master, region, true},
					{"secretsmanager:TagResource", master, region, true},
					{"secretsmanager:RotateSecret", master, region, true},
					{"kms:DescribeKey", key, region, true},
					{"kms:Decrypt", key, via, true},
					{"kms:GenerateDataKey", key, via, true},
					{"kms:CreateGrant", key, map[string]string{"aws:RequestedRegion": "us-east-1", "kms:GrantIsForAWSResource": "true"}, true},
					{"kms:Decrypt", key, region, false},
					{"secretsmanager:PutSecretValue", master, region, false},
					{"secretsmanager:GetSecretValue", master, region, false},
					{"secretsmanager:DeleteSecret", master, region, false},
					{"secretsmanager:CreateSecret", own, region, true},
					{"secretsmanager:UpdateSecret", own, region, true},
					{"secretsmanager:PutSecretValue", own, region, false},
					{"secretsmanager:UpdateSecret", strings.Replace(own, "/"+env+"/", "/"+other+"/", 1), region, false},
					{"secretsmanager:CreateSecret", strings.Replace(master, "us-east-1", "eu-west-1", 1), map[string]string{"aws:RequestedRegion": "eu-west-1"}, false},
				} {
					assert.Equal(t, tt.want, iam.Allows(policy, iam.Request{Action: tt.action, Resource: tt.resource, Context: tt.ctx}), "%s on %s with %v", tt.action, tt.resource, tt.ctx)
				}
			})
		}
	}
}
