package tfc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/naming"
)

const testToken = "test-token.atlasv1.never-print-me"

// setup is an empty organization whose members are every alarm address, and the options of
// an operator with a token and the real account ids.
func setup(t *testing.T) (*fakeTFC, Options) {
	f := newFake(t, envconfig.Pipeline.Organization, testToken)
	for i, addr := range alarmAddresses() {
		f.members[addr] = fmt.Sprintf("user-%d", i+1)
	}
	return f, Options{
		Address: f.url, Token: Token{testToken, "TFE_TOKEN"},
		Organization: envconfig.Pipeline.Organization, Project: envconfig.Pipeline.Project,
		Accounts: envconfig.WithIDsFrom(envconfig.Accounts(), getenv(testEnv)), Envs: envconfig.All(), HMACKey: testKey,
	}
}

func apply(t *testing.T, opts Options) string {
	t.Helper()
	var out bytes.Buffer
	_, err := Apply(context.Background(), opts, &out)
	require.NoError(t, err, out.String())
	return out.String()
}

func diff(t *testing.T, opts Options) (int, string) {
	t.Helper()
	var out bytes.Buffer
	changes, err := Diff(context.Background(), opts, &out)
	require.NoError(t, err, out.String())
	return changes, out.String()
}

// applyAccountStacks gives each account workspace the role outputs its first apply creates.
func (f *fakeTFC) applyAccountStacks(opts Options) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range stacks(opts.Accounts, opts.Envs) {
		home := homeStack(s.account)
		if f.outputs[home] == nil {
			f.outputs[home] = map[string]any{naming.PlanRolesOutput: map[string]any{}, naming.ApplyRolesOutput: map[string]any{}}
		}
		f.outputs[home][naming.PlanRolesOutput].(map[string]any)[s.name] = planRole(s.name)
		f.outputs[home][naming.ApplyRolesOutput].(map[string]any)[s.name] = applyRole(s.name)
	}
}

// accountStacksApplied is an organization after tfc apply and the account stacks' first apply.
func accountStacksApplied(t *testing.T) (*fakeTFC, Options) {
	f, opts := setup(t)
	apply(t, opts)
	f.applyAccountStacks(opts)
	f.forget()
	return f, opts
}

// inSync is an organization after the whole first deployment: tfc apply, the account stacks'
// first apply, tfc apply again.
func inSync(t *testing.T) (*fakeTFC, Options) {
	f, opts := accountStacksApplied(t)
	apply(t, opts)
	f.forget()
	return f, opts
}

// bodies are the attributes sent by the requests of kind, by the attribute key.
func (f *fakeTFC) bodies(kind, key string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range f.log() {
		if r.kind() == kind {
			attrs := r.Body["attributes"].(map[string]any)
			out[fmt.Sprint(attrs[key])] = attrs
		}
	}
	return out
}

func TestFirstApplyOnAnEmptyOrganizationCreatesExactlyTheDesiredObjects(t *testing.T) {
	f, opts := setup(t)
	out := apply(t, opts)

	assert.Equal(t, map[string]int{
		"POST /organizations/:org/projects":   1,
		"POST /organizations/:org/workspaces": 5,
		// TFC_AWS_PROVIDER_AUTH and the two account ids; the roles wait for the account stacks
		"POST /workspaces/:id/vars":                        15,
		"POST /workspaces/:id/run-triggers":                3,
		"POST /workspaces/:id/notification-configurations": 5,
	}, f.writes())
	created := f.bodies("POST /organizations/:org/workspaces", "name")
	assert.ElementsMatch(t, workspaces, slices.Collect(maps.Keys(created)))
	for _, tc := range []struct {
		workspace, mode string
		autoApply       bool
	}{
		{"scalepayments-account-nonprod", "local", true},
		{"scalepayments-dev", "remote", true},
		{"scalepayments-staging", "remote", true},
		{"scalepayments-account-prod", "local", false},
		{"scalepayments-prod", "remote", false},
	} {
		ws := created[tc.workspace]
		assert.Equal(t, tc.mode, ws["execution-mode"], tc.workspace)
		assert.Equal(t, tc.autoApply, ws["auto-apply"], tc.workspace)
		assert.Equal(t, tc.autoApply, ws["auto-apply-run-trigger"], tc.workspace)
		assert.Equal(t, envconfig.TerraformVersion, ws["terraform-version"], tc.workspace)
		assert.Equal(t, "", ws["working-directory"], tc.workspace)
		assert.Contains(t, ws["description"], tc.workspace+" (cdktf.out/stacks/"+tc.workspace+"), managed by scalepayments tfc apply")
	}
	assert.Contains(t, out, "tfc: pending: scalepayments-account-nonprod has no terraform_plan_role_arns/terraform_apply_role_arns entries for scalepayments-account-nonprod, scalepayments-dev, scalepayments-staging yet: apply scalepayments-account-nonprod (its first apply locally, with administrator credentials), then run tfc apply again\n")
	assert.Contains(t, out, "tfc: pending: run task scalepayments-policy-pack: scalepayments-account-prod serves https://run-task.scalepayments.com/ and has not been applied yet: apply it, then run tfc apply again\n")
	assert.True(t, strings.HasSuffix(out, "tfc: 29 changes\n"), out)
}

