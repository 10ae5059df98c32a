package runtask

import (
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	tfe "github.com/hashicorp/go-tfe"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testKey = []byte("0123456789abcdef0123456789abcdef-test")

func sign(key, body []byte) string {
	mac := hmac.New(sha512.New, key)
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// runTaskRequest is a post-plan request as HCP Terraform sends it, with its callback and plan
// URLs on base.
func runTaskRequest(base, id string) tfe.RunTaskRequest {
	return tfe.RunTaskRequest{
		PayloadVersion: 1, Stage: "post_plan", AccessToken: "token-" + id, IsSpeculative: false,
		TaskResultID: "taskrs-" + id, TaskResultEnforcementLevel: "mandatory",
		TaskResultCallbackURL: base + "/api/v2/task-results/taskrs-" + id + "/callback",
		PlanJSONAPIURL:        base + "/api/v2/plans/plan-" + id + "/json-output",
		RunID:                 "run-" + id, RunMessage: "Triggered via UI", RunCreatedBy: "ops",
		OrganizationName: "scalepayments", WorkspaceID: "ws-1", WorkspaceName: "scalepayments-dev",
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return data
}

// dispatches records the jobs a handler hands on.
type dispatches struct {
	mu   sync.Mutex
	jobs []Job
	err  error
}

func (d *dispatches) dispatch(_ context.Context, j Job) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == nil {
		d.jobs = append(d.jobs, j)
	}
	return d.err
}

func (d *dispatches) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.jobs)
}

func newTestHandler(t *testing.T, key KeyFunc, d *dispatches) *Handler {
	t.Helper()
	h, err := New(Config{Key: key, AllowURL: Loopback, Dispatch: d.dispatch})
	require.NoError(t, err)
	return h
}

func post(h http.Handler, body []byte, signature string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
	if signature != "" {
		r.Header.Set(SignatureHeader, signature)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestASignedPostPlanRequestIsAcceptedAndDispatched(t *testing.T) {
	d := &dispatches{}
	h := newTestHandler(t, StaticKey(testKey), d)
	body := marshal(t, runTaskRequest("http://127.0.0.1:1", "a"))
	w := post(h, body, sign(testKey, body))
	assert.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, 1, d.count())
	assert.Equal(t, "taskrs-a", d.jobs[0].Request.TaskResultID)
	assert.Equal(t, body, d.jobs[0].Body, "the signed body travels with the job")
	assert.Equal(t, sign(testKey, body), d.jobs[0].Signature)
}

// Every refused request is refused before anything is dispatched, so it is never called back.
func TestRefusedRequestsAreNeverDispatched(t *testing.T) {
	valid := runTaskRequest("http://127.0.0.1:1", "a")
	with := func(edit func(*tfe.RunTaskRequest)) []byte {
		r := valid
		edit(&r)
		return marshal(t, r)
	}
	good := marshal(t, valid)
	tests := []struct {
		name      string
		body      []byte
		signature string // "" signs the body with the key
		status    int
		says      string
	}{
		{"tampered body", append([]byte(" "), good...), sign(testKey, good), http.StatusUnauthorized, "Unauthorized"},
		{"no signature", good, "-", http.StatusUnauthorized, "Unauthorized"},
		{"another key", good, sign([]byte("another key of at least thirty-two bytes"), good), http.StatusUnauthorized, "Unauthorized"},
		{"malformed JSON", []byte(`{"payload_version": 1,`), "", http.StatusBadRequest, "not a run task request"},
		{"not an object", []byte(`[1]`), "", http.StatusBadRequest, "not a run task request"},
		{"oversized body", []byte(`{"x":"` + strings.Repeat("a", MaxRequestBytes) + `"}`), "", http.StatusBadRequest, "at most 65536 bytes"},
		{"unknown payload version", with(func(r *tfe.RunTaskRequest) { r.PayloadVersion = 2 }), "", http.StatusBadRequest, "payload_version 2: only 1 is supported"},
		{"pre_apply stage", with(func(r *tfe.RunTaskRequest) { r.Stage = "pre_apply" }), "", http.StatusBadRequest, `stage "pre_apply"`},
		{"no stage", with(func(r *tfe.RunTaskRequest) { r.Stage = "" }), "", http.StatusBadRequest, `stage ""`},
		{"no access token", with(func(r *tfe.RunTaskRequest) { r.AccessToken = "" }), "", http.StatusBadRequest, "access_token is missing"},
		{"no callback URL", with(func(r *tfe.RunTaskRequest) { r.TaskResultCallbackURL = "" }), "", http.StatusBadRequest, "task_result_callback_url is missing"},
		{"no plan URL", with(func(r *tfe.RunTaskRequest) { r.PlanJSONAPIURL = "" }), "", http.StatusBadRequest, "plan_json_api_url is missing"},
		{"plan URL off loopback", with(func(r *tfe.RunTaskRequest) { r.PlanJSONAPIURL = "http://203.0.113.9/plan" }), "", http.StatusBadRequest, "plan_json_api_url: http://203.0.113.9: allowed http or https on a loopback address only"},
		{"callback URL not http", with(func(r *tfe.RunTaskRequest) { r.TaskResultCallbackURL = "file:///etc/passwd" }), "", http.StatusBadRequest, "task_result_callback_url: file://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &dispatches{}
			signature := tt.signature
			switch signature {
			case "":
				signature = sign(testKey, tt.body)
			case "-":
				signature = ""
			}
			w := post(newTestHandler(t, StaticKey(testKey), d), tt.body, signature)
			assert.Equal(t, tt.status, w.Code)
			assert.Contains(t, w.Body.String(), tt.says)
			assert.NotContains(t, w.Body.String(), "token-a", "a refusal never echoes the access token")
			assert.Zero(t, d.count())
		})
	}
}

