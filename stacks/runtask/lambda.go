package runtask

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// The Lambda's environment.
const (
	// SecretARNVariable names the Secrets Manager secret whose SecretString is the HMAC key.
	SecretARNVariable = "SCALEPAYMENTS_RUN_TASK_HMAC_SECRET_ARN"
	// FunctionNameVariable is set by Lambda: the function invokes itself by it.
	FunctionNameVariable = "AWS_LAMBDA_FUNCTION_NAME"
	invokeTimeout        = 5 * time.Second
)

// LambdaSettings reads the function's name and the key's secret from the environment.
func LambdaSettings(getenv func(string) string) (function, secretARN string, err error) {
	var errs []error
	for _, v := range []string{FunctionNameVariable, SecretARNVariable} {
		if getenv(v) == "" {
			errs = append(errs, fmt.Errorf("%s is not set", v))
		}
	}
	return getenv(FunctionNameVariable), getenv(SecretARNVariable), errors.Join(errs...)
}

// LambdaConfig is what the Lambda needs.
type LambdaConfig struct {
	Key KeyFunc // SecretKey.Key
	// Invoke invokes this function asynchronously (InvocationType Event) with payload.
	Invoke   func(ctx context.Context, payload []byte) error
	AllowURL URLPolicy // nil: HCPTerraform
	Runner   RunnerConfig
	Logger   *slog.Logger
}

// Lambda is the run task behind an API Gateway HTTP API. Lambda freezes the function once it
// has answered, so a job cannot be left to a goroutine: the function hands it to its own
// asynchronous invocation, which judges it.
type Lambda struct {
	handler *Handler
	runner  *Runner
	invoke  func(context.Context, []byte) error
}

// jobEvent is the asynchronous invocation's event: the request as HCP Terraform signed it.
type jobEvent struct {
	Job *signed `json:"scalepayments_run_task_job"`
}

type signed struct {
	Body      []byte `json:"body"`
	Signature string `json:"signature"`
}

// NewLambda returns the function of cfg.
func NewLambda(cfg LambdaConfig) (*Lambda, error) {
	if cfg.Invoke == nil {
		return nil, errors.New("runtask: LambdaConfig needs Invoke")
	}
	l := &Lambda{runner: NewRunner(cfg.Runner), invoke: cfg.Invoke}
	h, err := New(Config{Key: cfg.Key, AllowURL: cfg.AllowURL, Dispatch: l.dispatch, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	l.handler = h
	return l, nil
}

func (l *Lambda) dispatch(ctx context.Context, job Job) error {
	payload, err := json.Marshal(jobEvent{&signed{job.Body, job.Signature}})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, invokeTimeout)
	defer cancel()
	return l.invoke(ctx, payload)
}

// Handle answers one invocation: an API Gateway HTTP API request (payload format 2.0), or a job
// the function sent itself. Only a job that does not verify is an error: a judged job reports
// through its callback and the logs, because a retry by Lambda would call back a result HCP
// Terraform may already have.
func (l *Lambda) Handle(ctx context.Context, event json.RawMessage) (any, error) {
	var job jobEvent
	if err := json.Unmarshal(event, &job); err == nil && job.Job != nil {
		return nil, l.judge(ctx, job.Job.Body, job.Job.Signature)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(event, &req); err != nil || req.RequestContext.HTTP.Method == "" {
		return nil, errors.New("runtask: neither an API Gateway HTTP API request (payload format 2.0) nor a run task job")
	}
	return l.serve(ctx, req), nil
}

// judge verifies the job again, so only a request HCP Terraform signed is judged, whoever may
// invoke the function.
func (l *Lambda) judge(ctx context.Context, body []byte, signature string) error {
	job, ok, err := l.handler.Accept(ctx, body, signature)
	if err != nil || !ok {
		return fmt.Errorf("runtask: job refused: %v", err)
	}
	l.runner.Run(ctx, job) // it logs a result it could not deliver
	return nil
}

func (l *Lambda) serve(ctx context.Context, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	rec := httptest.NewRecorder()
	r, err := request(ctx, ev)
	if err != nil {
		answer(rec, http.StatusBadRequest, err.Error())
	} else {
		l.handler.ServeHTTP(rec, r)
	}
	out := events.APIGatewayV2HTTPResponse{StatusCode: rec.Code, Headers: map[string]string{}, Body: rec.Body.String()}
	for k := range rec.Header() {
		out.Headers[k] = rec.Header().Get(k)
	}
	return out
}

// request is the HTTP request an API Gateway HTTP API event carries.
func request(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, fmt.Errorf("body: %v", err)
		}
	}
	target := ev.RawPath
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	r, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range ev.Headers {
		r.Header.Set(k, v)
	}
	r.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	return r, nil
}
