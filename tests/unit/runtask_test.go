package unit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/runtask"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/tests"
)

// runTaskBundle holds "bootstrap" and nothing else: its base64 SHA-256 is runTaskHash.
const (
	runTaskTopic = "arn:aws:sns:us-east-1:444455556666:scalepayments-prod-security-findings"
	runTaskHash  = "MzwE3RUaKmgxwDnLmmUd8pGYvooE4WzoYdS2o0oRyVQ=" // sha256("bootstrap")
)

// runTaskOf is the run task alone, configured as the production account stack configures it.
func runTaskOf(t *testing.T) *tests.Doc {
	bundle := filepath.Join(t.TempDir(), "run-task.zip")
	require.NoError(t, os.WriteFile(bundle, []byte("bootstrap"), 0o644))
	env := envconfig.Environment{Name: "prod", Region: "us-east-1"}
	return tests.Minimal("run-task", env, func(stack cdktf.TerraformStack) {
		runtask.New(stack, "run-task", &runtask.Props{
			Namer:   naming.Namer{Env: "prod", Code: "prod", Region: "us-east-1", Home: "us-east-1"},
			Account: tests.TestAccount, Domain: "run-task.scalepayments.com", ZoneID: jsii.String("Z0123456789"),
			Bundle: bundle, SecretName: "scalepayments-account-prod/run-task/hmac-key",
			Environment:   map[string]string{"SCALEPAYMENTS_ACCOUNT_PROD": "444455556666"},
			AlarmTopicARN: jsii.String(runTaskTopic), LogRetentionDays: 365, DeletionWindowDays: 30, SecretRecoveryDays: 30,
		})
	})
}

// The function runs the bundle by its content hash on provided.al2023, reads its key's ARN and
// the account ids from its environment, logs to its own KMS log group, and waits for the log
// group and its role's grants.
func TestRunTaskFunction(t *testing.T) {
	d := runTaskOf(t)
	fn := d.One("aws_lambda_function")
	secret := tests.RefTo("aws_secretsmanager_secret", d.OneName("aws_secretsmanager_secret"), "arn")
	group := d.NameOf("aws_cloudwatch_log_group", "/aws/lambda/scalepayments-prod-run-task")
	policy := tests.RefTo("aws_iam_role_policy", d.OneName("aws_iam_role_policy"), "")
	assert.Equal(t, "scalepayments-prod-run-task", fn["function_name"])
	assert.Equal(t, "provided.al2023", fn["runtime"])
	assert.Equal(t, "bootstrap", fn["handler"])
	assert.Equal(t, []any{"arm64"}, fn["architectures"])
	assert.Equal(t, runTaskHash, fn["source_code_hash"])
	assert.Regexp(t, `^assets/run-task_bundle_[0-9A-F]+/[0-9A-F]+/run-task\.zip$`, fn["filename"])
	assert.EqualValues(t, 1024, fn["memory_size"])
	assert.EqualValues(t, 360, fn["timeout"])
	assert.Equal(t, map[string]any{"variables": map[string]any{runtask.SecretVariable: secret, "SCALEPAYMENTS_ACCOUNT_PROD": "444455556666"}}, fn["environment"])
	assert.Equal(t, map[string]any{"log_format": "JSON", "log_group": tests.RefTo("aws_cloudwatch_log_group", group, "name")}, fn["logging_config"])
	assert.ElementsMatch(t, []any{"aws_cloudwatch_log_group." + group, policy[2 : len(policy)-2]}, fn["depends_on"])
	tests.Has(t, d, "aws_cloudwatch_log_group", map[string]any{"name": "/aws/lambda/scalepayments-prod-run-task", "retention_in_days": 365})
	tests.Has(t, d, "aws_lambda_function_event_invoke_config", map[string]any{"maximum_retry_attempts": 0, "maximum_event_age_in_seconds": 600})
	assert.Zero(t, d.Count("aws_lambda_function_url"), "no function URL")
	assert.Equal(t, 1, d.Count("aws_lambda_permission"), "API Gateway's, nothing else")
}

