package stacks

import (
	"path/filepath"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/baseline"
	"github.com/scalepayments/infra/constructs/bucket"
	"github.com/scalepayments/infra/constructs/delivery"
	"github.com/scalepayments/infra/constructs/edge"
	"github.com/scalepayments/infra/constructs/moved"
	"github.com/scalepayments/infra/constructs/role"
	"github.com/scalepayments/infra/constructs/runtask"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks/judge"
)

// AccountStack holds what exists once per AWS account and region: the baseline controls and the
// public DNS zones of the environments the account hosts there.
type AccountStack struct {
	Name     string // scalepayments-account-<name>, plus -<region> outside the home region
	Stack    cdktf.TerraformStack
	Account  envconfig.Account
	Region   string
	Envs     []envconfig.Environment // hosted in this account and region
	Namer    naming.Namer            // the account's name takes the environment's place in names
	Baseline *baseline.Baseline
	Delivery *delivery.Delivery
	RunTask  *runtask.RunTask // in the account and region hosting production only
}

// RunTaskBundle is the run task's Lambda zip that make lambda builds, relative to the module.
const RunTaskBundle = "bin/run-task.zip"

// Stage is the highest stage the stack's account hosts: its floors decide what the account
// must run (policy SP-BASE-001).
func (s *AccountStack) Stage() envconfig.Stage { return judge.HighestStage(s.Envs) }

// NewAccount builds the account stack of acct in region for the environments it hosts there.
func NewAccount(scope constructs.Construct, accounts []envconfig.Account, acct envconfig.Account, region string, envs []envconfig.Environment, backend envconfig.Backend) *AccountStack {
	name := judge.AccountStackName(acct, region)
	stack, account := foundation(scope, name, acct, region, map[string]string{"Account": acct.Name}, backend, StateKey(strings.TrimPrefix(name, naming.Project+"-")))
	s := &AccountStack{Name: name, Stack: stack, Account: acct, Region: region, Envs: envs,
		Namer: naming.Namer{Env: acct.Name, Code: acct.Name, Region: region, Home: acct.Home()}}
	var zones, buckets []string
	retention, window := 0, 7
	moves := &moved.Blocks{}
	for _, e := range envs {
		zones, buckets = append(zones, e.HostedZone), append(buckets, edge.LogsBucketName(EnvNamer(e), account.ID))
		retention, window = max(retention, e.LogRetentionDays), max(window, e.KMSDeletionWindowDays)
	}
	s.Baseline = baseline.New(stack, naming.BaselineID, &baseline.Props{
		Namer:   s.Namer,
		Account: account, Home: region == acct.Home(), Notify: acct.Notify, Zones: zones, DataEventBuckets: buckets,
		AuditLock: auditLock(s.Stage()), Controls: judge.SecurityHubControls(judge.Host{Account: acct, Region: region, Envs: envs}), Moves: moves,
		// The account keeps its audit logs as long as its longest-kept environment.
		LogRetentionDays: retention, DeletionWindowDays: window,
	})
	for _, zone := range zones {
		cdktf.NewTerraformOutput(stack, jsii.String("name_servers_"+naming.Slug(zone)), &cdktf.TerraformOutputConfig{
			Value:       s.Baseline.Zones[zone].NameServers(),
			Description: jsii.String("Delegate " + zone + " to these name servers (NS record in its parent zone)"),
		})
	}
	serves := judge.ServesRunTask(judge.Host{Account: acct, Region: region, Envs: envs})
	if serves {
		host, prod, _ := envconfig.RunTaskHost(envs)
		s.runTask(stack, account, accounts, host, prod, retention, window)
	}
	workspaces := []delivery.Workspace{{Name: name, Prefix: naming.StackName(acct.Name), Account: true, Regions: []string{region}, RunTask: serves,
		Buckets: []string{baseline.AuditBucketPattern(s.Namer), bucket.AccessLogsName(s.Namer, "*")}, Secrets: s.secrets("*")}}
	for _, e := range envs {
		regions := []string{e.Region}
		if e.Backup.DRRegion != "" {
			regions = append(regions, e.Backup.DRRegion)
		}
		workspaces = append(workspaces, delivery.Workspace{Name: Name(e), Prefix: naming.StackName(e.Name), Regions: regions, Secrets: EnvNamer(e).Slash("*"),
			Buckets: []string{edge.LogsBucketPattern(EnvNamer(e)), bucket.AccessLogsName(EnvNamer(e), "*")}})
	}
	s.Delivery = delivery.New(stack, "delivery", &delivery.Props{
		Namer: s.Namer, Account: account, Home: region == acct.Home(), Delivery: envconfig.Pipeline, Workspaces: workspaces,
	})
	for _, o := range []struct {
		name, variable string
		roles          map[string]*role.Role
	}{{naming.PlanRolesOutput, "TFC_AWS_PLAN_ROLE_ARN", s.Delivery.PlanRoles}, {naming.ApplyRolesOutput, "TFC_AWS_APPLY_ROLE_ARN", s.Delivery.ApplyRoles}} {
		arns := map[string]*string{}
		for ws, r := range o.roles {
			arns[ws] = r.Role.Arn()
		}
		cdktf.NewTerraformOutput(stack, jsii.String(o.name), &cdktf.TerraformOutputConfig{
			Value: &arns, Description: jsii.String(o.variable + " of each Terraform Cloud workspace, by workspace (scalepayments tfc apply sets it)"),
		})
	}
	cdktf.NewTerraformOutput(stack, jsii.String("security_findings_topic_arn"), &cdktf.TerraformOutputConfig{
		Value: s.Baseline.Findings.Arn(), Description: jsii.String("SNS topic of GuardDuty and Security Hub findings"),
	})
	moves.Write(stack)
	return s
}

