package tfc

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	tfe "github.com/hashicorp/go-tfe"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks/judge"
)

// Names of the objects this package owns in the organization.
const (
	RunTaskName      = "scalepayments-policy-pack"
	NotificationName = "scalepayments-alerts"
	// HMACKeyVariable holds the run task's HMAC key; the run task's endpoint checks it.
	HMACKeyVariable = "SCALEPAYMENTS_RUN_TASK_HMAC_KEY"
)

// Dynamic provider credentials with a read-only plan role and a write apply role:
// https://developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/aws-configuration
const (
	providerAuthVariable = "TFC_AWS_PROVIDER_AUTH"
	planRoleVariable     = "TFC_AWS_PLAN_ROLE_ARN"
	applyRoleVariable    = "TFC_AWS_APPLY_ROLE_ARN"
)

// notifyTriggers are the run events an operator must act on: a plan waiting for confirmation
// (production) or for a policy override, and a run that failed, including one the mandatory run
// task stopped. Started or completed runs are left out: mail nobody acts on teaches people to
// ignore the mail that matters.
var notifyTriggers = []string{string(tfe.NotificationTriggerErrored), string(tfe.NotificationTriggerNeedsAttention)}

// Inputs are what the desired state depends on besides envconfig: what only Terraform Cloud
// knows (the account stacks' role outputs, the organization's members) and the run task key.
type Inputs struct {
	Organization, Project string
	Accounts              []envconfig.Account
	Envs                  []envconfig.Environment
	// Roles are the role outputs of each account workspace (home region) that has them, by
	// workspace name; an account stack not yet applied has no entry.
	Roles map[string]Roles
	// Members are the organization memberships of the alarm addresses, by lower-cased address.
	Members map[string]Member
	// HMACKey is the run task's key; "" leaves an existing run task's key alone.
	HMACKey string
}

// Roles are an account stack's PlanRolesOutput and ApplyRolesOutput: role ARNs by workspace.
type Roles struct{ Plan, Apply map[string]string }

// Member is an organization membership.
type Member struct {
	UserID string
	Active bool // false: invited, not yet accepted
}

// Desired is what Terraform Cloud should hold.
type Desired struct {
	Project string
	// RunTask is nil while its endpoint cannot answer yet (see Pending).
	RunTask    *RunTask
	Workspaces []Workspace
	// Pending says what waits for a deployment step, one line each.
	Pending []string
}

// RunTask is the organization's policy pack run task.
type RunTask struct {
	Name, URL, Description string
	HMACKey                string // "" leaves the key and the description alone
}

// Workspace is one stack's workspace and what hangs off it.
type Workspace struct {
	Name, Description, ExecutionMode, TerraformVersion, WorkingDirectory string
	// AutoApply also governs runs queued by run triggers (auto-apply-run-trigger).
	AutoApply bool
	Variables []Variable // sorted by key, all category env and plain strings
	// KeepRoles leaves the role variables alone while the roles are not known.
	KeepRoles bool
	// Triggers are the workspaces whose applies queue a run here.
	Triggers      []string
	Notifications []Notification
	// KeepEmail leaves the email notification alone while an address cannot be resolved.
	KeepEmail bool
}

// Variable is an environment variable of a workspace.
type Variable struct{ Key, Value string }

// Notification is one notification configuration named NotificationName.
type Notification struct {
	Type    tfe.NotificationDestinationType
	URL     string   // generic
	UserIDs []string // email, sorted
}

// Plan computes the desired state. The error holds one line per problem (an alarm address
// that cannot receive mail); everything else is still planned.
func Plan(in Inputs) (Desired, error) {
	p := planner{Inputs: in, pending: map[string][]string{}, refused: map[string]error{}}
	d := Desired{Project: in.Project, RunTask: p.runTask()}
	for _, s := range stacks(in.Accounts, in.Envs) {
		d.Workspaces = append(d.Workspaces, p.workspace(s))
	}
	d.Pending = append(p.rolesPending(), p.notes...)
	return d, errors.Join(p.errs...)
}

