// Package runtask deploys the policy pack as Terraform Cloud's mandatory post-plan run task: a
// Go Lambda function (stacks/runtask/lambda) behind an HTTP API that answers only on its custom
// domain, its HMAC key in Secrets Manager under a customer-managed key, its logs in KMS log
// groups, alarms on its errors and throttles (PCI-DSS 6.5.1, 6.5.3: the change gate runs in
// the runner).
package runtask

import (
	"crypto/sha256"
	"encoding/base64"
	"os"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2api"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2integration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2route"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchmetricalarm"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lambdafunction"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lambdafunctioneventinvokeconfig"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lambdapermission"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/secretsmanagersecret"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/edge"
	"github.com/scalepayments/infra/constructs/keys"
	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/constructs/role"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// SecretVariable names the function's environment variable holding the HMAC key secret's ARN.
const SecretVariable = "SCALEPAYMENTS_RUN_TASK_HMAC_SECRET_ARN"

// Props configures the run task.
type Props struct {
	Namer   naming.Namer
	Account iam.Account
	Domain  string  // run-task.<zone>: what Terraform Cloud calls
	ZoneID  *string // the public zone the domain is in
	// Bundle is the function's zip (make lambda), referenced by its content hash.
	Bundle     string
	SecretName string
	// Environment holds the function's other variables: the account ids the pack judges with.
	Environment map[string]string
	// AlarmTopicARN receives the function's error and throttle alarms.
	AlarmTopicARN                                            *string
	LogRetentionDays, DeletionWindowDays, SecretRecoveryDays int
}

// RunTask is what the account stack outputs and the tests read.
type RunTask struct {
	Function lambdafunction.LambdaFunction
	API      apigatewayv2api.Apigatewayv2Api
	Secret   secretsmanagersecret.SecretsmanagerSecret
	URL      string // https://<domain>/
}

// New creates the run task.
func New(scope constructs.Construct, id string, props *Props) *RunTask {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	n, a := props.Namer, props.Account
	name := n.Name(naming.MaxLambdaName, "run-task")
	key := keys.Key(scope, &keys.Props{Namer: n, Account: a, DeletionWindowDays: props.DeletionWindowDays},
		"run-task", "The run task's HMAC key and logs", keys.LogsStatement(a)).Arn()
	r := &RunTask{URL: "https://" + props.Domain + "/"}
	r.Secret = secretsmanagersecret.NewSecretsmanagerSecret(scope, jsii.String(naming.HMACKeyID), &secretsmanagersecret.SecretsmanagerSecretConfig{
		Name:                 jsii.String(props.SecretName),
		Description:          jsii.String("HMAC key Terraform Cloud signs run task requests with; value set by make run-task-key, never by Terraform"),
		KmsKeyId:             key,
		RecoveryWindowInDays: jsii.Number(float64(props.SecretRecoveryDays)),
		Tags:                 naming.NameTag(props.SecretName),
	})
	group := logs.New(scope, "logs", &logs.Props{Name: "/aws/lambda/" + name, RetentionDays: props.LogRetentionDays, KMSKeyARN: key})
	fn := a.ARN("lambda", "function:"+name)
	exec := role.New(scope, "role", &role.Props{
		Name: n.Global(naming.MaxIAMRoleName, "run-task"), Service: "lambda.amazonaws.com", Account: a,
		Policies: map[string]string{"run": iam.Policy(permissions(a, fn, *group.Arn(), *r.Secret.Arn(), *key)...)},
	})
	bundle, hash := asset(scope, props.Bundle)
	vars := map[string]string{SecretVariable: *r.Secret.Arn()}
	for k, v := range props.Environment {
		vars[k] = v
	}
	r.Function = lambdafunction.NewLambdaFunction(scope, jsii.String("function"), &lambdafunction.LambdaFunctionConfig{
		FunctionName:   jsii.String(name),
		Description:    jsii.String("ScalePayments policy pack: Terraform Cloud post-plan run task"),
		Role:           exec.Role.Arn(),
		Runtime:        jsii.String("provided.al2023"),
		Handler:        jsii.String("bootstrap"),
		Architectures:  jsii.Strings("arm64"),
		Filename:       bundle,
		SourceCodeHash: jsii.String(hash),
		// Memory buys CPU: a production plan (a few MB of JSON) is judged in well under a second.
		MemorySize: jsii.Number(1024),
		// The judgment runs in the function's own asynchronous invocation, which gives a job five
		// minutes and then still calls back; HCP Terraform waits up to ten minutes for it.
		Timeout:       jsii.Number(360),
		Environment:   &lambdafunction.LambdaFunctionEnvironment{Variables: help.Pointers(vars)},
		LoggingConfig: &lambdafunction.LambdaFunctionLoggingConfig{LogFormat: jsii.String("JSON"), LogGroup: group.Name()},
		// The first request must find its log group and its role's grants.
		DependsOn: exec.After(group.CloudwatchLogGroup),
		Tags:      naming.NameTag(name),
	})
	// A job calls back exactly once, passed or failed (both final): a retry could send a second
	// result, so none (stacks/runtask/README.md). A job that never calls back fails its run after
	// HCP Terraform's ten minutes: closed, not open.
	lambdafunctioneventinvokeconfig.NewLambdaFunctionEventInvokeConfig(scope, jsii.String("async"), &lambdafunctioneventinvokeconfig.LambdaFunctionEventInvokeConfigConfig{
		FunctionName: r.Function.FunctionName(), MaximumRetryAttempts: jsii.Number(0), MaximumEventAgeInSeconds: jsii.Number(600),
	})
	r.api(scope, props, key)
	alarms(scope, props, r.Function.FunctionName())
	return r
}

// permissions are the function's: write its logs, read and decrypt (through Secrets Manager
// only, for that secret) its HMAC key, and invoke itself asynchronously for the judgment.
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html (Secrets
// Manager's encryption context is the secret's ARN).
func permissions(a iam.Account, function, group, secret, key string) []iam.Statement {
	decrypt := iam.Allow("DecryptTheKeyThroughSecretsManager", []string{"kms:Decrypt"}, []string{key})
	decrypt.Condition = map[string]map[string]any{"StringEquals": {"kms:ViaService": a.ServiceHost("secretsmanager"), "kms:EncryptionContext:SecretARN": secret}}
	return []iam.Statement{
		iam.Allow("WriteItsLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, []string{group + ":*"}),
		iam.Allow("ReadTheHMACKey", []string{"secretsmanager:GetSecretValue"}, []string{secret}),
		decrypt,
		iam.Allow("JudgeAsynchronously", []string{"lambda:InvokeFunction"}, []string{function}),
	}
}

// asset copies the bundle into the stack's output (cdktf assets) and returns its path there and
// the base64 SHA-256 of its bytes, which Lambda compares to decide whether the code changed.
func asset(scope constructs.Construct, path string) (*string, string) {
	data, err := os.ReadFile(path)
	if err != nil {
		panic(err.Error() + ": build it first (make lambda)") // the command checks this before synth
	}
	sum := sha256.Sum256(data)
	a := cdktf.NewTerraformAsset(scope, jsii.String("bundle"), &cdktf.TerraformAssetConfig{Path: jsii.String(path), Type: cdktf.AssetType_FILE})
	return a.Path(), base64.StdEncoding.EncodeToString(sum[:])
}

// api serves the function at https://<domain>/ only: POST / (run task requests) and GET
// /healthz, throttled and logged; API Gateway alone may invoke the function, and only for
// this API (no public function policy, no function URL).
func (r *RunTask) api(scope constructs.Construct, props *Props, key *string) {
	n := props.Namer
	name := n.Name(naming.MaxAPIGatewayName, "run-task")
	r.API = apigatewayv2api.NewApigatewayv2Api(scope, jsii.String("api"), &apigatewayv2api.Apigatewayv2ApiConfig{
		Name: jsii.String(name), ProtocolType: jsii.String("HTTP"), DisableExecuteApiEndpoint: jsii.Bool(true), Tags: naming.NameTag(name),
	})
	integration := apigatewayv2integration.NewApigatewayv2Integration(scope, jsii.String("integration"), &apigatewayv2integration.Apigatewayv2IntegrationConfig{
		ApiId: r.API.Id(), IntegrationType: jsii.String("AWS_PROXY"), IntegrationUri: r.Function.InvokeArn(),
		PayloadFormatVersion: jsii.String("2.0"), TimeoutMilliseconds: jsii.Number(10000),
	})
	for _, route := range []string{"POST /", "GET /healthz"} {
		apigatewayv2route.NewApigatewayv2Route(scope, jsii.String("route-"+naming.Slug(route)), &apigatewayv2route.Apigatewayv2RouteConfig{
			ApiId: r.API.Id(), RouteKey: jsii.String(route), Target: jsii.String("integrations/" + *integration.Id()),
		})
	}
	// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
	lambdapermission.NewLambdaPermission(scope, jsii.String("api-invokes"), &lambdapermission.LambdaPermissionConfig{
		StatementId: jsii.String("ApiGatewayInvokes"), Action: jsii.String("lambda:InvokeFunction"),
		FunctionName: r.Function.FunctionName(), Principal: jsii.String("apigateway.amazonaws.com"),
		SourceArn: jsii.String(*r.API.ExecutionArn() + "/*"),
	})
	edge.Front(scope, &edge.FrontProps{
		Namer: n, APIID: r.API.Id(), Name: "run-task", Domain: props.Domain, ZoneID: props.ZoneID,
		CertificateARN: edge.Certificate(scope, props.Domain, props.ZoneID),
		// Terraform Cloud calls once per run and workspace; bursts stay far below this.
		RateLimit: 10, BurstLimit: 20,
		LogGroupName: n.Path("apigateway", "run-task"), LogsKeyARN: key, LogRetentionDays: props.LogRetentionDays,
	})
}

// alarms page the account's findings topic when the function fails or is throttled: a run
// task that cannot answer fails every run it gates (enforcement mandatory).
func alarms(scope constructs.Construct, props *Props, function *string) {
	for _, metric := range []string{"Errors", "Throttles"} {
		name := props.Namer.Name(naming.MaxName, "run-task", metric)
		cloudwatchmetricalarm.NewCloudwatchMetricAlarm(scope, jsii.String("alarm-"+metric), &cloudwatchmetricalarm.CloudwatchMetricAlarmConfig{
			AlarmName:          jsii.String(name),
			AlarmDescription:   jsii.String("The policy pack run task's Lambda function reports " + metric + ": Terraform Cloud runs it gates fail until it answers"),
			Namespace:          jsii.String("AWS/Lambda"),
			MetricName:         jsii.String(metric),
			Dimensions:         help.Pointers(map[string]string{"FunctionName": *function}),
			Statistic:          jsii.String("Sum"),
			Period:             jsii.Number(300),
			EvaluationPeriods:  jsii.Number(1),
			Threshold:          jsii.Number(0),
			ComparisonOperator: jsii.String("GreaterThanThreshold"),
			TreatMissingData:   jsii.String("notBreaching"),
			AlarmActions:       &[]*string{props.AlarmTopicARN},
			OkActions:          &[]*string{props.AlarmTopicARN},
			Tags:               naming.NameTag(name),
		})
	}
}