// secrets is the name of the account stack's secret, or with "*" the pattern of them all. An
// environment's secrets are scalepayments/<env>/..., so an account's name them apart.
func (s *AccountStack) secrets(name string) string { return s.Name + "/" + name }

// runTask serves the policy pack as Terraform Cloud's run task at host, in the zone of the
// production environment prod, judging with every account's id.
func (s *AccountStack) runTask(stack cdktf.TerraformStack, account iam.Account, accounts []envconfig.Account, host string, prod envconfig.Environment, retention, window int) {
	ids := map[string]string{}
	for _, a := range accounts {
		ids[a.IDVariable()] = a.ID
	}
	s.RunTask = runtask.New(stack, naming.RunTaskID, &runtask.Props{
		Namer: s.Namer, Account: account, Domain: host, ZoneID: s.Baseline.Zones[prod.HostedZone].ZoneId(),
		Bundle: filepath.Join(help.ModuleRoot(), RunTaskBundle), SecretName: s.secrets("run-task/hmac-key"), Environment: ids,
		AlarmTopicARN: s.Baseline.Findings.Arn(), LogRetentionDays: retention, DeletionWindowDays: window, SecretRecoveryDays: prod.SecretRecoveryDays,
	})
	cdktf.NewTerraformOutput(stack, jsii.String("run_task_url"), &cdktf.TerraformOutputConfig{
		Value: jsii.String(s.RunTask.URL), Description: jsii.String("The policy pack's Terraform Cloud run task endpoint (scalepayments tfc apply registers it)"),
	})
}

// auditLock is the audit bucket's Object Lock mode for the highest stage an account hosts.
func auditLock(stage envconfig.Stage) string {
	if stage == envconfig.StageProduction {
		return "COMPLIANCE"
	}
	return "GOVERNANCE"
}

// Built is one stack of the app and how it is judged.
type Built struct {
	Name  string
	Stack cdktf.TerraformStack
	Env   *envconfig.Environment // nil for an account stack
	Judge judge.Func
}

// Build adds to app the stack of every selected environment and of every account and region
// hosting one. An account stack holds the zones of all its environments (all), selected or not.
func Build(app constructs.Construct, accounts []envconfig.Account, selected, all []envconfig.Environment, backend envconfig.Backend) []Built {
	var out []Built
	everything := judge.Hosts(accounts, all)
	for _, h := range judge.Hosts(accounts, selected) {
		hosted := h.Envs
		for _, e := range everything {
			if e.Account.Name == h.Account.Name && e.Region == h.Region {
				hosted = e.Envs
			}
		}
		a := NewAccount(app, accounts, h.Account, h.Region, hosted, backend)
		out = append(out, Built{a.Name, a.Stack, nil, judge.Account(judge.Host{Account: h.Account, Region: h.Region, Envs: hosted})})
		for _, env := range h.Envs {
			s := New(app, env, h.Account, backend, Peers{accounts, all})
			out = append(out, Built{s.Name, s.Stack, &s.Env, judge.Env(s.Env)})
		}
	}
	return out
}