func TestSecondApplySendsNoWrite(t *testing.T) {
	f, opts := setup(t)
	apply(t, opts)
	f.forget()

	out := apply(t, opts)

	assert.Empty(t, f.writes())
	assert.True(t, strings.HasSuffix(out, "tfc: in sync\n"), out)
}

func TestAccountStackOutputsSwitchItToRemoteAndSetTheRolesAndTheRunTask(t *testing.T) {
	f, opts := accountStacksApplied(t)

	out := apply(t, opts)

	assert.Equal(t, map[string]int{
		"PATCH /workspaces/:id":          2, // the account workspaces: local -> remote
		"POST /workspaces/:id/vars":      10,
		"POST /organizations/:org/tasks": 1,
		"POST /workspaces/:id/tasks":     5,
	}, f.writes())
	for _, r := range f.log() {
		if r.kind() == "PATCH /workspaces/:id" {
			assert.Equal(t, map[string]any{"execution-mode": "remote"}, r.Body["attributes"])
		}
	}
	assert.Contains(t, out, "tfc: scalepayments-account-prod: execution-mode: local -> remote\n")
	assert.Contains(t, out, `tfc: scalepayments-prod: variable TFC_AWS_PLAN_ROLE_ARN: absent -> "`+planRole("scalepayments-prod")+"\"\n")
	assert.Contains(t, out, `tfc: scalepayments-prod: variable TFC_AWS_APPLY_ROLE_ARN: absent -> "`+applyRole("scalepayments-prod")+"\"\n")
	assert.Equal(t, map[string]any{
		"name": RunTaskName, "url": "https://run-task.scalepayments.com/", "category": "task", "enabled": true,
		"hmac-key": testKey, "description": "ScalePayments policy pack (key fingerprint " + fingerprint(testKey) + ")",
	}, f.bodies("POST /organizations/:org/tasks", "name")[RunTaskName])
	for _, r := range f.log() {
		if r.kind() == "POST /workspaces/:id/tasks" {
			assert.Equal(t, map[string]any{"enforcement-level": "mandatory", "stages": []any{"post_plan"}}, r.Body["attributes"])
		}
	}
	assert.NotContains(t, out, "pending")

	f.forget()
	assert.True(t, strings.HasSuffix(apply(t, opts), "tfc: in sync\n"))
	assert.Empty(t, f.writes())
}