// stacks are the app's stacks (judge.Hosts): each account stack, then the environments it hosts.
func stacks(accounts []envconfig.Account, envs []envconfig.Environment) []stack {
	var out []stack
	for _, h := range judge.Hosts(accounts, envs) {
		out = append(out, stack{judge.AccountStackName(h.Account, h.Region), h.Account, h.Envs, true})
		for _, e := range h.Envs {
			out = append(out, stack{naming.StackName(e.Name), h.Account, []envconfig.Environment{e}, false})
		}
	}
	return out
}

// stack is one stack of the app: an environment's, or an account's in one region.
type stack struct {
	name      string
	account   envconfig.Account
	envs      []envconfig.Environment // the environment, or every environment the account stack hosts
	isAccount bool
}

type planner struct {
	Inputs
	pending map[string][]string // account stack -> workspaces waiting for its role outputs
	refused map[string]error    // alarm address -> why it cannot receive mail
	errs    []error
	notes   []string
}

// homeStack is the account stack of a's home region: it holds the roles of every workspace
// deploying to a.
func homeStack(a envconfig.Account) string { return judge.AccountStackName(a, a.Home()) }

func (p *planner) applied(accountStack string) bool {
	_, ok := p.Roles[accountStack]
	return ok
}

func (p *planner) workspace(s stack) Workspace {
	home := homeStack(s.account)
	w := Workspace{
		Name:        s.name,
		Description: fmt.Sprintf("Stack %s (cdktf.out/stacks/%s), managed by scalepayments tfc apply: change it in the repository", s.name, s.name),
		// Dynamic credentials, run tasks and notifications exist only for runs HCP Terraform
		// performs; in local mode it stores state and evaluates no variables.
		// https://developer.hashicorp.com/terraform/cloud-docs/workspaces/settings#execution-mode
		ExecutionMode:    "remote",
		TerraformVersion: envconfig.TerraformVersion,
		// cdktf runs terraform inside cdktf.out/stacks/<stack>, which holds everything the
		// stack needs (cdk.tf.json, assets/). With no working directory the CLI uploads exactly
		// that directory; a configured one would make HCP Terraform look for a subdirectory the
		// upload does not have. https://developer.hashicorp.com/terraform/cloud-docs/workspaces/settings#terraform-working-directory
		// and https://developer.hashicorp.com/terraform/cloud-docs/workspaces/run/cli#remote-working-directories
		WorkingDirectory: "",
		// Production waits for a person to confirm each plan. Below production every run is
		// already gated by the mandatory run task (the policy pack judges the plan), so an
		// unattended apply cannot apply what the pack refuses.
		AutoApply: judge.HighestStage(s.envs) != envconfig.StageProduction,
	}
	if !s.isAccount {
		// Each apply of the account stack queues a run of the environments it hosts: they
		// build on what it manages (zones, roles).
		// https://developer.hashicorp.com/terraform/cloud-docs/workspaces/settings/run-triggers
		w.Triggers = []string{home}
	}
	w.Variables, w.KeepRoles = p.variables(s.name, home)
	if s.isAccount && w.KeepRoles {
		// Its first apply creates the roles, with administrator credentials on the operator's
		// machine; the next tfc apply switches it to remote runs with its own role.
		w.ExecutionMode = "local"
	}
	w.Notifications, w.KeepEmail = p.notifications(s.envs)
	return w
}

// variables are name's environment variables; keep is true while its roles are unknown.
func (p *planner) variables(name, home string) (vars []Variable, keep bool) {
	vars = []Variable{{providerAuthVariable, "true"}}
	for _, a := range p.Accounts {
		vars = append(vars, Variable{a.IDVariable(), a.ID})
	}
	roles := p.Roles[home]
	plan, apply := roles.Plan[name], roles.Apply[name]
	if plan == "" || apply == "" {
		p.pending[home] = append(p.pending[home], name)
		keep = true
	} else {
		vars = append(vars, Variable{planRoleVariable, plan}, Variable{applyRoleVariable, apply})
	}
	slices.SortFunc(vars, func(a, b Variable) int { return strings.Compare(a.Key, b.Key) })
	return vars, keep
}

