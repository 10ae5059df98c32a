package integration

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/delivery"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/stacks/synthesized"
	"github.com/scalepayments/infra/tests"
)

// How the account stacks wire the baseline and the delivery roles to the environments they
// host, and how each environment's release role is wired to its repositories and its peers:
// asserted on the whole stacks, with literal names.

// wiringAccountsHosted are the environments each shipped account hosts.
var wiringAccountsHosted = map[string][]envconfig.Environment{
	"nonprod": {envconfig.Dev, envconfig.Staging},
	"prod":    {envconfig.Prod},
}

// wiringAccountsEach runs f as one subtest per shipped account stack, named after the account.
func wiringAccountsEach(t *testing.T, f func(t *testing.T, a *tests.Account)) {
	accounts := tests.Accounts()
	require.Len(t, accounts, 2, "nonprod and prod, one region each")
	for _, a := range accounts {
		t.Run(a.Stack.Account.Name, func(t *testing.T) { f(t, a) })
	}
}

// wiringAccountsOf is the account stack hosting env.
func wiringAccountsOf(t *testing.T, env envconfig.Environment) *tests.Account {
	for _, a := range tests.Accounts() {
		if a.Stack.Account.Name == env.Account {
			return a
		}
	}
	require.Failf(t, "no account stack", "%s", env.Name)
	return nil
}

// Each account stack is pinned to its account and holds every account-wide control exactly
// once, the public zones of exactly the environments it hosts with their name servers as
// outputs, and a findings topic its account's subscribers receive.
func TestAccountStackContents(t *testing.T) {
	want := map[string]struct {
		id     string
		zones  map[string]string // zone -> the output of its name servers
		emails []string
		more   []string // outputs besides the zones' and the roles'
	}{
		"nonprod": {"111122223333", map[string]string{"dev.scalepayments.com": "name_servers_dev-scalepayments-com", "staging.scalepayments.com": "name_servers_staging-scalepayments-com"},
			[]string{"security-alerts@scalepayments.com"}, nil},
		"prod": {"444455556666", map[string]string{"scalepayments.com": "name_servers_scalepayments-com"},
			[]string{"security-alerts@scalepayments.com", "security-oncall@scalepayments.com"}, []string{"run_task_url"}},
	}
	wiringAccountsEach(t, func(t *testing.T, a *tests.Account) {
		d, w := a.Doc, want[a.Stack.Account.Name]
		assert.Equal(t, "scalepayments-account-"+a.Stack.Account.Name, a.Stack.Name)
		assert.Equal(t, []any{w.id}, d.Provider()["allowed_account_ids"])
		for typ, n := range map[string]int{
			"aws_guardduty_detector": 1, "aws_config_configuration_recorder": 1, "aws_config_delivery_channel": 1,
			"aws_cloudtrail": 1, "aws_securityhub_account": 1, "aws_securityhub_standards_subscription": 2,
			"aws_accessanalyzer_analyzer": 1, "aws_iam_account_password_policy": 1, "aws_s3_account_public_access_block": 1,
			"aws_ebs_encryption_by_default": 1, "aws_sns_topic": 1,
		} {
			assert.Equal(t, n, d.Count(typ), typ)
		}
		var standards []string
		for _, s := range d.List("aws_securityhub_standards_subscription") {
			standards = append(standards, s["standards_arn"].(string))
		}
		assert.ElementsMatch(t, []string{
			"arn:${data.aws_partition.partition.partition}:securityhub:us-east-1::standards/pci-dss/v/4.0.1",
			"arn:${data.aws_partition.partition.partition}:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0",
		}, standards, "in the stack's partition")

		// The public zones of exactly the environments the account hosts, with their name servers.
		var zones []string
		for _, z := range d.Of("aws_route53_zone") {
			zones = append(zones, z.Body["name"].(string))
			out := d.Root["output"].(tests.Body)[w.zones[z.Body["name"].(string)]]
			if assert.NotNil(t, out, z.Body["name"]) {
				assert.Equal(t, tests.Ref(z, "name_servers"), out.(tests.Body)["value"])
			}
		}
		assert.ElementsMatch(t, slices.Collect(maps.Keys(w.zones)), zones)
		outputs := slices.Collect(maps.Keys(d.Root["output"].(tests.Body)))
		assert.ElementsMatch(t, append(append(slices.Collect(maps.Values(w.zones)), "security_findings_topic_arn", "terraform_plan_role_arns", "terraform_apply_role_arns"), w.more...), outputs)

		// Findings reach the account's subscribers.
		topic := d.Of("aws_sns_topic")[0]
		assert.Equal(t, tests.Ref(topic, "arn"), d.Root["output"].(tests.Body)["security_findings_topic_arn"].(tests.Body)["value"])
		var subs []string
		for _, s := range d.List("aws_sns_topic_subscription") {
			subs = append(subs, s["endpoint"].(string))
		}
		assert.ElementsMatch(t, w.emails, subs)
	})
}