func TestDiffReportsEachHandChangeOnceAndApplyUndoesIt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *fakeTFC)
		line   string
		fix    string
	}{
		{
			"auto-apply turned on in production",
			func(f *fakeTFC) {
				f.edit("workspaces", "", attr("name", "scalepayments-prod"), set("auto-apply", true))
			},
			"tfc: scalepayments-prod: auto-apply: true -> false",
			"PATCH /workspaces/:id",
		},
		{
			"execution mode turned to local",
			func(f *fakeTFC) {
				f.edit("workspaces", "", attr("name", "scalepayments-staging"), set("execution-mode", "local"))
			},
			"tfc: scalepayments-staging: execution-mode: local -> remote",
			"PATCH /workspaces/:id",
		},
		{
			"working directory set",
			func(f *fakeTFC) {
				f.edit("workspaces", "", attr("name", "scalepayments-dev"), set("working-directory", "stacks"))
			},
			`tfc: scalepayments-dev: working-directory: "stacks" -> ""`,
			"PATCH /workspaces/:id",
		},
		{
			"variable edited",
			func(f *fakeTFC) {
				f.edit("vars", "scalepayments-dev", attr("key", "SCALEPAYMENTS_ACCOUNT_PROD"), set("value", "999999999999"))
			},
			`tfc: scalepayments-dev: variable SCALEPAYMENTS_ACCOUNT_PROD: value: "999999999999" -> "123456789012"`,
			"PATCH /workspaces/:id/vars/:id",
		},
		{
			"role variable made sensitive",
			func(f *fakeTFC) {
				f.edit("vars", "scalepayments-prod", attr("key", "TFC_AWS_APPLY_ROLE_ARN"), func(o *object) { o.Attrs["sensitive"], o.Attrs["value"] = true, "" })
			},
			`tfc: scalepayments-prod: variable TFC_AWS_APPLY_ROLE_ARN: sensitive: true -> false`,
			"DELETE /workspaces/:id/vars/:id POST /workspaces/:id/vars",
		},
		{
			"AWS key added by hand",
			func(f *fakeTFC) {
				f.addVariable("scalepayments-dev", "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "env")
			},
			"tfc: scalepayments-dev: variable AWS_ACCESS_KEY_ID: present -> absent",
			"DELETE /workspaces/:id/vars/:id",
		},
		{
			"Terraform variable added by hand",
			func(f *fakeTFC) { f.addVariable("scalepayments-prod", "region", "eu-west-1", "terraform") },
			"tfc: scalepayments-prod: variable region (terraform): present -> absent",
			"DELETE /workspaces/:id/vars/:id",
		},
		{
			"run task downgraded to advisory",
			func(f *fakeTFC) {
				f.edit("workspace-tasks", "scalepayments-staging", anyObject, set("enforcement-level", "advisory"))
			},
			"tfc: scalepayments-staging: run task scalepayments-policy-pack: enforcement-level: advisory -> mandatory",
			"PATCH /workspaces/:id/tasks/:id",
		},
		{
			"run trigger removed",
			func(f *fakeTFC) { f.remove(f.find("run-triggers", "scalepayments-prod", anyObject)) },
			"tfc: scalepayments-prod: run trigger from scalepayments-account-prod: absent -> present",
			"POST /workspaces/:id/run-triggers",
		},
		{
			"moved to another project",
			func(f *fakeTFC) {
				f.put("", &object{ID: "prj-99", Type: "projects", Attrs: map[string]any{"name": "sandbox"}})
				f.edit("workspaces", "", attr("name", "scalepayments-dev"), func(o *object) { o.Rels["project"] = ref("projects", "prj-99") })
			},
			"tfc: scalepayments-dev: project: prj-99 -> prj-1",
			"PATCH /workspaces/:id",
		},
		{
			"run trigger added by hand",
			func(f *fakeTFC) {
				f.put("scalepayments-account-nonprod", &object{ID: "rt-99", Type: "run-triggers",
					Attrs: map[string]any{"sourceable-name": "scalepayments-dev"}, Rels: map[string]any{"sourceable": ref("workspaces", f.workspace("scalepayments-dev").ID)}})
			},
			"tfc: scalepayments-account-nonprod: run trigger from scalepayments-dev: present -> absent",
			"DELETE /run-triggers/:id",
		},
		{
			"webhook added under the managed name",
			func(f *fakeTFC) {
				f.put("scalepayments-prod", &object{ID: "nc-99", Type: "notification-configurations", Attrs: map[string]any{
					"name": NotificationName, "destination-type": "generic", "url": "https://hooks.example.com/x", "enabled": true}})
			},
			"tfc: scalepayments-prod: notification scalepayments-alerts (generic https://hooks.example.com/x): present -> absent",
			"DELETE /notification-configurations/:id",
		},
		{
			"notification disabled",
			func(f *fakeTFC) {
				f.edit("notification-configurations", "scalepayments-account-nonprod", anyObject, set("enabled", false))
			},
			"tfc: scalepayments-account-nonprod: notification scalepayments-alerts (email): enabled: false -> true",
			"PATCH /notification-configurations/:id",
		},
		{
			"run task disabled",
			func(f *fakeTFC) { f.edit("tasks", "", anyObject, set("enabled", false)) },
			"tfc: run task scalepayments-policy-pack: enabled: false -> true",
			"PATCH /tasks/:id",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, opts := inSync(t)
			tc.change(f)

			changes, out := diff(t, opts)
			assert.Equal(t, 1, changes)
			assert.Equal(t, tc.line+"\ntfc: 1 changes\n", out)
			assert.Empty(t, f.writes(), "diff writes nothing")

			apply(t, opts)
			var kinds []string
			for _, r := range f.log() {
				if r.Method != "GET" {
					kinds = append(kinds, r.kind())
				}
			}
			assert.Equal(t, tc.fix, strings.Join(kinds, " "))
			changes, out = diff(t, opts)
			assert.Zero(t, changes, out)
		})
	}
}

