package unit

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/delivery"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/tests"
)

// deliveryAccount is one shipped account, in its home region, with the environments it hosts.
type deliveryAccount struct {
	acct envconfig.Account
	envs []envconfig.Environment
}

var deliveryAccounts = []deliveryAccount{
	{envconfig.NonProdAccount, []envconfig.Environment{envconfig.Dev, envconfig.Staging}},
	{envconfig.ProdAccount, []envconfig.Environment{envconfig.Prod}},
}

// deliveryWorkspaces are the Terraform Cloud workspaces deploying to a, as stacks/account.go
// lists them: the account stack's own, then one per hosted environment (its region and DR
// region, its buckets, its secrets), with plain name patterns.
func deliveryWorkspaces(a deliveryAccount) []delivery.Workspace {
	out := []delivery.Workspace{{Name: "scalepayments-account-" + a.acct.Name, Prefix: "scalepayments-" + a.acct.Name, Account: true,
		Regions: []string{"us-east-1"}, Buckets: []string{"scalepayments-" + a.acct.Name + "-audit-*", "scalepayments-" + a.acct.Name + "-s3-access-logs-*"}}}
	for _, e := range a.envs {
		regions := []string{e.Region}
		if e.Backup.DRRegion != "" {
			regions = append(regions, e.Backup.DRRegion)
		}
		out = append(out, delivery.Workspace{Name: "scalepayments-" + e.Name, Prefix: "scalepayments-" + e.Name, Regions: regions,
			Secrets: "scalepayments/" + e.Name + "/*", Buckets: []string{"scalepayments-" + e.Name + "-alb-logs-*", "scalepayments-" + e.Name + "-s3-access-logs-*"}})
	}
	return out
}

// deliveryOf is the delivery identities of a alone, in its home region, configured as the
// account stack configures them.
func deliveryOf(a deliveryAccount) *tests.Doc {
	return tests.Minimal("delivery", envconfig.Environment{Name: a.acct.Name, Region: a.acct.Home()}, func(stack cdktf.TerraformStack) {
		delivery.New(stack, "delivery", &delivery.Props{
			Namer:   naming.Namer{Env: a.acct.Name, Code: a.acct.Name, Region: a.acct.Home(), Home: a.acct.Home()},
			Account: tests.TestAccount, Home: true, Delivery: envconfig.Pipeline, Workspaces: deliveryWorkspaces(a),
		})
	})
}

// deliveryAccountOf is the shipped account hosting env.
func deliveryAccountOf(env envconfig.Environment) deliveryAccount {
	for _, a := range deliveryAccounts {
		if a.acct.Name == env.Account {
			return a
		}
	}
	panic("no account hosts " + env.Name)
}

// deliveryWildcard is "*" or every action of a service ("ecr:*"): what no delivery role may hold.
func deliveryWildcard(a string) bool { return a == "*" || strings.HasSuffix(a, ":*") }

// deliveryStatements are the statements of the role policy of a role, by Sid.
func deliveryStatements(t *testing.T, d *tests.Doc, roleName string) map[string]iam.Statement {
	t.Helper()
	role := tests.RefTo("aws_iam_role", d.NameOf("aws_iam_role", roleName), "id")
	out := map[string]iam.Statement{}
	for _, p := range d.List("aws_iam_role_policy") {
		if p["role"] == role {
			assert.Equal(t, "apply", p["name"])
			for _, s := range tests.Statements(p["policy"]) {
				out[s.Sid] = s
			}
		}
	}
	require.NotEmpty(t, out, "%s has a policy", roleName)
	return out
}