// The account stack of a non-home region has no trail and no global settings: one multi-region
// trail per account, in its home region.
func TestSecondRegionHasNoSecondTrail(t *testing.T) {
	acct := envconfig.ProdAccount
	acct.Regions = []string{"us-east-1", "us-west-2"}
	env := envconfig.Prod.Clone()
	env.Region, env.AvailabilityZones = "us-west-2", []string{"us-west-2a", "us-west-2b", "us-west-2c"}
	a := tests.SynthAccount(acct, "us-west-2", []envconfig.Environment{env})
	assert.Equal(t, "scalepayments-account-prod-us-west-2", a.Stack.Name)
	assert.Equal(t, "us-west-2", a.Provider()["region"])
	for _, typ := range []string{"aws_cloudtrail", "aws_iam_account_password_policy", "aws_s3_account_public_access_block"} {
		assert.Zero(t, a.Count(typ), typ)
	}
	for _, typ := range []string{"aws_guardduty_detector", "aws_config_configuration_recorder", "aws_securityhub_account", "aws_ebs_encryption_by_default"} {
		assert.Equal(t, 1, a.Count(typ), "%s is regional", typ)
	}
	assert.Zero(t, a.Count("aws_iam_openid_connect_provider"), "IAM is global: the providers live in the home region's stack")
}

// The trail keeps every management event and logs the object reads and writes of the hosted
// environments' ALB log buckets (Security Hub S3.22, S3.23), named one by one in the account;
// never its own audit bucket.
func TestTrailLogsManagementAndTheBucketsObjectEvents(t *testing.T) {
	const bucketARN = "arn:${data.aws_partition.partition.partition}:s3:::scalepayments-%s-alb-logs-${data.aws_caller_identity.caller.account_id}/"
	buckets := map[string][]any{
		"nonprod": {fmt.Sprintf(bucketARN, "dev"), fmt.Sprintf(bucketARN, "staging")},
		"prod":    {fmt.Sprintf(bucketARN, "prod")},
	}
	wiringAccountsEach(t, func(t *testing.T, a *tests.Account) {
		selectors := tests.Blocks(a.One("aws_cloudtrail")["advanced_event_selector"])
		require.Len(t, selectors, 2)
		assert.Equal(t, []any{map[string]any{"field": "eventCategory", "equals": []any{"Management"}}}, selectors[0]["field_selector"])
		assert.Equal(t, []any{
			map[string]any{"field": "eventCategory", "equals": []any{"Data"}},
			map[string]any{"field": "resources.type", "equals": []any{"AWS::S3::Object"}},
			map[string]any{"field": "resources.ARN", "starts_with": buckets[a.Stack.Account.Name]},
		}, selectors[1]["field_selector"])
		assert.NotContains(t, fmt.Sprint(selectors), "-audit-", "the audit bucket's own deliveries are not logged")
	})
}