// The role writes its logs, reads and decrypts (through Secrets Manager only) its one key, and
// invokes itself for the judgment: nothing else.
func TestRunTaskRoleIsLeastPrivilege(t *testing.T) {
	d := runTaskOf(t)
	role := d.One("aws_iam_role")
	assert.Equal(t, "scalepayments-prod-run-task", role["name"])
	trust := tests.Statements(role["assume_role_policy"])
	require.Len(t, trust, 1)
	assert.Equal(t, map[string]any{"Service": "lambda.amazonaws.com"}, trust[0].Principal)
	secret := tests.RefTo("aws_secretsmanager_secret", d.OneName("aws_secretsmanager_secret"), "arn")
	key := tests.RefTo("aws_kms_key", d.OneName("aws_kms_key"), "arn")
	group := tests.RefTo("aws_cloudwatch_log_group", d.NameOf("aws_cloudwatch_log_group", "/aws/lambda/scalepayments-prod-run-task"), "arn")
	decrypt := iam.Allow("DecryptTheKeyThroughSecretsManager", []string{"kms:Decrypt"}, []string{key})
	decrypt.Condition = map[string]map[string]any{"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "kms:EncryptionContext:SecretARN": secret}}
	assert.Equal(t, []iam.Statement{
		iam.Allow("WriteItsLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, []string{group + ":*"}),
		iam.Allow("ReadTheHMACKey", []string{"secretsmanager:GetSecretValue"}, []string{secret}),
		decrypt,
		iam.Allow("JudgeAsynchronously", []string{"lambda:InvokeFunction"}, []string{"arn:aws:lambda:us-east-1:111122223333:function:scalepayments-prod-run-task"}),
	}, tests.Statements(d.One("aws_iam_role_policy")["policy"]))
}

// The HMAC key lives in Secrets Manager under the run task's own key, its value set out of band.
func TestRunTaskKeepsItsHMACKeyInSecretsManager(t *testing.T) {
	d := runTaskOf(t)
	secret := d.One("aws_secretsmanager_secret")
	assert.Equal(t, "scalepayments-account-prod/run-task/hmac-key", secret["name"])
	assert.Equal(t, tests.RefTo("aws_kms_key", d.OneName("aws_kms_key"), "arn"), secret["kms_key_id"])
	assert.EqualValues(t, 30, secret["recovery_window_in_days"])
	assert.Zero(t, d.Count("aws_secretsmanager_secret_version"), "no value in configuration or state")
	tests.Has(t, d, "aws_kms_key", map[string]any{"enable_key_rotation": true, "deletion_window_in_days": 30})
}

// Terraform Cloud reaches the function only at https://run-task.<zone>/ (POST / and GET /healthz),
// TLS 1.2, throttled and logged; API Gateway may invoke it only for this API.
func TestRunTaskIsReachedOnlyThroughItsDomain(t *testing.T) {
	d := runTaskOf(t)
	api := d.One("aws_apigatewayv2_api")
	assert.Equal(t, true, api["disable_execute_api_endpoint"])
	assert.Equal(t, "HTTP", api["protocol_type"])
	var routes []any
	for _, r := range d.List("aws_apigatewayv2_route") {
		routes = append(routes, r["route_key"])
	}
	assert.ElementsMatch(t, []any{"POST /", "GET /healthz"}, routes)
	tests.Has(t, d, "aws_apigatewayv2_integration", map[string]any{"integration_type": "AWS_PROXY", "payload_format_version": "2.0"})
	perm := d.One("aws_lambda_permission")
	assert.Equal(t, "apigateway.amazonaws.com", perm["principal"])
	assert.Equal(t, tests.RefTo("aws_apigatewayv2_api", d.OneName("aws_apigatewayv2_api"), "execution_arn")+"/*", perm["source_arn"])
	stage := d.One("aws_apigatewayv2_stage")
	assert.Equal(t, map[string]any{"throttling_rate_limit": float64(10), "throttling_burst_limit": float64(20), "detailed_metrics_enabled": true}, stage["default_route_settings"])
	assert.Equal(t, tests.RefTo("aws_cloudwatch_log_group", d.NameOf("aws_cloudwatch_log_group", "/scalepayments/prod/apigateway/run-task"), "arn"),
		tests.Block(stage["access_log_settings"])["destination_arn"])
	tests.Has(t, d, "aws_apigatewayv2_domain_name", map[string]any{"domain_name": "run-task.scalepayments.com",
		"domain_name_configuration": map[string]any{"security_policy": "TLS_1_2", "endpoint_type": "REGIONAL"}})
	tests.Has(t, d, "aws_route53_record", map[string]any{"name": "run-task.scalepayments.com", "type": "A", "zone_id": "Z0123456789"})
	tests.Has(t, d, "aws_acm_certificate", map[string]any{"domain_name": "run-task.scalepayments.com", "validation_method": "DNS"})
}

// Errors and throttles page the account's findings topic, and so does their end.
func TestRunTaskAlarms(t *testing.T) {
	d := runTaskOf(t)
	var names []any
	for _, a := range d.List("aws_cloudwatch_metric_alarm") {
		names = append(names, a["alarm_name"])
		assert.Equal(t, "AWS/Lambda", a["namespace"])
		assert.EqualValues(t, 0, a["threshold"])
		assert.Equal(t, []any{runTaskTopic}, a["alarm_actions"])
		assert.Equal(t, []any{runTaskTopic}, a["ok_actions"])
	}
	assert.ElementsMatch(t, []any{"scalepayments-prod-run-task-Errors", "scalepayments-prod-run-task-Throttles"}, names)
}