func TestHCPTerraformIsTheDefaultURLPolicy(t *testing.T) {
	d := &dispatches{}
	h, err := New(Config{Key: StaticKey(testKey), Dispatch: d.dispatch})
	require.NoError(t, err)
	for base, status := range map[string]int{
		"https://app.terraform.io":        http.StatusOK,
		"https://APP.terraform.io":        http.StatusOK,
		"http://app.terraform.io":         http.StatusBadRequest,
		"https://app.terraform.io.evil":   http.StatusBadRequest,
		"https://user@app.terraform.io":   http.StatusBadRequest,
		"http://127.0.0.1:8080":           http.StatusBadRequest,
		"https://archivist.terraform.io":  http.StatusBadRequest,
		"https://app.terraform.io:444/..": http.StatusOK, // the port is HCP Terraform's to choose
	} {
		body := marshal(t, runTaskRequest(base, "a"))
		assert.Equal(t, status, post(h, body, sign(testKey, body)).Code, base)
	}
}

// HCP Terraform sends a request when a run task is created or saved, and creates it only if
// the answer is 200; its callback URL is not real, so it is never dispatched.
func TestTheVerificationRequestIsAnsweredWithoutAJob(t *testing.T) {
	for name, edit := range map[string]func(*tfe.RunTaskRequest){
		"test token":             func(r *tfe.RunTaskRequest) { r.AccessToken = "test-token" },
		"test enforcement level": func(r *tfe.RunTaskRequest) { r.TaskResultEnforcementLevel = "test"; r.Stage = "" },
	} {
		t.Run(name, func(t *testing.T) {
			r := runTaskRequest("https://app.terraform.io", "xxxxxxxx")
			edit(&r)
			body := marshal(t, r)
			d := &dispatches{}
			h := newTestHandler(t, StaticKey(testKey), d)
			assert.Equal(t, http.StatusOK, post(h, body, sign(testKey, body)).Code)
			assert.Equal(t, http.StatusUnauthorized, post(h, body, "").Code, "verified like any request")
			assert.Zero(t, d.count())
		})
	}
}

// A rotated key verifies once the handler asks for a fresh one.
func TestASignatureIsCheckedAgainWithAFreshKey(t *testing.T) {
	rotated := []byte("the rotated key, also at least 32 bytes")
	var asked []bool
	key := func(_ context.Context, fresh bool) ([]byte, error) {
		asked = append(asked, fresh)
		if fresh {
			return rotated, nil
		}
		return testKey, nil
	}
	d := &dispatches{}
	body := marshal(t, runTaskRequest("http://127.0.0.1:1", "a"))
	assert.Equal(t, http.StatusOK, post(newTestHandler(t, key, d), body, sign(rotated, body)).Code)
	assert.Equal(t, []bool{false, true}, asked)
	assert.Equal(t, 1, d.count())
}

func TestAnUnavailableKeyOrDispatchAsksHCPTerraformToRetry(t *testing.T) {
	body := marshal(t, runTaskRequest("http://127.0.0.1:1", "a"))
	noKey := func(context.Context, bool) ([]byte, error) { return nil, errors.New("secrets manager down") }
	w := post(newTestHandler(t, noKey, &dispatches{}), body, sign(testKey, body))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.NotContains(t, w.Body.String(), "secrets manager", "the cause is logged, not answered")

	w = post(newTestHandler(t, StaticKey(testKey), &dispatches{err: errors.New("queue full")}), body, sign(testKey, body))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, "10", w.Header().Get("Retry-After"))
}

func TestRoutes(t *testing.T) {
	h := newTestHandler(t, StaticKey(testKey), &dispatches{})
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/healthz", http.StatusOK, ""},
		{http.MethodHead, "/healthz", http.StatusOK, ""},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodGet, "/", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPost, "/other", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		assert.Equal(t, tt.status, w.Code, tt.method+" "+tt.path)
		assert.Equal(t, tt.allow, w.Header().Get("Allow"), tt.method+" "+tt.path)
	}
}

func TestNewNeedsAKeyAndADispatch(t *testing.T) {
	_, err := New(Config{Key: StaticKey(testKey)})
	assert.EqualError(t, err, "runtask: Config needs Key and Dispatch")
	_, err = New(Config{Dispatch: (&dispatches{}).dispatch})
	assert.Error(t, err)
}