func (p *planner) rolesPending() []string {
	var lines []string
	for _, home := range slices.Sorted(maps.Keys(p.pending)) {
		lines = append(lines, fmt.Sprintf("%s has no %s/%s entries for %s yet: apply %s (its first apply locally, with administrator credentials), then run tfc apply again",
			home, naming.PlanRolesOutput, naming.ApplyRolesOutput, strings.Join(p.pending[home], ", "), home))
	}
	return lines
}

// notifications reach the alarm addresses of envs: email to the members they belong to (on
// HCP Terraform an email notification reaches organization members only; email-addresses is
// Terraform Enterprise's), and a generic webhook per HTTPS endpoint.
// https://developer.hashicorp.com/terraform/cloud-docs/api-docs/notification-configurations/workspace#create-a-notification-configuration
func (p *planner) notifications(envs []envconfig.Environment) (out []Notification, keepEmail bool) {
	var emails, urls []string
	for _, e := range envs {
		emails = append(emails, e.Notify.Emails...)
		urls = append(urls, e.Notify.HTTPS...)
	}
	var users []string
	for _, addr := range uniqueSorted(emails) {
		id, err := p.member(addr)
		if err != nil {
			keepEmail = true
			continue
		}
		users = append(users, id)
	}
	if len(users) > 0 && !keepEmail {
		out = append(out, Notification{Type: tfe.NotificationDestinationTypeEmail, UserIDs: uniqueSorted(users)})
	}
	for _, u := range uniqueSorted(urls) {
		out = append(out, Notification{Type: tfe.NotificationDestinationTypeGeneric, URL: u})
	}
	return out, keepEmail
}

// member is the user id of addr's active membership; each refusal is reported once.
func (p *planner) member(addr string) (string, error) {
	if err, seen := p.refused[addr]; seen {
		return "", err
	}
	m, ok := p.Members[strings.ToLower(addr)]
	var err error
	switch {
	case !ok:
		err = fmt.Errorf("alarm address %s: not a member of organization %q, and HCP Terraform emails only members: invite it (Organization settings > Users), or change the environment's Notify", addr, p.Organization)
	case !m.Active:
		err = fmt.Errorf("alarm address %s: invited to organization %q but not yet accepted: accept the invitation, then run tfc apply again", addr, p.Organization)
	default:
		return m.UserID, nil
	}
	p.refused[addr] = err
	p.errs = append(p.errs, err)
	return "", err
}

// runTask is the policy pack run task, nil while the stack serving its endpoint has not been
// applied: HCP Terraform sends a test POST to the URL and creates the run task only if it
// answers 200. https://developer.hashicorp.com/terraform/cloud-docs/integrations/run-tasks#prerequisites
func (p *planner) runTask() *RunTask {
	host, env, ok := envconfig.RunTaskHost(p.Envs)
	if !ok {
		p.errs = append(p.errs, errors.New("run task "+RunTaskName+": no environment is in production, and its endpoint lives in the first production environment's zone"))
		return nil
	}
	url := "https://" + host + "/"
	account, _ := envconfig.AccountOf(p.Accounts, env)
	if server := homeStack(account); !p.applied(server) {
		p.notes = append(p.notes, fmt.Sprintf("run task %s: %s serves %s and has not been applied yet: apply it, then run tfc apply again", RunTaskName, server, url))
		return nil
	}
	t := &RunTask{Name: RunTaskName, URL: url, HMACKey: p.HMACKey}
	if p.HMACKey != "" {
		t.Description = describeKey(p.HMACKey)
	}
	return t
}

// describeKey is the run task's description: the API never returns the HMAC key, so the
// description carries a fingerprint of it, and a changed key shows as a changed description.
func describeKey(key string) string {
	return "ScalePayments policy pack (key fingerprint " + fingerprint(key) + ")"
}

var fingerprintRe = regexp.MustCompile(`^ScalePayments policy pack \(key fingerprint ([0-9a-f]{12})\)$`)

// keyFingerprint is the key fingerprint a run task's description carries, "unknown" if none.
func keyFingerprint(description string) string {
	if m := fingerprintRe.FindStringSubmatch(description); m != nil {
		return m[1]
	}
	return "unknown"
}

func fingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:12]
}

func uniqueSorted(s []string) []string { return slices.Compact(slices.Sorted(slices.Values(s))) }