// The account's OIDC providers, and one Terraform Cloud role per workspace it is given,
// trusted only by that workspace's runs, under /delivery/ (outside every workspace's own role
// pattern) and allowed no wildcard action.
func TestDeliveryProvidersAndOneRolePerWorkspace(t *testing.T) {
	workspaces := map[string][]string{
		"nonprod": {"scalepayments-account-nonprod", "scalepayments-dev", "scalepayments-staging"},
		"prod":    {"scalepayments-account-prod", "scalepayments-prod"},
	}
	for _, a := range deliveryAccounts {
		t.Run(a.acct.Name, func(t *testing.T) {
			d := deliveryOf(a)
			providers := map[any]any{}
			for _, p := range d.List("aws_iam_openid_connect_provider") {
				providers[p["url"]] = p["client_id_list"]
				assert.NotContains(t, p, "thumbprint_list", "IAM keeps the thumbprint itself")
			}
			assert.Equal(t, map[any]any{"https://app.terraform.io": []any{"aws.workload.identity"}, "https://token.actions.githubusercontent.com": []any{"sts.amazonaws.com"}}, providers)
			terraform := tests.RefTo("aws_iam_openid_connect_provider", d.NameOf("aws_iam_openid_connect_provider", "app.terraform.io"), "arn")

			var roles []string
			for _, r := range d.Of("aws_iam_role") {
				assert.Equal(t, "/delivery/", r.Body["path"])
				trust := tests.Statements(r.Body["assume_role_policy"])
				require.Len(t, trust, 1)
				assert.Equal(t, []string{"sts:AssumeRoleWithWebIdentity"}, trust[0].Action)
				sub := trust[0].Condition["StringLike"]["app.terraform.io:sub"].(string)
				ws, phase, ok := strings.Cut(strings.TrimPrefix(sub, "organization:scalepayments:project:platform:workspace:"), ":run_phase:")
				require.True(t, ok, sub)
				roles = append(roles, ws+" "+phase)
				assert.Equal(t, map[string]any{"app.terraform.io:aud": "aws.workload.identity"}, trust[0].Condition["StringEquals"])
				assert.Equal(t, terraform, trust[0].Principal["Federated"], "trusts the account's Terraform Cloud provider, once it exists")
				name := map[string]string{"plan": "terraform-plan-", "apply": "terraform-"}[phase] + strings.TrimPrefix(ws, "scalepayments-")
				assert.Equal(t, "scalepayments-"+a.acct.Name+"-"+name, r.Body["name"])
				for action := range d.Grants(r) {
					assert.False(t, deliveryWildcard(action), "%s: %s", ws, action)
				}
				if phase == "plan" {
					i := slices.IndexFunc(d.List("aws_iam_role_policy"), func(p tests.Body) bool { return p["role"] == tests.Ref(r, "id") })
					policy := tests.Statements(d.List("aws_iam_role_policy")[i]["policy"])
					for _, s := range policy {
						for _, action := range s.Action {
							assert.True(t, s.Effect == "Deny" || iam.ReadOnly(action), "%s plan role allows %s", ws, action)
						}
					}
					assert.Contains(t, policy, iam.Deny("NoDataReads", iam.DataReads, []string{"*"}), "no data read")
				}
			}
			var want []string
			for _, ws := range workspaces[a.acct.Name] {
				want = append(want, ws+" plan", ws+" apply")
			}
			assert.ElementsMatch(t, want, roles, "a plan and an apply role per workspace, each trusted for its run phase only")

			// The account workspace also manages the workspace roles, and the account's settings.
			account := deliveryStatements(t, d, "scalepayments-"+a.acct.Name+"-terraform-account-"+a.acct.Name)
			assert.Equal(t, []string{"arn:aws:iam::111122223333:role/scalepayments-" + a.acct.Name + "-*", "arn:aws:iam::111122223333:role/delivery/scalepayments-" + a.acct.Name + "-*"},
				account["ManageItsOwnRoles"].Resource)
			assert.Contains(t, account["ManageAccountSettings"].Action, "iam:UpdateAccountPasswordPolicy")
		})
	}
}

