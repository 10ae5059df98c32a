// Package judge says how each stack of the app is judged, from envconfig alone: the recorded
// exceptions, the stage, the account, the policy pack and the apply contract. Plain Go: synth,
// `scalepayments check` and the Terraform Cloud run task (which must not link cdktf) share it.
package judge

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks/contract"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// Verdict is how a stack fares against the policy pack and the apply contract.
type Verdict struct {
	Policy   policy.Report
	Contract contract.Report
}

// Failed reports whether the pack or the contract failed.
func (v Verdict) Failed() bool { return v.Policy.Failed() || v.Contract.Failed() }

func (v Verdict) String() string { return v.Policy.String() + v.Contract.String() }

// Func judges one synthesized stack or plan.
type Func func(*synthesized.Config) Verdict

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

// HighestStage is the highest stage of envs: an account's floors are those of the highest stage
// it hosts.
func HighestStage(envs []envconfig.Environment) envconfig.Stage {
	stage := envconfig.StageDevelopment
	for _, e := range envs {
		if e.Stage == envconfig.StageProduction || (e.Stage == envconfig.StageStaging && stage == envconfig.StageDevelopment) {
			stage = e.Stage
		}
	}
	return stage
}

// AccountStackName is the stack (and Terraform Cloud workspace) of an account in a region.
func AccountStackName(a envconfig.Account, region string) string {
	name := naming.StackName("account-" + a.Name)
	if region != a.Home() {
		name += "-" + region
	}
	return name
}

// Account judges the account stack of h.
func Account(h Host) Func {
	name, stage := AccountStackName(h.Account, h.Region), HighestStage(h.Envs)
	return func(c *synthesized.Config) Verdict {
		return Verdict{policy.CheckAccount(name, c, h.Account, h.Region, stage, SecurityHubExceptions(h), AccountExceptions(h)),
			contract.Check(name, c, stage, stage.Floors().ChangeProtection)}
	}
}

// Env judges the stack of env.
func Env(env envconfig.Environment) Func {
	name := naming.StackName(env.Name)
	return func(c *synthesized.Config) Verdict {
		return Verdict{policy.Check(name, c, env, Exceptions(env)), contract.Check(name, c, env.Stage, env.ChangeProtected())}
	}
}

// Stack is how the stack named name (an environment's or an account's) is judged.
func Stack(name string, accounts []envconfig.Account, all []envconfig.Environment) (Func, error) {
	var names []string
	for _, h := range Hosts(accounts, all) {
		n := AccountStackName(h.Account, h.Region)
		if n == name {
			return Account(h), nil
		}
		names = append(names, n)
		for _, e := range h.Envs {
			if naming.StackName(e.Name) == name {
				return Env(e), nil
			}
			names = append(names, naming.StackName(e.Name))
		}
	}
	return nil, fmt.Errorf("stack %q: no such stack; the stacks are %s", name, strings.Join(names, ", "))
}

// Document judges a synthesized cdk.tf.json or a plan of one (terraform show -json), named by
// its aws provider's Stack default tag, with the rules and exceptions synth uses. getenv gives
// the account ids (SCALEPAYMENTS_ACCOUNT_*) and a one-run protection lift.
func Document(data []byte, getenv func(string) string) (Verdict, error) {
	cfg, err := synthesized.FromPlan(data)
	if errors.Is(err, synthesized.ErrNotPlan) {
		cfg, err = synthesized.Parse(data)
	}
	if err != nil {
		return Verdict{}, err
	}
	stack := cfg.DefaultTags()["Stack"]
	if stack == "" {
		return Verdict{}, errors.New("the aws provider has no Stack default tag: not a ScalePayments stack")
	}
	all := envconfig.All()
	if name := getenv(envconfig.LiftVariable); name != "" {
		i := slices.IndexFunc(all, func(e envconfig.Environment) bool { return e.Name == name })
		if i < 0 {
			return Verdict{}, fmt.Errorf("%s=%q: no such environment", envconfig.LiftVariable, name)
		}
		lifted, _ := envconfig.LiftProtection(all[i:i+1], getenv)
		all[i] = lifted[0]
	}
	judged, err := Stack(stack, envconfig.WithIDsFrom(envconfig.Accounts(), getenv), all)
	if err != nil {
		return Verdict{}, err
	}
	return judged(cfg), nil
}
