package runtask

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	tfe "github.com/hashicorp/go-tfe"
	"github.com/hashicorp/jsonapi"

	"github.com/scalepayments/infra/stacks/judge"
)

// Limits and timeouts of a job.
const (
	// MaxPlanBytes bounds a downloaded plan (terraform show -json).
	MaxPlanBytes = 256 << 20
	// JobTimeout bounds a job, well inside the 10 minutes HCP Terraform waits for a callback
	// (https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run-tasks/run-tasks-integration#run-task-callback):
	// what is left after callbackBudget to download and judge the plan, then callbackBudget to
	// deliver the result, even when the judging ran out of time.
	JobTimeout       = 5 * time.Minute
	callbackBudget   = time.Minute
	downloadTimeout  = 2 * time.Minute
	callbackTimeout  = 15 * time.Second // one attempt
	callbackAttempts = 4
	maxRedirects     = 5
)

// RunnerConfig is what a Runner needs.
type RunnerConfig struct {
	// Getenv gives judge.Document the account ids (SCALEPAYMENTS_ACCOUNT_*): os.Getenv.
	Getenv func(string) string
	// Transport carries the plan download and the callback; nil: a clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
	// MaxPlanBytes bounds a plan; 0: MaxPlanBytes.
	MaxPlanBytes int64
	// RetryWait is the wait before the first callback retry, doubled before each next one;
	// 0: one second.
	RetryWait time.Duration
	Logger    *slog.Logger // nil: no logs
}

// Runner judges a job's plan and calls HCP Terraform back with the result.
type Runner struct {
	getenv           func(string) string
	plans, callbacks *http.Client
	maxPlan          int64
	retryWait        time.Duration
	log              *slog.Logger
}

// NewRunner returns the runner of cfg.
func NewRunner(cfg RunnerConfig) *Runner {
	t := cfg.Transport
	if t == nil {
		t = http.DefaultTransport.(*http.Transport).Clone()
	}
	r := &Runner{getenv: cfg.Getenv, maxPlan: cfg.MaxPlanBytes, retryWait: cfg.RetryWait, log: orDiscard(cfg.Logger),
		// Go drops the Authorization header on a redirect to another host (net/http, Client):
		// HCP Terraform redirects the plan to its archive storage, which must not get the token.
		plans:     &http.Client{Transport: t, Timeout: downloadTimeout, CheckRedirect: noDowngrade},
		callbacks: &http.Client{Transport: t, Timeout: callbackTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	if r.getenv == nil {
		r.getenv = func(string) string { return "" }
	}
	if r.maxPlan == 0 {
		r.maxPlan = MaxPlanBytes
	}
	if r.retryWait == 0 {
		r.retryWait = time.Second
	}
	return r
}

func noDowngrade(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return errors.New("refused a redirect from https to http")
	}
	return nil
}

// Run judges the job's plan and calls back; its error is the callback's: the result did not
// reach HCP Terraform. The callback is sent even when ctx has ended, so a job that ran out of
// time or was stopped says so rather than leave HCP Terraform waiting.
func (r *Runner) Run(ctx context.Context, job Job) error {
	log := r.log.With(jobAttrs(job.Request)...)
	start := time.Now()
	judging, cancel := context.WithTimeout(ctx, JobTimeout-callbackBudget)
	defer cancel()
	res := r.result(judging, job.Request)
	calling, cancel := context.WithTimeout(context.WithoutCancel(ctx), callbackBudget)
	defer cancel()
	err := r.callback(calling, job.Request, res)
	log.Info("run task judged", "status", res.Status, "message", res.Message, "outcomes", len(res.Outcomes), "seconds", time.Since(start).Seconds())
	if err != nil {
		log.Error("run task result not delivered", "error", err.Error())
	}
	return err
}

func (r *Runner) result(ctx context.Context, req tfe.RunTaskRequest) tfe.TaskResultCallbackRequestOptions {
	plan, err := r.download(ctx, req.PlanJSONAPIURL, req.AccessToken)
	if err != nil {
		return failure("could not download the plan: " + err.Error())
	}
	v, err := r.judgeSafely(plan)
	if err != nil {
		return failure("could not read the plan: " + err.Error())
	}
	return result(v)
}

// judgeSafely judges a plan, and turns a panic on a shape no rule expects into an error: the
// plan is input, and the judgment runs off the request's goroutine, where a panic would stop
// the server.
func (r *Runner) judgeSafely(plan []byte) (v judge.Verdict, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the policy pack stopped on it: %v", p)
		}
	}()
	return judge.Document(plan, r.getenv)
}

func (r *Runner) download(ctx context.Context, planURL, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, planURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := r.plans.Do(req)
	if err != nil {
		return nil, withoutURL(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HCP Terraform answered %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, r.maxPlan+1))
	if err != nil {
		return nil, withoutURL(err)
	}
	if int64(len(data)) > r.maxPlan {
		return nil, fmt.Errorf("the plan JSON is larger than %d bytes", r.maxPlan)
	}
	return data, nil
}

// withoutURL drops the URL from a client error: after a redirect it is the archive's
// pre-signed URL, a credential.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// callback sends the result, retrying with backoff while HCP Terraform answers 429 or 5xx.
func (r *Runner) callback(ctx context.Context, req tfe.RunTaskRequest, res tfe.TaskResultCallbackRequestOptions) error {
	var body bytes.Buffer
	if err := jsonapi.MarshalPayloadWithoutIncluded(&body, &res); err != nil {
		return err
	}
	wait := r.retryWait
	for attempt := 1; ; attempt++ {
		status, err := r.patch(ctx, req.TaskResultCallbackURL, req.AccessToken, body.Bytes())
		if err != nil || status/100 == 2 {
			return err
		}
		err = fmt.Errorf("callback: HCP Terraform answered %d %s", status, http.StatusText(status))
		if (status != http.StatusTooManyRequests && status < 500) || attempt == callbackAttempts {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("%w; gave up: %v", err, ctx.Err())
		}
		wait *= 2
	}
}

// patch sends one callback (https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run-tasks/run-tasks-integration#run-task-callback).
func (r *Runner) patch(ctx context.Context, callbackURL, token string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, callbackURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", jsonapi.MediaType)
	req.Header.Set("Accept", jsonapi.MediaType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := r.callbacks.Do(req)
	if err != nil {
		return 0, withoutURL(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection is reused
	return resp.StatusCode, nil
}
