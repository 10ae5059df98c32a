package runtask

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tfe "github.com/hashicorp/go-tfe"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestRunner(cfg RunnerConfig) *Runner {
	if cfg.RetryWait == 0 {
		cfg.RetryWait = time.Millisecond
	}
	return NewRunner(cfg)
}

func runJob(t *testing.T, r *Runner, req tfe.RunTaskRequest) error {
	t.Helper()
	return r.Run(context.Background(), Job{Request: req})
}

// A plan that cannot be downloaded or read fails the run task, saying why, and never says the
// access token.
func TestAPlanThatCannotBeJudgedFailsNamingWhy(t *testing.T) {
	tests := []struct {
		name string
		plan http.HandlerFunc // nil: none served (404)
		says string
	}{
		{"not found", nil, "could not download the plan: HCP Terraform answered 404 Not Found"},
		{"server error", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusBadGateway) }, "could not download the plan: HCP Terraform answered 502 Bad Gateway"},
		{"garbage", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("<html>maintenance</html>")) }, "could not read the plan: parse plan: invalid character '<'"},
		{"not a ScalePayments stack", func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte(`{"format_version":"1.2","planned_values":{"root_module":{}}}`))
		}, "could not read the plan: the aws provider has no Stack default tag: not a ScalePayments stack"},
		{"larger than the limit", func(w http.ResponseWriter, _ *http.Request) { w.Write(bytes.Repeat([]byte(" "), 2048)) }, "could not download the plan: the plan JSON is larger than 1024 bytes"},
		{"cut off", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("{"))
		}, "could not download the plan: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tfc := newFakeTFC(t)
			if tt.plan != nil {
				tfc.handle("a", tt.plan)
			}
			var logs bytes.Buffer
			r := newTestRunner(RunnerConfig{MaxPlanBytes: 1024, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			require.NoError(t, runJob(t, r, runTaskRequest(tfc.URL, "a")))
			c := tfc.waitCallbacks(t, 1)[0]
			assert.Equal(t, "failed", c.Result.Data.Attributes.Status)
			assert.Contains(t, c.Result.Data.Attributes.Message, tt.says)
			assert.NotContains(t, c.Result.Data.Attributes.Message, "token-a")
			assert.NotContains(t, logs.String(), "token-a", "the logs never hold the access token")
			assert.Contains(t, logs.String(), `"run_id":"run-a"`)
		})
	}
}

// A plan the policy pack stops on is a failed result, not a stopped server.
func TestAPanicWhileJudgingFailsTheRunTask(t *testing.T) {
	tfc := newFakeTFC(t)
	tfc.servePlan("a", devPlan(t))
	r := newTestRunner(RunnerConfig{Getenv: func(string) string { panic("unexpected shape") }})
	require.NoError(t, runJob(t, r, runTaskRequest(tfc.URL, "a")))
	c := tfc.waitCallbacks(t, 1)[0]
	assert.Equal(t, "failed", c.Result.Data.Attributes.Status)
	assert.Equal(t, "scalepayments run task: could not read the plan: the policy pack stopped on it: unexpected shape", c.Result.Data.Attributes.Message)
}

// HCP Terraform answers the plan URL with a redirect to its archive storage: the token goes to
// HCP Terraform only, never to the other host.
func TestThePlanRedirectDoesNotCarryTheToken(t *testing.T) {
	var archiveAuth []string
	archive := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		archiveAuth = append(archiveAuth, r.Header.Get("Authorization"))
		w.Write(devPlan(t))
	}))
	t.Cleanup(archive.Close)
	_, archivePort, _ := net.SplitHostPort(archive.Listener.Addr().String())
	tfc := newFakeTFC(t)
	tfc.handle("a", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://archivist.test:"+archivePort+"/v1/object/plan.json?signed=1", http.StatusTemporaryRedirect)
	})
	// archivist.test is the archive server on 127.0.0.1: another host name, as in production.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		addr = strings.Replace(addr, "archivist.test", "127.0.0.1", 1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	r := newTestRunner(RunnerConfig{Transport: transport})
	require.NoError(t, runJob(t, r, runTaskRequest(tfc.URL, "a")))
	assert.Equal(t, "passed", tfc.waitCallbacks(t, 1)[0].Result.Data.Attributes.Status)
	assert.Equal(t, []string{""}, archiveAuth, "the archive got the request without the token")
}

func TestARedirectFromHTTPSToHTTPIsRefused(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "http://archivist.test/plan", nil)
	via := []*http.Request{httptest.NewRequest(http.MethodGet, "https://app.terraform.io/plan", nil)}
	assert.EqualError(t, noDowngrade(req, via), "refused a redirect from https to http")
	req.URL.Scheme = "https"
	assert.NoError(t, noDowngrade(req, via))
	assert.EqualError(t, noDowngrade(req, make([]*http.Request, maxRedirects)), "stopped after 5 redirects")
}

// The callback is retried while HCP Terraform answers 429 or 5xx, a few times, and never after
// another answer.
func TestTheCallbackIsRetriedOn429And5xxOnly(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		attempts int
		err      string
	}{
		{"accepted", nil, 1, ""},
		{"busy, then accepted", []int{503, 429, 500}, 4, ""},
		{"never accepted", []int{503, 503, 503, 503, 503}, 4, "callback: HCP Terraform answered 503 Service Unavailable"},
		{"refused", []int{422}, 1, "callback: HCP Terraform answered 422 Unprocessable Entity"},
		{"unauthorized", []int{401}, 1, "callback: HCP Terraform answered 401 Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tfc := newFakeTFC(t)
			tfc.servePlan("a", devPlan(t))
			tfc.answerCallbacks(tt.statuses...)
			err := runJob(t, newTestRunner(RunnerConfig{}), runTaskRequest(tfc.URL, "a"))
			if tt.err == "" {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, tt.err)
			}
			for _, c := range tfc.waitCallbacks(t, tt.attempts) {
				assert.Equal(t, http.MethodPatch, c.Method)
				assert.Equal(t, "/api/v2/task-results/taskrs-a/callback", c.Path)
				assert.Equal(t, "Bearer token-a", c.Auth)
				assert.Equal(t, "application/vnd.api+json", c.ContentType)
			}
			tfc.noMoreCallbacks(t)
		})
	}
}

// A job out of time still reports: HCP Terraform would otherwise wait 10 minutes for it.
func TestAJobOutOfTimeStillFailsTheRunTask(t *testing.T) {
	tfc := newFakeTFC(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tfc.handle("a", func(http.ResponseWriter, *http.Request) { <-release })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	require.NoError(t, newTestRunner(RunnerConfig{}).Run(ctx, Job{Request: runTaskRequest(tfc.URL, "a")}))
	c := tfc.waitCallbacks(t, 1)[0]
	assert.Equal(t, "failed", c.Result.Data.Attributes.Status)
	assert.Equal(t, "scalepayments run task: could not download the plan: Get: context deadline exceeded", c.Result.Data.Attributes.Message)
}
