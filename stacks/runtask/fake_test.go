package runtask

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tfe "github.com/hashicorp/go-tfe"
	"github.com/stretchr/testify/require"
)

// fakeTFC is HCP Terraform as the run task sees it: plan JSON behind the request's bearer
// token at /api/v2/plans/plan-<id>/json-output, and the callbacks it records.
type fakeTFC struct {
	*httptest.Server
	mu        sync.Mutex
	plans     map[string]http.HandlerFunc
	statuses  []int // answers to the next callbacks, then 200
	callbacks chan callback
	requests  atomic.Int64 // every request it got
}

// callback is one callback as HCP Terraform receives it.
type callback struct {
	Method, Path, Auth, ContentType string
	Result                          callbackDoc
}

// callbackDoc is the JSON:API document of a callback, decoded without the code under test.
type callbackDoc struct {
	Data struct {
		Type       string
		Attributes struct {
			Status  string
			Message string
		}
		Relationships struct {
			Outcomes struct {
				Data []struct {
					Type       string
					Attributes struct {
						OutcomeID   string `json:"outcome-id"`
						Description string
						Body        string
						Tags        map[string][]tfe.TaskResultTag
					}
				}
			}
		}
	}
}

func newFakeTFC(t *testing.T) *fakeTFC {
	f := &fakeTFC{plans: map[string]http.HandlerFunc{}, callbacks: make(chan callback, 100)}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// servePlan serves plan as the plan of the run task request id.
func (f *fakeTFC) servePlan(id string, plan []byte) {
	f.handle(id, func(w http.ResponseWriter, _ *http.Request) { w.Write(plan) })
}

func (f *fakeTFC) handle(id string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.plans[id] = h
}

func (f *fakeTFC) answerCallbacks(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses = statuses
}

func (f *fakeTFC) serve(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if id, ok := strings.CutPrefix(r.URL.Path, "/api/v2/plans/plan-"); ok && r.Method == http.MethodGet {
		id = strings.TrimSuffix(id, "/json-output")
		f.mu.Lock()
		h := f.plans[id]
		f.mu.Unlock()
		switch {
		case r.Header.Get("Authorization") != "Bearer token-"+id:
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		case h == nil:
			http.NotFound(w, r)
		default:
			h(w, r)
		}
		return
	}
	body, _ := io.ReadAll(r.Body)
	c := callback{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type")}
	if err := json.Unmarshal(body, &c.Result); err != nil {
		c.Result.Data.Attributes.Message = "undecodable: " + err.Error()
	}
	f.mu.Lock()
	status := http.StatusOK
	if len(f.statuses) > 0 {
		status, f.statuses = f.statuses[0], f.statuses[1:]
	}
	f.mu.Unlock()
	f.callbacks <- c
	w.WriteHeader(status)
}

// waitCallbacks waits for n callbacks.
func (f *fakeTFC) waitCallbacks(t *testing.T, n int) []callback {
	t.Helper()
	var out []callback
	timeout := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case c := <-f.callbacks:
			out = append(out, c)
		case <-timeout:
			require.FailNowf(t, "callbacks missing", "%d of %d callbacks arrived", len(out), n)
		}
	}
	return out
}

// noMoreCallbacks fails on any callback not yet taken.
func (f *fakeTFC) noMoreCallbacks(t *testing.T) {
	t.Helper()
	select {
	case c := <-f.callbacks:
		require.FailNowf(t, "unexpected callback", "%s %s", c.Method, c.Path)
	default:
	}
}

// devPlan is a `terraform show -json` plan of the dev stack, as stacks/synthesized reads one:
// the aws provider pinned to the account (allowed_account_ids) and its Stack default tag, and
// the planned values of resources.
func devPlan(t *testing.T, resources ...map[string]any) []byte {
	if resources == nil {
		resources = []map[string]any{}
	}
	return marshal(t, map[string]any{
		"format_version":   "1.2",
		"planned_values":   map[string]any{"root_module": map[string]any{"resources": resources}},
		"resource_changes": []any{},
		"configuration": map[string]any{
			"provider_config": map[string]any{"aws": map[string]any{"name": "aws", "expressions": map[string]any{
				"region":              map[string]any{"constant_value": "us-east-1"},
				"allowed_account_ids": map[string]any{"constant_value": []string{"111122223333"}},
				"default_tags":        []any{map[string]any{"tags": map[string]any{"constant_value": map[string]string{"Stack": "scalepayments-dev"}}}},
			}}},
			"root_module": map[string]any{"resources": []any{}},
		},
	})
}

// loadBalancer is an application load balancer that meets every rule but SP-NET-002 when
// internetFacing.
func loadBalancer(name string, internetFacing bool) map[string]any {
	return map[string]any{"address": "aws_lb." + name, "mode": "managed", "type": "aws_lb", "name": name, "values": map[string]any{
		"internal": !internetFacing, "load_balancer_type": "application", "drop_invalid_header_fields": true,
		"desync_mitigation_mode": "strictest", "access_logs": []any{map[string]any{"enabled": true, "bucket": "logs"}},
		"tags": map[string]any{"Name": name},
	}}
}