// operator is the environment of an operator with every setting but the token.
func operator(t *testing.T, extra map[string]string) func(string) string {
	vars := maps.Clone(testEnv)
	vars["HOME"] = t.TempDir()
	maps.Copy(vars, extra)
	return getenv(vars)
}

func runTFC(t *testing.T, f *fakeTFC, env func(string) string, args ...string) (code int, stdout, stderr string) {
	var out, errs bytes.Buffer
	code = run(context.Background(), args, env, f.url, &out, &errs)
	return code, out.String(), errs.String()
}

func TestRunExitsOneOnDriftAndZeroOnceApplied(t *testing.T) {
	f, _ := setup(t)
	env := operator(t, map[string]string{"TFE_TOKEN": testToken})

	code, _, stderr := runTFC(t, f, env, "diff")
	assert.Equal(t, 1, code)
	assert.Empty(t, stderr)
	code, _, stderr = runTFC(t, f, env, "apply")
	assert.Equal(t, 0, code)
	assert.Empty(t, stderr)
	code, stdout, _ := runTFC(t, f, env, "diff")
	assert.Equal(t, 0, code)
	assert.True(t, strings.HasSuffix(stdout, "tfc: in sync\n"), stdout)
}

func TestUsage(t *testing.T) {
	f, _ := setup(t)
	for _, args := range [][]string{nil, {"sync"}, {"diff", "apply"}} {
		code, _, stderr := runTFC(t, f, operator(t, nil), args...)
		assert.Equal(t, 2, code, args)
		assert.Equal(t, usage+"\n", stderr)
	}
	assert.Empty(t, f.log())
}

func TestMissingTokenIsOneLineAndNoRequest(t *testing.T) {
	f, _ := setup(t)
	env := operator(t, nil)

	code, stdout, stderr := runTFC(t, f, env, "apply")

	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "tfc: no token for app.terraform.io: set TFE_TOKEN or TF_TOKEN_app_terraform_io, or run terraform login app.terraform.io (writes "+
		env("HOME")+"/.terraform.d/credentials.tfrc.json)\n", stderr)
	assert.Empty(t, f.log())
}

func TestPlaceholderAccountIDsAreOneLineEachAndNoRequest(t *testing.T) {
	f, _ := setup(t)
	env := operator(t, map[string]string{"TFE_TOKEN": testToken, "SCALEPAYMENTS_ACCOUNT_NONPROD": "", "SCALEPAYMENTS_ACCOUNT_PROD": ""})

	code, _, stderr := runTFC(t, f, env, "diff")

	assert.Equal(t, 1, code)
	assert.Equal(t, `tfc: account "nonprod" has the example id 111122223333: set SCALEPAYMENTS_ACCOUNT_NONPROD to its 12-digit AWS account id
tfc: account "prod" has the example id 444455556666: set SCALEPAYMENTS_ACCOUNT_PROD to its 12-digit AWS account id
`, stderr)
	assert.Empty(t, f.log())
}

func TestRefusedTokenIsOneLineWithoutTheToken(t *testing.T) {
	f, _ := setup(t)
	const wrong = "wrong-token.atlasv1.secret-value"

	code, _, stderr := runTFC(t, f, operator(t, map[string]string{"TFE_TOKEN": wrong}), "diff")

	assert.Equal(t, 1, code)
	assert.Equal(t, `tfc: organization "scalepayments" at `+f.url+": the token from TFE_TOKEN was refused (401): create a new one (terraform login)\n", stderr)
	assert.NotContains(t, stderr, wrong)
	assert.Empty(t, f.writes())
}

func TestUnknownOrganizationIsOneLine(t *testing.T) {
	f, opts := setup(t)
	opts.Organization = "acme"

	_, err := Diff(context.Background(), opts, io.Discard)

	require.Error(t, err)
	assert.Equal(t, `organization "acme": not found (404), or the token cannot see it: create it in Terraform Cloud, or set envconfig.Pipeline.Organization`, err.Error())
	assert.Empty(t, f.writes())
}

