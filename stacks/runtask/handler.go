// Package runtask is the policy pack as an HCP Terraform run task (post-plan stage): an HTTP
// handler that verifies HCP Terraform's signed request, answers 200 at once and hands the job
// on; a Runner that downloads the plan, judges it with the rules and exceptions of
// `scalepayments check` (stacks/judge) and calls back passed or failed with one outcome per
// finding. The local server (Serve, Main) judges on a bounded worker pool; the Lambda
// (NewLambda) invokes itself asynchronously, because Lambda freezes once it has answered.
// Plain Go: it must not link jsii or cdktf. README.md documents the contract and its sources.
package runtask

import (
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	tfe "github.com/hashicorp/go-tfe"
)

// SignatureHeader carries the hex HMAC-SHA512 of the request body under the run task's HMAC
// key (https://developer.hashicorp.com/terraform/cloud-docs/integrations/run-tasks#securing-your-run-task).
const SignatureHeader = "X-TFC-Task-Signature"

// MaxRequestBytes bounds a run task request; HCP Terraform's are about 2 KB.
const MaxRequestBytes = 64 << 10

// verificationToken is the access token of the request HCP Terraform sends when a run task is
// created or saved, which must be answered 200 and never called back. The API page does not
// describe that request; HashiCorp's scaffolding recognizes it by this token
// (github.com/hashicorp/terraform-run-task-scaffolding-go, internal/sdk/api/structs.go), and
// its samples carry the enforcement level "test".
const verificationToken = "test-token"

// Job is one accepted run task request. Body and Signature are the request as HCP Terraform
// signed it: the Lambda sends them to its own asynchronous invocation, which verifies them
// again before it trusts the URLs in it.
type Job struct {
	Request   tfe.RunTaskRequest
	Body      []byte
	Signature string
}

// Config is what the handler needs.
type Config struct {
	// Key returns the HMAC key; fresh asks for the current one because a signature did not
	// verify with the key returned before (StaticKey, SecretKey.Key).
	Key KeyFunc
	// AllowURL says which plan and callback URLs a request may name; nil allows https on
	// HCP Terraform's host only (HCPTerraform).
	AllowURL URLPolicy
	// Dispatch hands an accepted job to what judges it and returns at once: the local pool
	// (Pool.Dispatch) or the Lambda's asynchronous self-invocation. An error answers 503, so
	// HCP Terraform sends the request again.
	Dispatch func(context.Context, Job) error
	Logger   *slog.Logger // nil: no logs
}

// Handler answers POST / (run task requests) and GET /healthz.
type Handler struct {
	key      KeyFunc
	allow    URLPolicy
	dispatch func(context.Context, Job) error
	log      *slog.Logger
}

// New returns the handler of cfg.
func New(cfg Config) (*Handler, error) {
	if cfg.Key == nil || cfg.Dispatch == nil {
		return nil, errors.New("runtask: Config needs Key and Dispatch")
	}
	h := &Handler{key: cfg.Key, allow: cfg.AllowURL, dispatch: cfg.Dispatch, log: orDiscard(cfg.Logger)}
	if h.allow == nil {
		h.allow = HCPTerraform()
	}
	return h, nil
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		answer(w, http.StatusOK, "ok")
	case r.URL.Path == "/healthz":
		w.Header().Set("Allow", "GET, HEAD")
		answer(w, http.StatusMethodNotAllowed, "method not allowed")
	case r.URL.Path == "/" && r.Method == http.MethodPost:
		h.task(w, r)
	case r.URL.Path == "/":
		w.Header().Set("Allow", http.MethodPost)
		answer(w, http.StatusMethodNotAllowed, "method not allowed")
	default:
		answer(w, http.StatusNotFound, "not found")
	}
}

func answer(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, text)
}

// Errors of Accept, each with the status the handler answers.
var (
	ErrSignature = errors.New("the request signature does not verify") // 401
	ErrKey       = errors.New("the HMAC key is unavailable")           // 503
)

