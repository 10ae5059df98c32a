package runtask

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// function is the Lambda with its self-invocations recorded instead of sent.
type function struct {
	*Lambda
	invoked [][]byte
}

func newFunction(t *testing.T, invokeErr error) *function {
	f := &function{}
	l, err := NewLambda(LambdaConfig{
		Key:      StaticKey(testKey),
		AllowURL: Loopback,
		Invoke: func(_ context.Context, payload []byte) error {
			f.invoked = append(f.invoked, payload)
			return invokeErr
		},
		Runner: RunnerConfig{RetryWait: 1},
	})
	require.NoError(t, err)
	f.Lambda = l
	return f
}

// apiEvent is an API Gateway HTTP API event (payload format 2.0) as Lambda receives it.
func apiEvent(t *testing.T, method, path string, body []byte, headers map[string]string) json.RawMessage {
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: path, Headers: headers,
		Body: base64.StdEncoding.EncodeToString(body), IsBase64Encoded: true}
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path, ev.RequestContext.HTTP.SourceIP = method, path, "198.51.100.7"
	return marshal(t, ev)
}

func (f *function) handle(t *testing.T, event json.RawMessage) events.APIGatewayV2HTTPResponse {
	t.Helper()
	out, err := f.Handle(context.Background(), event)
	require.NoError(t, err)
	return out.(events.APIGatewayV2HTTPResponse)
}

// The request answers at once and hands the signed request to the function's own
// asynchronous invocation, which judges it and calls back.
func TestTheLambdaInvokesItselfWithTheJobAndJudgesItThere(t *testing.T) {
	tfc := newFakeTFC(t)
	tfc.servePlan("a", devPlan(t, loadBalancer("edge_alb_1A2B3C4D", true)))
	body := marshal(t, runTaskRequest(tfc.URL, "a"))
	f := newFunction(t, nil)

	resp := f.handle(t, apiEvent(t, http.MethodPost, "/", body, map[string]string{"x-tfc-task-signature": sign(testKey, body), "content-type": "application/json"}))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, f.invoked, 1)
	assert.JSONEq(t, `{"scalepayments_run_task_job": {"body": "`+base64.StdEncoding.EncodeToString(body)+`", "signature": "`+sign(testKey, body)+`"}}`, string(f.invoked[0]))
	assert.Zero(t, tfc.requests.Load(), "nothing is judged before the answer")

	out, err := f.Handle(context.Background(), f.invoked[0])
	require.NoError(t, err)
	assert.Nil(t, out)
	c := tfc.waitCallbacks(t, 1)[0]
	assert.Equal(t, "failed", c.Result.Data.Attributes.Status)
	require.Len(t, c.Result.Data.Relationships.Outcomes.Data, 1)
	assert.Equal(t, "SP-NET-002", c.Result.Data.Relationships.Outcomes.Data[0].Attributes.OutcomeID)
}

// A result HCP Terraform refuses is not retried by Lambda either: judging again would not help.
func TestAJobWhoseCallbackFailsEndsWithoutError(t *testing.T) {
	tfc := newFakeTFC(t)
	tfc.servePlan("a", devPlan(t))
	tfc.answerCallbacks(http.StatusUnprocessableEntity)
	body := marshal(t, runTaskRequest(tfc.URL, "a"))
	out, err := newFunction(t, nil).Handle(context.Background(), marshal(t, jobEvent{&signed{body, sign(testKey, body)}}))
	assert.NoError(t, err)
	assert.Nil(t, out)
	tfc.waitCallbacks(t, 1)
}

// Whoever may invoke the function cannot have it judge and call back a request HCP Terraform
// did not sign.
func TestAJobIsVerifiedAgain(t *testing.T) {
	tfc := newFakeTFC(t)
	body := marshal(t, runTaskRequest(tfc.URL, "a"))
	forged := marshal(t, jobEvent{&signed{body, sign([]byte("not the key, but 32 bytes or more"), body)}})
	_, err := newFunction(t, nil).Handle(context.Background(), forged)
	assert.EqualError(t, err, "runtask: job refused: the request signature does not verify")
	assert.Zero(t, tfc.requests.Load())
}

func TestTheLambdaAnswersLikeTheServer(t *testing.T) {
	body := marshal(t, runTaskRequest("http://127.0.0.1:1", "a"))
	tests := []struct {
		name    string
		event   json.RawMessage
		invoke  error
		status  int
		invoked int
	}{
		{"health", apiEvent(t, http.MethodGet, "/healthz", nil, nil), nil, http.StatusOK, 0},
		{"unsigned", apiEvent(t, http.MethodPost, "/", body, nil), nil, http.StatusUnauthorized, 0},
		{"malformed", apiEvent(t, http.MethodPost, "/", []byte("{"), map[string]string{"x-tfc-task-signature": sign(testKey, []byte("{"))}), nil, http.StatusBadRequest, 0},
		{"not base64", json.RawMessage(`{"rawPath": "/", "body": "%%%", "isBase64Encoded": true, "requestContext": {"http": {"method": "POST"}}}`), nil, http.StatusBadRequest, 0},
		{"invoke fails", apiEvent(t, http.MethodPost, "/", body, map[string]string{"x-tfc-task-signature": sign(testKey, body)}), errors.New("throttled"), http.StatusServiceUnavailable, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFunction(t, tt.invoke)
			resp := f.handle(t, tt.event)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, "text/plain; charset=utf-8", resp.Headers["Content-Type"])
			assert.Len(t, f.invoked, tt.invoked)
		})
	}
}

func TestAnUnknownEventIsAnError(t *testing.T) {
	for _, event := range []string{`{"Records": []}`, `[]`, `{"scalepayments_run_task_job": null}`} {
		_, err := newFunction(t, nil).Handle(context.Background(), json.RawMessage(event))
		assert.EqualError(t, err, "runtask: neither an API Gateway HTTP API request (payload format 2.0) nor a run task job", event)
	}
}

func TestLambdaSettings(t *testing.T) {
	fn, arn, err := LambdaSettings(env{FunctionNameVariable: "run-task", SecretARNVariable: "arn:aws:secretsmanager:us-east-1:444455556666:secret:run-task-hmac"}.get)
	require.NoError(t, err)
	assert.Equal(t, "run-task", fn)
	assert.Equal(t, "arn:aws:secretsmanager:us-east-1:444455556666:secret:run-task-hmac", arn)
	_, _, err = LambdaSettings(env{}.get)
	assert.EqualError(t, err, "AWS_LAMBDA_FUNCTION_NAME is not set\nSCALEPAYMENTS_RUN_TASK_HMAC_SECRET_ARN is not set")
}

type env map[string]string

func (e env) get(name string) string { return e[name] }