// The environment workspaces' roles never read a secret value or an object, and touch only
// roles tagged as their own stack's, their own buckets, in their own regions.
func TestDeliveryWorkspaceRolesAreBounded(t *testing.T) {
	regions := map[string][]any{"dev": {"us-east-1"}, "staging": {"us-east-1"}, "prod": {"us-east-1", "us-west-2"}}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		a := deliveryAccountOf(env)
		bySid := deliveryStatements(t, deliveryOf(a), "scalepayments-"+a.acct.Name+"-terraform-"+env.Name)
		stack := "scalepayments-" + env.Name
		deny := bySid["NoDataAccess"]
		assert.Equal(t, "Deny", deny.Effect)
		assert.Equal(t, []string{"*"}, deny.Resource)
		assert.Subset(t, deny.Action, []string{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "s3:GetObject", "s3:DeleteObject",
			"backup:DeleteRecoveryPoint", "backup:DeleteBackupVaultLockConfiguration"})
		var hosts []any
		for _, r := range regions[env.Name] {
			hosts = append(hosts, "secretsmanager."+r.(string)+".amazonaws.com", "backup."+r.(string)+".amazonaws.com")
		}
		assert.Equal(t, map[string]map[string]any{"StringEquals": {"kms:ViaService": hosts}}, bySid["KeysThroughSecretsManagerAndBackup"].Condition)
		assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:ResourceTag/Stack": stack}}, bySid["ManageItsOwnRoles"].Condition)
		assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:RequestTag/Stack": stack},
			"StringEqualsIfExists": {"aws:ResourceTag/Stack": stack}}, bySid["CreateItsOwnRoles"].Condition, "never re-tags another stack's role")
		assert.Equal(t, map[string]map[string]any{"Bool": {"kms:GrantIsForAWSResource": "true"}}, bySid["GrantsForAWSServices"].Condition)
		assert.Equal(t, "Deny", bySid["BackupKeysKept"].Effect)
		assert.Equal(t, []string{"kms:ScheduleKeyDeletion", "kms:DisableKey"}, bySid["BackupKeysKept"].Action)
		assert.Equal(t, []string{"arn:aws:iam::111122223333:role/scalepayments-" + env.Name + "-*"}, bySid["ManageItsOwnRoles"].Resource)
		assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:RequestedRegion": regions[env.Name]}}, bySid["ManageItsServicesInItsRegions"].Condition)
		assert.Equal(t, []string{"arn:aws:s3:::scalepayments-" + env.Name + "-alb-logs-*", "arn:aws:s3:::scalepayments-" + env.Name + "-s3-access-logs-*"}, bySid["ManageItsOwnBuckets"].Resource,
			"not scalepayments-<env>-*, which in prod is also the prod account's audit bucket")
		assert.NotContains(t, bySid, "ManageAccountSettings")
	})
}

// RDS creates the managed master secret with the caller's permissions: every action AWS lists
// for it ("Permissions required for Secrets Manager integration") is allowed to the environment
// workspace, in its region and through Secrets Manager, and no secret value is ever written or
// read; the workspace manages its own secrets and no other environment's, never shares a
// snapshot, and attaches to its own roles only AWS's service-role managed policies.
func TestWorkspaceRoleCreatesTheManagedMasterSecretAndNoMore(t *testing.T) {
	for _, a := range deliveryAccounts {
		for _, w := range deliveryWorkspaces(a) {
			if w.Account {
				continue
			}
			t.Run(w.Name, func(t *testing.T) {
				policy := delivery.Permissions(tests.TestAccount, w)
				env := strings.TrimPrefix(w.Name, "scalepayments-")
				other := map[string]string{"dev": "staging", "staging": "dev", "prod": "staging"}[env]
				region := map[string]string{"aws:RequestedRegion": "us-east-1"}
				via := map[string]string{"aws:RequestedRegion": "us-east-1", "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
				key := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
				master := "arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!cluster-0a1b2c3d-AbCdEf"
				own := "arn:aws:secretsmanager:us-east-1:111122223333:secret:scalepayments/" + env + "/payment/processor-api-key-AbCdEf"
				role := "arn:aws:iam::111122223333:role/scalepayments-" + env + "-database-monitoring"
				attach := func(policy string) map[string]string {
					return map[string]string{"aws:ResourceTag/Stack": w.Name, "iam:PolicyARN": "arn:aws:iam::aws:policy/" + policy}
				}
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
					{"rds:ModifyDBClusterSnapshotAttribute", "arn:aws:rds:us-east-1:111122223333:cluster-snapshot:final", region, false},
					{"rds:ModifyDBSnapshotAttribute", "arn:aws:rds:us-east-1:111122223333:snapshot:final", region, false},
					{"iam:AttachRolePolicy", role, attach("service-role/AmazonRDSEnhancedMonitoringRole"), true},
					{"iam:AttachRolePolicy", role, attach("AdministratorAccess"), false},
					{"iam:AttachRolePolicy", role, map[string]string{"aws:ResourceTag/Stack": "scalepayments-other", "iam:PolicyARN": "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"}, false},
				} {
					assert.Equal(t, tt.want, iam.Allows(policy, iam.Request{Action: tt.action, Resource: tt.resource, Context: tt.ctx}), "%s on %s with %v", tt.action, tt.resource, tt.ctx)
				}
			})
		}
	}
}

