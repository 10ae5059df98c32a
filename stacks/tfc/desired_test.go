package tfc

import (
	"fmt"
	"testing"

	tfe "github.com/hashicorp/go-tfe"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
)

const testKey = "run-task-key-one"

// testEnv is what the operator's environment holds, TFE_TOKEN and HOME aside.
var testEnv = map[string]string{
	"SCALEPAYMENTS_ACCOUNT_NONPROD": "210987654321",
	"SCALEPAYMENTS_ACCOUNT_PROD":    "123456789012",
	HMACKeyVariable:                 testKey,
}

func getenv(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func alarmAddresses() []string {
	var out []string
	for _, e := range envconfig.All() {
		out = append(out, e.Notify.Emails...)
	}
	return uniqueSorted(out)
}

func planRole(ws string) string  { return "arn:aws:iam::123456789012:role/delivery/" + ws + "-plan" }
func applyRole(ws string) string { return "arn:aws:iam::123456789012:role/delivery/" + ws + "-apply" }

var workspaces = []string{"scalepayments-account-nonprod", "scalepayments-dev", "scalepayments-staging", "scalepayments-account-prod", "scalepayments-prod"}

// shipped are the inputs of the shipped envconfig: every alarm address a member, no account
// stack applied yet.
func shipped() Inputs {
	members := map[string]Member{}
	for i, addr := range alarmAddresses() {
		members[addr] = Member{UserID: fmt.Sprintf("user-%d", i+1), Active: true}
	}
	return Inputs{
		Organization: "scalepayments", Project: "platform",
		Accounts: envconfig.WithIDsFrom(envconfig.Accounts(), getenv(testEnv)), Envs: envconfig.All(),
		Roles: map[string]Roles{}, Members: members, HMACKey: testKey,
	}
}

// withRoles is in after every account stack's first apply.
func withRoles(in Inputs) Inputs {
	in.Roles = map[string]Roles{}
	for _, s := range stacks(in.Accounts, in.Envs) {
		home := homeStack(s.account)
		if _, ok := in.Roles[home]; !ok {
			in.Roles[home] = Roles{Plan: map[string]string{}, Apply: map[string]string{}}
		}
		in.Roles[home].Plan[s.name], in.Roles[home].Apply[s.name] = planRole(s.name), applyRole(s.name)
	}
	return in
}

func plan(t *testing.T, in Inputs) map[string]Workspace {
	t.Helper()
	d, err := Plan(in)
	require.NoError(t, err)
	out := map[string]Workspace{}
	for _, w := range d.Workspaces {
		out[w.Name] = w
	}
	return out
}

func TestEveryStackHasAWorkspaceAccountStackFirst(t *testing.T) {
	d, err := Plan(shipped())
	require.NoError(t, err)
	var names []string
	for _, w := range d.Workspaces {
		names = append(names, w.Name)
	}
	assert.Equal(t, workspaces, names)
	assert.Equal(t, "platform", d.Project)
}

func TestWorkspaceSettings(t *testing.T) {
	before, after := plan(t, shipped()), plan(t, withRoles(shipped()))
	for _, tc := range []struct {
		workspace             string
		modeBefore, modeAfter string
		autoApply             bool
		triggers              []string
	}{
		{"scalepayments-account-nonprod", "local", "remote", true, nil},
		{"scalepayments-dev", "remote", "remote", true, []string{"scalepayments-account-nonprod"}},
		{"scalepayments-staging", "remote", "remote", true, []string{"scalepayments-account-nonprod"}},
		{"scalepayments-account-prod", "local", "remote", false, nil},
		{"scalepayments-prod", "remote", "remote", false, []string{"scalepayments-account-prod"}},
	} {
		t.Run(tc.workspace, func(t *testing.T) {
			assert.Equal(t, tc.modeBefore, before[tc.workspace].ExecutionMode, "before its account stack's first apply")
			w := after[tc.workspace]
			assert.Equal(t, tc.modeAfter, w.ExecutionMode)
			assert.Equal(t, tc.autoApply, w.AutoApply)
			assert.Equal(t, tc.triggers, w.Triggers)
			assert.Equal(t, "1.11.4", w.TerraformVersion)
			assert.Empty(t, w.WorkingDirectory, "the CLI uploads cdktf.out/stacks/<stack> as the configuration's root")
			assert.Equal(t, "Stack "+tc.workspace+" (cdktf.out/stacks/"+tc.workspace+"), managed by scalepayments tfc apply: change it in the repository", w.Description)
		})
	}
}

func TestVariablesHoldTheAccountIDsAndTheWorkspaceRolesOnceKnown(t *testing.T) {
	before := plan(t, shipped())["scalepayments-prod"]
	assert.Equal(t, []Variable{
		{"SCALEPAYMENTS_ACCOUNT_NONPROD", "210987654321"},
		{"SCALEPAYMENTS_ACCOUNT_PROD", "123456789012"},
		{"TFC_AWS_PROVIDER_AUTH", "true"},
	}, before.Variables)
	assert.True(t, before.KeepRoles)

	after := plan(t, withRoles(shipped()))["scalepayments-prod"]
	assert.Equal(t, []Variable{
		{"SCALEPAYMENTS_ACCOUNT_NONPROD", "210987654321"},
		{"SCALEPAYMENTS_ACCOUNT_PROD", "123456789012"},
		{"TFC_AWS_APPLY_ROLE_ARN", applyRole("scalepayments-prod")},
		{"TFC_AWS_PLAN_ROLE_ARN", planRole("scalepayments-prod")},
		{"TFC_AWS_PROVIDER_AUTH", "true"},
	}, after.Variables)
	assert.False(t, after.KeepRoles)
}

func TestRolesMissingFromTheOutputsArePendingOnTheirAccountStack(t *testing.T) {
	in := withRoles(shipped())
	delete(in.Roles["scalepayments-account-nonprod"].Plan, "scalepayments-staging")

	d, err := Plan(in)

	require.NoError(t, err)
	assert.Equal(t, []string{"scalepayments-account-nonprod has no terraform_plan_role_arns/terraform_apply_role_arns entries for scalepayments-staging yet: apply scalepayments-account-nonprod (its first apply locally, with administrator credentials), then run tfc apply again"}, d.Pending)
	assert.Equal(t, "remote", d.Workspaces[2].ExecutionMode, "an environment's workspace stays remote")
}

func TestAccountWorkspacesNotifyEveryAddressOfTheEnvironmentsTheyHost(t *testing.T) {
	in := shipped()
	ws := plan(t, in)
	user := func(addr string) string { return in.Members[addr].UserID }
	for _, tc := range []struct {
		workspace string
		addresses []string
	}{
		{"scalepayments-account-nonprod", []string{"platform-alerts@scalepayments.com", "platform-dev-alerts@scalepayments.com"}},
		{"scalepayments-dev", []string{"platform-dev-alerts@scalepayments.com"}},
		{"scalepayments-prod", []string{"platform-alerts@scalepayments.com", "security-oncall@scalepayments.com"}},
	} {
		var users []string
		for _, a := range tc.addresses {
			users = append(users, user(a))
		}
		assert.Equal(t, []Notification{{Type: tfe.NotificationDestinationTypeEmail, UserIDs: uniqueSorted(users)}}, ws[tc.workspace].Notifications, tc.workspace)
	}
}

func TestHTTPSEndpointsBecomeGenericWebhooks(t *testing.T) {
	in := shipped()
	in.Envs[0].Notify.HTTPS = []string{"https://events.example.com/b", "https://events.example.com/a"}

	got := plan(t, in)["scalepayments-dev"].Notifications

	assert.Equal(t, []Notification{
		{Type: tfe.NotificationDestinationTypeEmail, UserIDs: []string{in.Members["platform-dev-alerts@scalepayments.com"].UserID}},
		{Type: tfe.NotificationDestinationTypeGeneric, URL: "https://events.example.com/a"},
		{Type: tfe.NotificationDestinationTypeGeneric, URL: "https://events.example.com/b"},
	}, got)
}

func TestAnAddressThatIsNoMemberIsRefusedOnceAndItsEmailNotificationsLeftAlone(t *testing.T) {
	in := shipped()
	delete(in.Members, "platform-alerts@scalepayments.com") // staging's and prod's

	d, err := Plan(in)

	require.Error(t, err)
	assert.Equal(t, `alarm address platform-alerts@scalepayments.com: not a member of organization "scalepayments", and HCP Terraform emails only members: invite it (Organization settings > Users), or change the environment's Notify`, err.Error())
	for _, w := range d.Workspaces {
		assert.Equal(t, w.Name == "scalepayments-dev", !w.KeepEmail, w.Name)
	}
}

func TestRunTaskWaitsForTheStackServingItsEndpoint(t *testing.T) {
	d, err := Plan(shipped())
	require.NoError(t, err)
	assert.Nil(t, d.RunTask)
	assert.Contains(t, d.Pending, "run task scalepayments-policy-pack: scalepayments-account-prod serves https://run-task.scalepayments.com/ and has not been applied yet: apply it, then run tfc apply again")

	d, err = Plan(withRoles(shipped()))
	require.NoError(t, err)
	assert.Equal(t, &RunTask{Name: RunTaskName, URL: "https://run-task.scalepayments.com/", HMACKey: testKey,
		Description: "ScalePayments policy pack (key fingerprint " + fingerprint(testKey) + ")"}, d.RunTask)
	assert.Empty(t, d.Pending)
}

func TestFingerprintIsTheFirst12HexOfTheKeysSHA256(t *testing.T) {
	assert.Equal(t, "ba7816bf8f01", fingerprint("abc"))
	assert.Equal(t, "ba7816bf8f01", keyFingerprint(describeKey("abc")))
	assert.Equal(t, "unknown", keyFingerprint("edited by hand"))
}
