package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/baseline"
	"github.com/scalepayments/infra/constructs/bucket"
	"github.com/scalepayments/infra/constructs/delivery"
	"github.com/scalepayments/infra/constructs/edge"
	"github.com/scalepayments/infra/constructs/moved"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks/contract"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/synthesized"
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
}

// AccountStackName is the stack (and Terraform Cloud workspace) of an account in a region.
func AccountStackName(a envconfig.Account, region string) string {
	name := naming.StackName("account-" + a.Name)
	if region != a.Home() {
		name += "-" + region
	}
	return name
}

// Stage is the highest stage the stack's account hosts: its floors decide what the account
// must run (policy SP-BASE-001).
func (s *AccountStack) Stage() envconfig.Stage { return highestStage(s.Envs) }

func highestStage(envs []envconfig.Environment) envconfig.Stage {
	stage := envconfig.StageDevelopment
	for _, e := range envs {
		if e.Stage == envconfig.StageProduction || (e.Stage == envconfig.StageStaging && stage == envconfig.StageDevelopment) {
			stage = e.Stage
		}
	}
	return stage
}

// NewAccount builds the account stack of acct in region for the environments it hosts there.
func NewAccount(scope constructs.Construct, acct envconfig.Account, region string, envs []envconfig.Environment, backend envconfig.Backend) *AccountStack {
	name := AccountStackName(acct, region)
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
	s.Baseline = baseline.New(stack, baselineID, &baseline.Props{
		Namer:   s.Namer,
		Account: account, Home: region == acct.Home(), Notify: acct.Notify, Zones: zones, DataEventBuckets: buckets,
		AuditLock: auditLock(s.Stage()), Controls: SecurityHubControls(envs), Moves: moves,
		// The account keeps its audit logs as long as its longest-kept environment.
		LogRetentionDays: retention, DeletionWindowDays: window,
	})
	for _, zone := range zones {
		cdktf.NewTerraformOutput(stack, jsii.String("name_servers_"+naming.Slug(zone)), &cdktf.TerraformOutputConfig{
			Value:       s.Baseline.Zones[zone].NameServers(),
			Description: jsii.String("Delegate " + zone + " to these name servers (NS record in its parent zone)"),
		})
	}
	workspaces := []delivery.Workspace{{Name: name, Prefix: naming.StackName(acct.Name), Account: true, Regions: []string{region},
		Buckets: []string{baseline.AuditBucketPattern(s.Namer), bucket.AccessLogsName(s.Namer, "*")}}}
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
	roles := map[string]*string{}
	for ws, r := range s.Delivery.Roles {
		roles[ws] = r.Role.Arn()
	}
	cdktf.NewTerraformOutput(stack, jsii.String("terraform_role_arns"), &cdktf.TerraformOutputConfig{
		Value: &roles, Description: jsii.String("TFC_AWS_RUN_ROLE_ARN of each Terraform Cloud workspace (with TFC_AWS_PROVIDER_AUTH=true)"),
	})
	cdktf.NewTerraformOutput(stack, jsii.String("security_findings_topic_arn"), &cdktf.TerraformOutputConfig{
		Value: s.Baseline.Findings.Arn(), Description: jsii.String("SNS topic of GuardDuty and Security Hub findings"),
	})
	moves.Write(stack)
	return s
}

// auditLock is the audit bucket's Object Lock mode for the highest stage an account hosts.
func auditLock(stage envconfig.Stage) string {
	if stage == envconfig.StageProduction {
		return "COMPLIANCE"
	}
	return "GOVERNANCE"
}

// Host is one account in one region with the environments it hosts there.
type Host struct {
	Account envconfig.Account
	Region  string
	Envs    []envconfig.Environment
}

// Hosts groups the environments by the account and region that host them, in account order.
func Hosts(accounts []envconfig.Account, envs []envconfig.Environment) []Host {
	var out []Host
	for _, a := range accounts {
		for _, region := range a.Regions {
			h := Host{Account: a, Region: region}
			for _, e := range envs {
				if e.Account == a.Name && e.Region == region {
					h.Envs = append(h.Envs, e)
				}
			}
			if len(h.Envs) > 0 {
				out = append(out, h)
			}
		}
	}
	return out
}

// Built is one stack of the app and how it is judged.
type Built struct {
	Name  string
	Stack cdktf.TerraformStack
	Env   *envconfig.Environment // nil for an account stack
	Judge func(*synthesized.Config) Verdict
}

// Verdict is how a stack fares against the policy pack and the apply contract.
type Verdict struct {
	Policy   policy.Report
	Contract contract.Report
}

// Failed reports whether the pack or the contract failed.
func (v Verdict) Failed() bool { return v.Policy.Failed() || v.Contract.Failed() }

func (v Verdict) String() string { return v.Policy.String() + v.Contract.String() }

// Build adds to app the stack of every selected environment and of every account and region
// hosting one. An account stack holds the zones of all its environments (all), selected or not.
func Build(app constructs.Construct, accounts []envconfig.Account, selected, all []envconfig.Environment, backend envconfig.Backend) []Built {
	var out []Built
	everything := Hosts(accounts, all)
	for _, h := range Hosts(accounts, selected) {
		hosted := h.Envs
		for _, e := range everything {
			if e.Account.Name == h.Account.Name && e.Region == h.Region {
				hosted = e.Envs
			}
		}
		a := NewAccount(app, h.Account, h.Region, hosted, backend)
		out = append(out, Built{a.Name, a.Stack, nil, judgeAccount(a.Name, Host{h.Account, h.Region, hosted})})
		for _, env := range h.Envs {
			s := New(app, env, h.Account, backend, Peers{accounts, all})
			out = append(out, Built{s.Name, s.Stack, &s.Env, judgeEnv(s.Name, s.Env)})
		}
	}
	return out
}

func judgeAccount(name string, h Host) func(*synthesized.Config) Verdict {
	stage := highestStage(h.Envs)
	return func(c *synthesized.Config) Verdict {
		return Verdict{policy.CheckAccount(name, c, h.Account, h.Region, stage, SecurityHubExceptions(h.Envs), AccountExceptions()),
			contract.Check(name, c, stage, stage.Floors().ChangeProtection)}
	}
}

func judgeEnv(name string, env envconfig.Environment) func(*synthesized.Config) Verdict {
	return func(c *synthesized.Config) Verdict {
		return Verdict{policy.Check(name, c, env, Exceptions(env)), contract.Check(name, c, env.Stage, env.ChangeProtected())}
	}
}

// Judge is how the stack named name (an environment's or an account's) is judged, from
// envconfig alone: `scalepayments check` judges a synthesized stack or a plan without
// synthesizing anything.
func Judge(name string, accounts []envconfig.Account, all []envconfig.Environment) (func(*synthesized.Config) Verdict, error) {
	var names []string
	for _, h := range Hosts(accounts, all) {
		n := AccountStackName(h.Account, h.Region)
		if n == name {
			return judgeAccount(n, h), nil
		}
		names = append(names, n)
		for _, e := range h.Envs {
			if Name(e) == name {
				return judgeEnv(name, e), nil
			}
			names = append(names, Name(e))
		}
	}
	return nil, fmt.Errorf("stack %q: no such stack; the stacks are %s", name, strings.Join(names, ", "))
}