func TestHMACKeyRotationShowsAsAChangedFingerprint(t *testing.T) {
	f, opts := inSync(t)
	opts.HMACKey = "run-task-key-two"

	_, out := diff(t, opts)
	assert.Equal(t, "tfc: run task scalepayments-policy-pack: hmac key fingerprint: "+fingerprint(testKey)+" -> "+fingerprint("run-task-key-two")+"\ntfc: 1 changes\n", out)

	apply(t, opts)
	assert.Equal(t, map[string]int{"PATCH /tasks/:id": 1}, f.writes())
	sent := f.bodies("PATCH /tasks/:id", "hmac-key")["run-task-key-two"]
	assert.Equal(t, "ScalePayments policy pack (key fingerprint "+fingerprint("run-task-key-two")+")", sent["description"])

	opts.HMACKey = ""
	changes, out := diff(t, opts)
	assert.Zero(t, changes, "without the key, the key is left alone: %s", out)
}

func TestRunTaskWaitsForItsKey(t *testing.T) {
	f, opts := accountStacksApplied(t)
	opts.HMACKey = ""

	out := apply(t, opts)

	assert.Contains(t, out, "tfc: pending: SCALEPAYMENTS_RUN_TASK_HMAC_KEY is not set: make run-task-key creates the key and the run task\n")
	assert.Zero(t, f.writes()["POST /organizations/:org/tasks"])
	assert.Zero(t, f.writes()["POST /workspaces/:id/tasks"])
}

func TestRunTaskWhoseEndpointDoesNotAnswerIsOneLineAndTheRestIsApplied(t *testing.T) {
	f, opts := accountStacksApplied(t)
	f.refuse["https://run-task.scalepayments.com/"] = true

	var out bytes.Buffer
	_, err := Apply(context.Background(), opts, &out)

	require.Error(t, err)
	assert.Equal(t, "run task scalepayments-policy-pack: Url could not be verified: the endpoint did not answer 200 (HCP Terraform saves a run task only if https://run-task.scalepayments.com/ answers its test request with 200: is the endpoint deployed and answering?)", err.Error())
	assert.Zero(t, f.writes()["POST /workspaces/:id/tasks"], "nothing to attach")
	assert.Equal(t, 10, f.writes()["POST /workspaces/:id/vars"], "the rest is applied: the role variables")
}

func TestAlarmAddressesThatCannotReceiveMailAreOneLineEach(t *testing.T) {
	f, opts := setup(t)
	delete(f.members, "platform-dev-alerts@scalepayments.com")
	f.invited["security-oncall@scalepayments.com"] = true

	var out bytes.Buffer
	_, err := Apply(context.Background(), opts, &out)

	require.Error(t, err)
	assert.Equal(t, `alarm address platform-dev-alerts@scalepayments.com: not a member of organization "scalepayments", and HCP Terraform emails only members: invite it (Organization settings > Users), or change the environment's Notify
alarm address security-oncall@scalepayments.com: invited to organization "scalepayments" but not yet accepted: accept the invitation, then run tfc apply again`, err.Error())
	notified := map[string]bool{}
	for _, r := range f.log() {
		if r.kind() == "POST /workspaces/:id/notification-configurations" {
			notified[strings.Split(r.Path, "/")[4]] = true
		}
	}
	assert.Equal(t, map[string]bool{f.workspace("scalepayments-staging").ID: true}, notified, "only staging's addresses all receive mail")
}

func TestHTTPSEndpointsAreGenericWebhooksAndOneThatFailsVerificationIsOneLine(t *testing.T) {
	f, opts := setup(t)
	opts.Envs[0].Notify.HTTPS = []string{"https://events.example.com/ok", "https://events.example.com/down"}
	f.refuse["https://events.example.com/down"] = true

	var out bytes.Buffer
	_, err := Apply(context.Background(), opts, &out)

	require.Error(t, err)
	assert.Equal(t, `scalepayments-account-nonprod: notification scalepayments-alerts (generic https://events.example.com/down): Url could not be verified: the endpoint did not answer 200
scalepayments-dev: notification scalepayments-alerts (generic https://events.example.com/down): Url could not be verified: the endpoint did not answer 200`, err.Error(), "dev's and the account stack hosting it")
	assert.Equal(t, map[string]any{
		"destination-type": "generic", "enabled": true, "name": NotificationName, "url": "https://events.example.com/ok",
		"triggers": []any{"run:errored", "run:needs_attention"},
	}, f.bodies("POST /workspaces/:id/notification-configurations", "url")["https://events.example.com/ok"])
}

func TestErrorLinesMaskTheToken(t *testing.T) {
	var stderr bytes.Buffer
	fail(&stderr, errors.New("request with "+testToken+" failed\nsecond problem"), testToken)
	assert.Equal(t, "tfc: request with [token] failed\ntfc: second problem\n", stderr.String())
}
