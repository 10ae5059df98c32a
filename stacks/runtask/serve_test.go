package runtask

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tfe "github.com/hashicorp/go-tfe"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// server is the local run task server (Serve) on 127.0.0.1, in front of a fake HCP Terraform.
type server struct {
	url        string
	tfc        *fakeTFC
	dispatched atomic.Int64
	stop       func() error // ends Serve and returns what it returned
}

func startServer(t *testing.T, cfg RunnerConfig) *server {
	t.Helper()
	s := &server{tfc: newFakeTFC(t)}
	pool := NewPool(newTestRunner(cfg).Run, Workers, PendingJobs, nil)
	h, err := New(Config{Key: StaticKey(testKey), AllowURL: Loopback, Dispatch: func(ctx context.Context, j Job) error {
		s.dispatched.Add(1)
		return pool.Dispatch(ctx, j)
	}})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.url = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h, pool) }()
	s.stop = sync.OnceValue(func() error {
		cancel()
		return <-served
	})
	t.Cleanup(func() { assert.NoError(t, s.stop()) })
	return s
}

// send posts body signed with signature ("" signs it with the key).
func (s *server) send(t *testing.T, body []byte, signature string) int {
	t.Helper()
	if signature == "" {
		signature = sign(testKey, body)
	}
	req, err := http.NewRequest(http.MethodPost, s.url+"/", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, signature)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func (s *server) request(id string) tfe.RunTaskRequest { return runTaskRequest(s.tfc.URL, id) }

func TestACleanPlanPasses(t *testing.T) {
	s := startServer(t, RunnerConfig{})
	s.tfc.servePlan("a", devPlan(t))
	require.Equal(t, http.StatusOK, s.send(t, marshal(t, s.request("a")), ""))
	c := s.tfc.waitCallbacks(t, 1)[0]
	assert.Equal(t, http.MethodPatch, c.Method)
	assert.Equal(t, "/api/v2/task-results/taskrs-a/callback", c.Path)
	assert.Equal(t, "Bearer token-a", c.Auth)
	assert.Equal(t, "application/vnd.api+json", c.ContentType)
	assert.Equal(t, "task-results", c.Result.Data.Type)
	assert.Equal(t, "passed", c.Result.Data.Attributes.Status)
	assert.Equal(t, "scalepayments-dev: passed: 0 findings of 57 rules, 0 violations of 23 contract cases, 0 suppressed.", c.Result.Data.Attributes.Message)
	assert.Empty(t, c.Result.Data.Relationships.Outcomes.Data)
}

func TestAPlanWithAFindingFailsWithThatFindingAsItsOutcome(t *testing.T) {
	s := startServer(t, RunnerConfig{})
	s.tfc.servePlan("a", devPlan(t, loadBalancer("edge_alb_1A2B3C4D", true), loadBalancer("edge_internal_5E6F7A8B", false)))
	require.Equal(t, http.StatusOK, s.send(t, marshal(t, s.request("a")), ""))
	c := s.tfc.waitCallbacks(t, 1)[0]
	assert.Equal(t, "failed", c.Result.Data.Attributes.Status)
	outcomes := c.Result.Data.Relationships.Outcomes.Data
	require.Len(t, outcomes, 1)
	o := outcomes[0]
	assert.Equal(t, "task-result-outcomes", o.Type)
	assert.Equal(t, "SP-NET-002", o.Attributes.OutcomeID)
	assert.Equal(t, "aws_lb.edge_alb_1A2B3C4D: internal is false, must be true", o.Attributes.Description)
	assert.Equal(t, []tfe.TaskResultTag{{Label: "HIGH", Level: "error"}}, o.Attributes.Tags["Severity"])
	assert.Equal(t, []tfe.TaskResultTag{{Label: "SP-NET-002"}}, o.Attributes.Tags["Rule"])
	assert.Contains(t, o.Attributes.Body, "- Resource: `aws_lb.edge_alb_1A2B3C4D`\n")
	assert.Contains(t, o.Attributes.Body, "- Fix: set internal = true and expose routes through the API Gateway VPC link")
}

// A request that does not verify is refused before it is read: no job, so no plan download
// and no callback, ever.
func TestATamperedSignatureIs401AndNeverCalledBack(t *testing.T) {
	s := startServer(t, RunnerConfig{})
	s.tfc.servePlan("a", devPlan(t))
	body := marshal(t, s.request("a"))
	signature := []byte(sign(testKey, body))
	signature[0] ^= 1
	assert.Equal(t, http.StatusUnauthorized, s.send(t, body, string(signature)))
	assert.Equal(t, http.StatusUnauthorized, s.send(t, bytes.Replace(body, []byte("run-a"), []byte("run-b"), 1), sign(testKey, body)))
	assert.Zero(t, s.dispatched.Load())
	assert.Zero(t, s.tfc.requests.Load())
}

func TestMalformedAndOversizedBodiesAre400(t *testing.T) {
	s := startServer(t, RunnerConfig{})
	for _, body := range [][]byte{[]byte(`{"payload_version": 1`), bytes.Repeat([]byte("a"), MaxRequestBytes+1)} {
		assert.Equal(t, http.StatusBadRequest, s.send(t, body, ""))
	}
	assert.Zero(t, s.dispatched.Load())
	assert.Zero(t, s.tfc.requests.Load())
}

func TestAPlanThatCannotBeDownloadedFails(t *testing.T) {
	s := startServer(t, RunnerConfig{})
	require.Equal(t, http.StatusOK, s.send(t, marshal(t, s.request("missing")), ""))
	c := s.tfc.waitCallbacks(t, 1)[0]
	assert.Equal(t, "failed", c.Result.Data.Attributes.Status)
	assert.Equal(t, "scalepayments run task: could not download the plan: HCP Terraform answered 404 Not Found", c.Result.Data.Attributes.Message)
}

func TestTheVerificationRequestIs200AndNotCalledBack(t *testing.T) {
	s := startServer(t, RunnerConfig{})
	r := s.request("xxxxxxxx")
	r.AccessToken, r.TaskResultEnforcementLevel = "test-token", "test"
	assert.Equal(t, http.StatusOK, s.send(t, marshal(t, r), ""))
	assert.Zero(t, s.dispatched.Load())
	assert.Zero(t, s.tfc.requests.Load())
}

func TestConcurrentRequestsEachGetTheirOwnCallback(t *testing.T) {
	s := startServer(t, RunnerConfig{})
	const n = 20
	want := map[string]string{}
	var wg sync.WaitGroup
	for i := range n {
		id := fmt.Sprintf("c%02d", i)
		plan := devPlan(t)
		if i%2 == 1 {
			plan = devPlan(t, loadBalancer("edge_alb_"+id, true))
			want["/api/v2/task-results/taskrs-"+id+"/callback"] = "failed aws_lb.edge_alb_" + id
		} else {
			want["/api/v2/task-results/taskrs-"+id+"/callback"] = "passed"
		}
		s.tfc.servePlan(id, plan)
		wg.Go(func() { assert.Equal(t, http.StatusOK, s.send(t, marshal(t, s.request(id)), "")) })
	}
	wg.Wait()
	got := map[string]string{}
	for _, c := range s.tfc.waitCallbacks(t, n) {
		assert.Equal(t, "Bearer token-"+strings.TrimPrefix(strings.Split(c.Path, "/")[4], "taskrs-"), c.Auth, "each with its own token")
		got[c.Path] = c.Result.Data.Attributes.Status
		for _, o := range c.Result.Data.Relationships.Outcomes.Data {
			got[c.Path] += " " + strings.SplitN(o.Attributes.Description, ":", 2)[0]
		}
	}
	assert.Equal(t, want, got)
	s.tfc.noMoreCallbacks(t)
}

func TestHealthz(t *testing.T) {
	s := startServer(t, RunnerConfig{})
	resp, err := http.Get(s.url + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// A stopping server takes no new request but lets a running job call back.
func TestShutdownDrainsRunningJobs(t *testing.T) {
	s := startServer(t, RunnerConfig{})
	started, release := make(chan struct{}), make(chan struct{})
	s.tfc.handle("a", func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-release
		w.Write(devPlan(t))
	})
	require.Equal(t, http.StatusOK, s.send(t, marshal(t, s.request("a")), ""))
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop() }()
	require.Eventually(t, func() bool {
		_, err := http.Get(s.url + "/healthz")
		return err != nil
	}, 5*time.Second, 10*time.Millisecond, "the listener closes at once")
	select {
	case err := <-stopped:
		require.FailNowf(t, "Serve returned with a job running", "%v", err)
	default:
	}
	close(release)
	assert.Equal(t, "passed", s.tfc.waitCallbacks(t, 1)[0].Result.Data.Attributes.Status)
	assert.NoError(t, <-stopped)
}

func TestMainRefusesToStartWithoutAValidKeyAndPort(t *testing.T) {
	key := string(testKey)
	tests := []struct {
		name string
		env  env
		want []string
	}{
		{"no key", env{}, []string{
			"scalepayments: SCALEPAYMENTS_RUN_TASK_HMAC_KEY is not set: the run task refuses to start without the HMAC key HCP Terraform signs its requests with (at least 32 bytes)"}},
		{"short key", env{KeyVariable: "short"}, []string{
			"scalepayments: SCALEPAYMENTS_RUN_TASK_HMAC_KEY: the HMAC key has 5 bytes: allowed at least 32"}},
		{"port not a number", env{KeyVariable: key, PortVariable: "http"}, []string{
			`scalepayments: PORT="http": allowed a port number from 1 to 65535 (default 8080)`}},
		{"port 0", env{KeyVariable: key, PortVariable: "0"}, []string{
			`scalepayments: PORT="0": allowed a port number from 1 to 65535 (default 8080)`}},
		{"both", env{PortVariable: "65536"}, []string{
			`scalepayments: PORT="65536": allowed a port number from 1 to 65535 (default 8080)`,
			"scalepayments: SCALEPAYMENTS_RUN_TASK_HMAC_KEY is not set: the run task refuses to start without the HMAC key HCP Terraform signs its requests with (at least 32 bytes)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tt.env.get, &stdout, &stderr)
			assert.Equal(t, 1, code)
			assert.Equal(t, strings.Join(tt.want, "\n")+"\n", stderr.String())
			assert.Empty(t, stdout.String(), "no listener, nothing served")
		})
	}
}