// A plan (any pull request's) refreshes its stack and reads nothing else: it reads the
// configuration of its services, in its regions, and never writes, reads a secret value, an
// object, an image layer or a log event, or decrypts.
func TestPlanRoleOnlyReads(t *testing.T) {
	for _, a := range deliveryAccounts {
		for _, w := range deliveryWorkspaces(a) {
			t.Run(w.Name, func(t *testing.T) {
				policy := delivery.PlanPermissions(tests.TestAccount, w)
				region := map[string]string{"aws:RequestedRegion": w.Regions[0]}
				bucket := "arn:aws:s3:::" + strings.TrimSuffix(w.Buckets[0], "*") + "111122223333"
				for _, tt := range []struct {
					action, resource string
					ctx              map[string]string
					want             bool
				}{
					{"kms:DescribeKey", "arn:aws:kms:us-east-1:111122223333:key/k", region, true},
					{"iam:GetRole", "arn:aws:iam::111122223333:role/any", nil, true},
					{"sts:GetCallerIdentity", "*", nil, true},
					{"s3:GetBucketPolicy", bucket, nil, true},
					{"s3:GetObject", bucket + "/AWSLogs/x", nil, false},
					{"kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k", region, false},
					{"kms:CreateGrant", "arn:aws:kms:us-east-1:111122223333:key/k", map[string]string{"aws:RequestedRegion": "us-east-1", "kms:GrantIsForAWSResource": "true"}, false},
					{"logs:GetLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:g", region, false},
					{"logs:PutRetentionPolicy", "arn:aws:logs:us-east-1:111122223333:log-group:g", region, false},
					{"iam:PassRole", "arn:aws:iam::111122223333:role/" + w.Prefix + "-x", nil, false},
					{"kms:DescribeKey", "arn:aws:kms:eu-west-1:111122223333:key/k", map[string]string{"aws:RequestedRegion": "eu-west-1"}, false},
				} {
					assert.Equal(t, tt.want, iam.Allows(policy, iam.Request{Action: tt.action, Resource: tt.resource, Context: tt.ctx}), "%s on %s", tt.action, tt.resource)
				}
				if !w.Account {
					for _, tt := range []struct {
						action string
						want   bool
					}{{"ec2:DescribeVpcs", true}, {"ecs:DescribeServices", true}, {"ec2:CreateVpc", false}, {"secretsmanager:GetSecretValue", false},
						{"secretsmanager:DescribeSecret", true}, {"ecr:GetDownloadUrlForLayer", false}, {"ecr:BatchGetImage", false}, {"rds:ModifyDBCluster", false}} {
						assert.Equal(t, tt.want, iam.Allows(policy, iam.Request{Action: tt.action, Resource: "*", Context: region}), tt.action)
					}
				}
			})
		}
	}
}