// The audit bucket keeps every object version for the account's longest log retention under S3
// Object Lock (Security Hub S3.15): compliance mode where the account hosts production.
func TestAuditBucketObjectLock(t *testing.T) {
	want := map[string]map[string]any{
		"nonprod": {"mode": "GOVERNANCE", "days": 30.0},
		"prod":    {"mode": "COMPLIANCE", "days": 365.0},
	}
	wiringAccountsEach(t, func(t *testing.T, a *tests.Account) {
		lock := a.One("aws_s3_bucket_object_lock_configuration")
		bucket, ok := a.Ref(lock["bucket"])
		require.True(t, ok)
		assert.Equal(t, "scalepayments-"+a.Stack.Account.Name+"-audit-${data.aws_caller_identity.caller.account_id}", bucket.Body["bucket"])
		assert.Equal(t, "Enabled", lock["object_lock_enabled"])
		assert.Equal(t, want[a.Stack.Account.Name], tests.Block(lock["rule"])["default_retention"])
		// S3 accepts Object Lock only on a versioned bucket, and a new account creates both at once.
		versions := a.Of("aws_s3_bucket_versioning")
		i := slices.IndexFunc(versions, func(r synthesized.Resource) bool { return r.Body["bucket"] == lock["bucket"] })
		require.GreaterOrEqual(t, i, 0)
		assert.Equal(t, []any{versions[i].Address()}, lock["depends_on"])
	})
}

// wiringAccountsAssociations are an account stack's control associations in the PCI DSS
// standard: control -> reason, "" where the association is ENABLED.
func wiringAccountsAssociations(t *testing.T, a *tests.Account) map[string]string {
	t.Helper()
	const pciARN = "arn:${data.aws_partition.partition.partition}:securityhub:us-east-1::standards/pci-dss/v/4.0.1"
	var pci synthesized.Resource
	for _, s := range a.Of("aws_securityhub_standards_subscription") {
		if s.Body["standards_arn"] == pciARN {
			pci = s
		}
	}
	require.NotEmpty(t, pci.Name, "the PCI DSS standard is subscribed")
	got := map[string]string{}
	for _, r := range a.List("aws_securityhub_standards_control_association") {
		assert.Equal(t, pciARN, r["standards_arn"])
		assert.Equal(t, []any{pci.Address()}, r["depends_on"])
		reason, _ := r["updated_reason"].(string)
		assert.Equal(t, map[bool]string{true: "DISABLED", false: "ENABLED"}[reason != ""], r["association_status"], r["security_control_id"])
		got[r["security_control_id"].(string)] = reason
	}
	return got
}

// Every control an exception of the account stack or of an environment it hosts has ever
// disabled keeps an association in the account's PCI DSS standard: DISABLED with the
// exception's reason while an exception names it. The shipped exceptions name all of them, and
// the stack writes the moved blocks of their renamed associations.
func TestRecordedExceptionsDisableExactlyTheirSecurityHubControls(t *testing.T) {
	wiringAccountsEach(t, func(t *testing.T, a *tests.Account) {
		want := map[string]string{}
		all := judge.AccountExceptions(judge.Host{Account: a.Stack.Account, Region: a.Stack.Region, Envs: a.Stack.Envs})
		for _, e := range wiringAccountsHosted[a.Stack.Account.Name] {
			all = append(all, judge.Exceptions(e)...)
		}
		for _, x := range all {
			for _, c := range x.Controls {
				if prev, ok := want[c]; ok {
					assert.Equal(t, prev, x.Reason, "%s: one reason per control, whichever exception brings it", c)
				}
				assert.Contains(t, judge.ControlsEverDisabled, c, "an exception's control joins ControlsEverDisabled for good")
				want[c] = x.Reason
			}
		}
		assert.ElementsMatch(t, []string{"S3.9", "S3.15", "S3.17", "S3.22", "S3.23", "SecretsManager.1", "SecretsManager.4"}, slices.Collect(maps.Keys(want)))
		assert.Equal(t, want, wiringAccountsAssociations(t, a), "DISABLED with its reason")

		var moved []string
		for _, m := range a.Moves() {
			assert.True(t, strings.HasPrefix(m.From, "aws_securityhub_standards_control_association.baseline_disabled-"), m.From)
			moved = append(moved, m.To)
		}
		var associations []string
		for _, r := range a.Of("aws_securityhub_standards_control_association") {
			associations = append(associations, r.Address())
		}
		assert.ElementsMatch(t, associations, moved, "every association moved from its disabled-<control> id")
	})
}

// wiringAccountsWildcard is "*" or every action of a service ("ecr:*"): what no delivery role
// may hold.
func wiringAccountsWildcard(a string) bool { return a == "*" || strings.HasSuffix(a, ":*") }