// task answers a run task request: 200 once the job is dispatched (or for the verification
// request), before it is judged; HCP Terraform retries a request that is not answered 200
// (https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run-tasks/run-tasks-integration#run-task-request).
func (h *Handler) task(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		h.reject(w, r, http.StatusBadRequest, fmt.Errorf("unreadable body (at most %d bytes): %w", MaxRequestBytes, err))
		return
	}
	job, ok, err := h.Accept(r.Context(), body, r.Header.Get(SignatureHeader))
	switch {
	case errors.Is(err, ErrSignature):
		h.reject(w, r, http.StatusUnauthorized, err)
		return
	case errors.Is(err, ErrKey):
		h.reject(w, r, http.StatusServiceUnavailable, err)
		return
	case err != nil:
		h.reject(w, r, http.StatusBadRequest, err)
		return
	case !ok:
		h.log.Info("run task verification request answered")
		answer(w, http.StatusOK, "ok")
		return
	}
	log := h.log.With(jobAttrs(job.Request)...)
	if err := h.dispatch(r.Context(), job); err != nil {
		log.Error("run task not dispatched", "error", err)
		w.Header().Set("Retry-After", "10")
		answer(w, http.StatusServiceUnavailable, "busy: try again")
		return
	}
	log.Info("run task accepted")
	answer(w, http.StatusOK, "accepted")
}

// reject answers a refused request and logs why, never anything of the body.
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, status int, err error) {
	h.log.Warn("run task request refused", "status", status, "error", err.Error(), "remote", r.RemoteAddr)
	text := err.Error()
	if status != http.StatusBadRequest {
		text = http.StatusText(status)
	}
	answer(w, status, text)
}

// jobAttrs are what the logs say of a job: never its access token.
func jobAttrs(r tfe.RunTaskRequest) []any {
	return []any{"run_id", r.RunID, "task_result_id", r.TaskResultID, "organization", r.OrganizationName,
		"workspace", r.WorkspaceName, "workspace_id", r.WorkspaceID, "speculative", r.IsSpeculative}
}

// Accept verifies a request's signature, then reads it: the job to judge, or ok false for
// HCP Terraform's verification request.
func (h *Handler) Accept(ctx context.Context, body []byte, signature string) (job Job, ok bool, err error) {
	if err := h.verify(ctx, body, signature); err != nil {
		return Job{}, false, err
	}
	var req tfe.RunTaskRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return Job{}, false, fmt.Errorf("not a run task request: %v", err)
	}
	if req.PayloadVersion != 1 {
		return Job{}, false, fmt.Errorf("payload_version %d: only 1 is supported", req.PayloadVersion)
	}
	if req.AccessToken == verificationToken || req.TaskResultEnforcementLevel == "test" {
		return Job{}, false, nil
	}
	if err := h.validate(req); err != nil {
		return Job{}, false, err
	}
	return Job{Request: req, Body: body, Signature: signature}, true, nil
}

// verify checks the signature with the key, and once more with a fresh key: the key may have
// been rotated since it was read.
func (h *Handler) verify(ctx context.Context, body []byte, signature string) error {
	got, err := hex.DecodeString(signature)
	if err != nil || len(got) != sha512.Size {
		return ErrSignature
	}
	for _, fresh := range []bool{false, true} {
		key, err := h.key(ctx, fresh)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrKey, err)
		}
		mac := hmac.New(sha512.New, key)
		mac.Write(body)
		if hmac.Equal(got, mac.Sum(nil)) {
			return nil
		}
	}
	return ErrSignature
}

func (h *Handler) validate(req tfe.RunTaskRequest) error {
	if req.Stage != "post_plan" {
		return fmt.Errorf("stage %q: this run task judges plans: attach it to the post_plan stage", req.Stage)
	}
	for _, field := range []struct{ name, value string }{
		{"access_token", req.AccessToken}, {"run_id", req.RunID}, {"task_result_id", req.TaskResultID},
		{"task_result_callback_url", req.TaskResultCallbackURL}, {"plan_json_api_url", req.PlanJSONAPIURL},
	} {
		if field.value == "" {
			return fmt.Errorf("%s is missing", field.name)
		}
	}
	for _, field := range []struct{ name, value string }{
		{"task_result_callback_url", req.TaskResultCallbackURL}, {"plan_json_api_url", req.PlanJSONAPIURL},
	} {
		u, err := url.Parse(field.value)
		if err == nil {
			err = h.allow(u)
		}
		if err != nil {
			return fmt.Errorf("%s: %v", field.name, err)
		}
	}
	return nil
}