// wiringAccountsSources are the repositories each environment promotes from, in their account
// (dev and staging share the nonprod account).
var wiringAccountsSources = map[string][]string{
	"staging": {"arn:${data.aws_partition.partition.partition}:ecr:us-east-1:111122223333:repository/scalepayments/dev/api",
		"arn:${data.aws_partition.partition.partition}:ecr:us-east-1:111122223333:repository/scalepayments/dev/payment",
		"arn:${data.aws_partition.partition.partition}:ecr:us-east-1:111122223333:repository/scalepayments/dev/notification"},
	"prod": {"arn:${data.aws_partition.partition.partition}:ecr:us-east-1:111122223333:repository/scalepayments/staging/api",
		"arn:${data.aws_partition.partition.partition}:ecr:us-east-1:111122223333:repository/scalepayments/staging/payment",
		"arn:${data.aws_partition.partition.partition}:ecr:us-east-1:111122223333:repository/scalepayments/staging/notification"},
}

// Each environment's release role trusts exactly its repository's jobs in the GitHub
// environment of the same name, through its own account's GitHub provider, pushes exactly its
// own stack's repositories and pulls only from the environment it promotes from, in that
// environment's account.
func TestReleaseRolePushesOnlyItsOwnImages(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := tests.Synth(env)
		name := d.NameOf("aws_iam_role", "scalepayments-"+env.Name+"-release")
		r := synthesized.Resource{Type: "aws_iam_role", Name: name, Body: d.Resources("aws_iam_role")[name]}
		trust := tests.Statements(r.Body["assume_role_policy"])
		require.Len(t, trust, 1)
		assert.Equal(t, []string{"sts:AssumeRoleWithWebIdentity"}, trust[0].Action)
		assert.Equal(t, map[string]any{"Federated": "arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller.account_id}:oidc-provider/token.actions.githubusercontent.com"}, trust[0].Principal)
		assert.Equal(t, map[string]map[string]any{
			"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
			"StringLike":   {"token.actions.githubusercontent.com:sub": "repo:scalepayments/services:environment:" + env.Name},
		}, trust[0].Condition)

		var own []string
		for _, svc := range []string{"api", "notification", "payment"} {
			own = append(own, tests.RefTo("aws_ecr_repository", d.NameOf("aws_ecr_repository", "scalepayments/"+env.Name+"/"+svc), "arn"))
		}
		want := map[string][]string{"ecr:GetAuthorizationToken": {"*"}}
		for _, a := range []string{"ecr:CompleteLayerUpload", "ecr:UploadLayerPart", "ecr:InitiateLayerUpload", "ecr:BatchCheckLayerAvailability", "ecr:PutImage", "ecr:BatchGetImage"} {
			want[a] = own
		}
		if sources := wiringAccountsSources[env.Name]; sources != nil {
			want["ecr:BatchGetImage"] = append(slices.Clone(own), sources...)
			want["ecr:GetDownloadUrlForLayer"] = sources
		}
		grants := d.Grants(r)
		assert.Equal(t, want, grants)
		for a := range grants {
			assert.False(t, wiringAccountsWildcard(a), a)
		}
	})
}

// Prod (another account) copies staging's digests: each of staging's own repositories lets
// exactly prod's release role pull, through prod's account root narrowed by aws:PrincipalArn.
// Dev (same account as staging) needs no repository policy, and nothing pulls from prod.
func TestPromotionPullAcrossAccounts(t *testing.T) {
	policies := map[string]int{"dev": 0, "staging": 3, "prod": 0}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := tests.Synth(env)
		require.Equal(t, policies[env.Name], d.Count("aws_ecr_repository_policy"))
		var repos []string
		for _, p := range d.List("aws_ecr_repository_policy") {
			repo, ok := d.Ref(p["repository"])
			require.True(t, ok, "one of its own repositories")
			assert.Equal(t, "aws_ecr_repository", repo.Type)
			assert.Equal(t, tests.Ref(repo, "name"), p["repository"])
			repos = append(repos, repo.Body["name"].(string))
			st := tests.Statements(p["policy"])
			require.Len(t, st, 1)
			assert.Equal(t, "Allow", st[0].Effect)
			assert.Equal(t, []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, st[0].Action)
			assert.Equal(t, map[string]any{"AWS": []any{"arn:${data.aws_partition.partition.partition}:iam::444455556666:root"}}, st[0].Principal)
			assert.Equal(t, map[string]map[string]any{"ArnEquals": {"aws:PrincipalArn": []any{"arn:${data.aws_partition.partition.partition}:iam::444455556666:role/scalepayments-prod-release"}}}, st[0].Condition)
		}
		if policies[env.Name] > 0 {
			assert.ElementsMatch(t, []string{"scalepayments/staging/api", "scalepayments/staging/payment", "scalepayments/staging/notification"}, repos, "one policy per repository")
		}
	})
}

// wiringAccountsIAMService maps a Terraform resource type to the IAM service whose API manages it.
func wiringAccountsIAMService(typ string) string {
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
		{"aws_accessanalyzer", "access-analyzer"}, {"aws_backup", "backup"}, {"aws_cloudwatch_dashboard", "cloudwatch"}, {"aws_lambda", "lambda"},
	} {
		if strings.HasPrefix(typ, m.prefix) {
			return m.service
		}
	}
	return "unknown: " + typ
}

// wiringAccountsWorkspaces are the Terraform Cloud workspaces deploying to an account: the
// account stack's own, then each hosted environment's (its region and DR region, its buckets,
// its secrets).
func wiringAccountsWorkspaces(account string) []delivery.Workspace {
	out := []delivery.Workspace{{Name: "scalepayments-account-" + account, Prefix: "scalepayments-" + account, Account: true,
		Regions: []string{"us-east-1"}, Buckets: []string{"scalepayments-" + account + "-audit-*", "scalepayments-" + account + "-s3-access-logs-*"},
		Secrets: "scalepayments-account-" + account + "/*", RunTask: account == "prod"}}
	dr := map[string][]string{"prod": {"us-west-2"}}
	for _, e := range wiringAccountsHosted[account] {
		out = append(out, delivery.Workspace{Name: "scalepayments-" + e.Name, Prefix: "scalepayments-" + e.Name, Regions: append([]string{"us-east-1"}, dr[e.Name]...),
			Secrets: "scalepayments/" + e.Name + "/*", Buckets: []string{"scalepayments-" + e.Name + "-alb-logs-*", "scalepayments-" + e.Name + "-s3-access-logs-*"}})
	}
	return out
}

// One Terraform Cloud role per workspace deploying to the account (the account stack's and
// each hosted environment's), each allowed every service its stack's resources need; the
// account stack outputs each role's ARN for its workspace.
func TestTerraformCloudRolePerWorkspace(t *testing.T) {
	wiringAccountsEach(t, func(t *testing.T, a *tests.Account) {
		d, account := a.Doc, a.Stack.Account.Name
		assert.Equal(t, wiringAccountsWorkspaces(account), a.Stack.Delivery.Workspaces)
		assert.Equal(t, 2, d.Count("aws_iam_openid_connect_provider"), "Terraform Cloud's and GitHub's, in the account's home region")
		stacksOf := map[string]*tests.Doc{"scalepayments-account-" + account: d}
		for _, e := range wiringAccountsHosted[account] {
			stacksOf["scalepayments-"+e.Name] = tests.Synth(e)
		}
		output := func(name string) tests.Body {
			return d.Root["output"].(tests.Body)[name].(tests.Body)["value"].(tests.Body)
		}
		roleARNs := map[string]tests.Body{"plan": output("terraform_plan_role_arns"), "apply": output("terraform_apply_role_arns")}
		var roles []string
		for _, r := range d.Of("aws_iam_role") {
			if r.Body["path"] != "/delivery/" {
				continue
			}
			sub := tests.Statements(r.Body["assume_role_policy"])[0].Condition["StringLike"]["app.terraform.io:sub"].(string)
			ws, phase, _ := strings.Cut(strings.TrimPrefix(sub, "organization:scalepayments:project:platform:workspace:"), ":run_phase:")
			roles = append(roles, ws+" "+phase)
			assert.Equal(t, tests.Ref(r, "arn"), roleARNs[phase][ws], "%s %s", ws, phase)
			granted := map[string]bool{}
			for action := range d.Grants(r) {
				assert.False(t, wiringAccountsWildcard(action), "%s: %s", ws, action)
				granted[strings.Split(action, ":")[0]] = true
			}
			doc := stacksOf[ws]
			require.NotNil(t, doc, "%s deploys a stack", ws)
			for _, res := range doc.Each() {
				assert.True(t, granted[wiringAccountsIAMService(res.Type)], "%s %s: %s (%s) is not in the role's services", ws, phase, res.Type, wiringAccountsIAMService(res.Type))
			}
		}
		var want []string
		for ws := range stacksOf {
			want = append(want, ws+" plan", ws+" apply")
		}
		assert.ElementsMatch(t, want, roles, "a plan and an apply role per workspace")
		assert.Len(t, roleARNs["plan"], len(stacksOf))
		assert.Len(t, roleARNs["apply"], len(stacksOf))
	})
}

// Each environment's workspace role, in its account's stack, never reads a secret value or an
// object, and touches only roles tagged as its own stack's, its own buckets and secrets, in its
// own regions (prod: and its DR region), all in the account the stack is applied to.
func TestTerraformCloudRolesAreBounded(t *testing.T) {
	const (
		partition = "arn:${data.aws_partition.partition.partition}:"
		account   = "${data.aws_caller_identity.caller.account_id}"
	)
	regions := map[string][]string{"dev": {"us-east-1"}, "staging": {"us-east-1"}, "prod": {"us-east-1", "us-west-2"}}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		a := wiringAccountsOf(t, env)
		role := tests.RefTo("aws_iam_role", a.NameOf("aws_iam_role", "scalepayments-"+a.Stack.Account.Name+"-terraform-"+env.Name), "id")
		var policy any
		for _, p := range a.List("aws_iam_role_policy") {
			if p["role"] == role {
				policy = p["policy"]
			}
		}
		require.NotNil(t, policy)
		bySid := map[string]iam.Statement{}
		for _, s := range tests.Statements(policy) {
			bySid[s.Sid] = s
		}
		stack := "scalepayments-" + env.Name
		deny := bySid["NoDataAccess"]
		assert.Equal(t, "Deny", deny.Effect)
		assert.Subset(t, deny.Action, []string{"secretsmanager:GetSecretValue", "s3:GetObject", "s3:DeleteObject", "backup:DeleteRecoveryPoint", "backup:DeleteBackupVaultLockConfiguration"})
		var hosts, inRegions []any
		var secrets, masters []string
		for _, r := range regions[env.Name] {
			hosts = append(hosts, "secretsmanager."+r+".amazonaws.com", "backup."+r+".amazonaws.com")
			inRegions = append(inRegions, r)
			secrets = append(secrets, partition+"secretsmanager:"+r+":"+account+":secret:scalepayments/"+env.Name+"/*")
			masters = append(masters, partition+"secretsmanager:"+r+":"+account+":secret:rds!cluster-*")
		}
		assert.Equal(t, map[string]map[string]any{"StringEquals": {"kms:ViaService": hosts}}, bySid["KeysThroughSecretsManagerAndBackup"].Condition)
		assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:ResourceTag/Stack": stack}}, bySid["ManageItsOwnRoles"].Condition)
		assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:RequestTag/Stack": stack},
			"StringEqualsIfExists": {"aws:ResourceTag/Stack": stack}}, bySid["CreateItsOwnRoles"].Condition, "never re-tags another stack's role")
		assert.Equal(t, map[string]map[string]any{"Bool": {"kms:GrantIsForAWSResource": "true"}}, bySid["GrantsForAWSServices"].Condition)
		assert.Equal(t, []string{"kms:ScheduleKeyDeletion", "kms:DisableKey"}, bySid["BackupKeysKept"].Action)
		assert.Equal(t, []string{partition + "iam::" + account + ":role/scalepayments-" + env.Name + "-*"}, bySid["ManageItsOwnRoles"].Resource)
		assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:RequestedRegion": inRegions}}, bySid["ManageItsServicesInItsRegions"].Condition)
		assert.Equal(t, []string{partition + "s3:::scalepayments-" + env.Name + "-alb-logs-*", partition + "s3:::scalepayments-" + env.Name + "-s3-access-logs-*"}, bySid["ManageItsOwnBuckets"].Resource,
			"not scalepayments-<env>-*, which in prod is also the prod account's audit bucket")
		assert.Equal(t, secrets, bySid["ManageItsOwnSecrets"].Resource)
		assert.Equal(t, masters, bySid["RDSManagedMasterSecret"].Resource)
	})
}
