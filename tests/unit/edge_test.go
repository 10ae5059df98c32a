package unit

import (
	"encoding/json"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsroute53zone"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/edge"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/tests"
)

// edgeLogsKey is the logs key the stack would pass, as a plain value.
const edgeLogsKey = "arn:aws:kms:us-east-1:111122223333:key/logs"

// edgeSubnets are the private subnets the stack would pass, one per AZ.
var edgeSubnets = map[string][]string{
	"dev":     {"subnet-private-a", "subnet-private-b"},
	"staging": {"subnet-private-a", "subnet-private-b"},
	"prod":    {"subnet-private-a", "subnet-private-b", "subnet-private-c"},
}

// edgeOf is the edge of env alone, configured as the stack configures it.
func edgeOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("edge", env, func(stack cdktf.TerraformStack) {
		var names []string
		for _, svc := range env.Services {
			names = append(names, svc.Name)
		}
		edge.New(stack, "edge", &edge.Props{
			Namer: stacks.EnvNamer(env), Account: tests.TestAccount, HostedZone: env.HostedZone, Domain: env.APIDomain,
			Services: names, CORSOrigins: env.CORSAllowedOrigins,
			RateLimit: env.APIThrottle.RateLimit, BurstLimit: env.APIThrottle.BurstLimit,
			DeletionProtect: env.Stage.Floors().Protected, SubnetIDs: jsii.Strings(edgeSubnets[env.Name]...),
			ALBSecurityGroup: jsii.String("sg-alb"), VPCLinkGroup: jsii.String("sg-vpc-link"),
			LogsKeyARN: jsii.String(edgeLogsKey), LogRetentionDays: env.LogRetentionDays,
		})
	})
}

// The design per environment, spelled out.
var (
	edgeCode      = map[string]string{"dev": "dev", "staging": "stg", "prod": "prd"}
	edgeZone      = map[string]string{"dev": "dev.scalepayments.com", "staging": "staging.scalepayments.com", "prod": "scalepayments.com"}
	edgeDomain    = map[string]string{"dev": "api.dev.scalepayments.com", "staging": "api.staging.scalepayments.com", "prod": "api.scalepayments.com"}
	edgeProtected = map[string]bool{"dev": false, "staging": true, "prod": true}
	edgeOrigins   = map[string][]any{"dev": {"*"}, "staging": {"https://scalepayments.com"}, "prod": {"https://scalepayments.com"}}
	edgeThrottle  = map[string][2]int{"dev": {50, 100}, "staging": {200, 400}, "prod": {1000, 2000}}
	edgeRetention = map[string]int{"dev": 7, "staging": 30, "prod": 365}
)

// edgeSubnetList is env's private subnets as the JSON holds them.
func edgeSubnetList(env string) []any {
	var out []any
	for _, s := range edgeSubnets[env] {
		out = append(out, s)
	}
	return out
}

// edgeRef is "${typ.<name>.attr}" for the only resource of typ.
func edgeRef(d *tests.Doc, typ, attr string) string { return tests.RefTo(typ, d.OneName(typ), attr) }

// edgeData is the logical name of the only data source of typ.
func edgeData(t *testing.T, d *tests.Doc, typ string) string {
	t.Helper()
	data, _ := d.Root["data"].(tests.Body)
	sources, _ := data[typ].(tests.Body)
	require.Len(t, sources, 1, "%s: one %s", d.Env.Name, typ)
	for name := range sources {
		return name
	}
	return ""
}

// edgeBucket is the logical name of the bucket named name.
func edgeBucket(t *testing.T, d *tests.Doc, name string) string {
	t.Helper()
	for _, b := range d.Of("aws_s3_bucket") {
		if b.Body["bucket"] == name {
			return b.Name
		}
	}
	require.Failf(t, "no bucket", "%s: no bucket %s", d.Env.Name, name)
	return ""
}

// edgeConfigOf is the only resource of typ that configures the bucket with logical name bucket.
func edgeConfigOf(t *testing.T, d *tests.Doc, typ, bucket string) tests.Body {
	t.Helper()
	var found []tests.Body
	for _, r := range d.List(typ) {
		if r["bucket"] == tests.RefTo("aws_s3_bucket", bucket, "id") {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "%s %s for %s", d.Env.Name, typ, bucket)
	return found[0]
}

func edgeAddressOf(t *testing.T, d *tests.Doc, typ, bucket string) string {
	t.Helper()
	for _, r := range d.Of(typ) {
		if r.Body["bucket"] == tests.RefTo("aws_s3_bucket", bucket, "id") {
			return r.Address()
		}
	}
	require.Failf(t, "no resource", "%s: no %s for %s", d.Env.Name, typ, bucket)
	return ""
}

func TestALBIsInternalAndHardened(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, e := edgeOf(env), env.Name
		require.Equal(t, 1, d.Count("aws_lb"))
		logs := edgeBucket(t, d, "scalepayments-"+e+"-alb-logs-111122223333")
		name := "sp-" + edgeCode[e] + "-alb"
		tests.Has(t, d, "aws_lb", map[string]any{
			"name": name, "internal": true, "load_balancer_type": "application",
			"security_groups": []any{"sg-alb"}, "subnets": edgeSubnetList(e),
			"drop_invalid_header_fields": true, "desync_mitigation_mode": "strictest",
			"enable_deletion_protection": edgeProtected[e],
			"access_logs":                map[string]any{"enabled": true, "prefix": "alb", "bucket": tests.RefTo("aws_s3_bucket", logs, "id")},
			"tags":                       map[string]any{"Name": name},
		})
		// The ALB checks it may write its logs when it is created: after the bucket's policy.
		assert.Equal(t, []any{edgeAddressOf(t, d, "aws_s3_bucket_policy", logs)}, d.One("aws_lb")["depends_on"])
	})
}

// The ALB's access-log bucket: SSE-S3 (the only encryption ALB log delivery supports), kept a
// year, written only by the region's ELB account under alb/, its own access logs in the
// edge's S3 access-log bucket (Security Hub S3.9).
func TestALBLogsGoToAnSSES3BucketOnlyTheELBAccountWrites(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, e := edgeOf(env), env.Name
		require.Equal(t, 2, d.Count("aws_s3_bucket"), "the ALB log bucket and its access-log bucket")
		logsName, accessName := "scalepayments-"+e+"-alb-logs-111122223333", "scalepayments-"+e+"-s3-access-logs-111122223333"
		logs, access := edgeBucket(t, d, logsName), edgeBucket(t, d, accessName)
		for _, b := range []string{logs, access} {
			sse := tests.Block(edgeConfigOf(t, d, "aws_s3_bucket_server_side_encryption_configuration", b)["rule"])
			assert.Equal(t, map[string]any{"sse_algorithm": "AES256"}, sse["apply_server_side_encryption_by_default"], "ALB and S3 access logs support SSE-S3 only")
			assert.Equal(t, 365.0, tests.Block(tests.Block(edgeConfigOf(t, d, "aws_s3_bucket_lifecycle_configuration", b)["rule"])["expiration"])["days"])
		}
		assert.Equal(t, 0, d.Count("aws_s3_bucket_object_lock_configuration"), "S3 and ALB deliver only to buckets without a default retention")
		policy := tests.Statements(edgeConfigOf(t, d, "aws_s3_bucket_policy", logs)["policy"])
		require.Len(t, policy, 2)
		assert.Equal(t, "DenyInsecureTransport", policy[0].Sid)
		assert.Equal(t, iam.Statement{Sid: "ElbWritesAccessLogs", Effect: "Allow",
			Principal: map[string]any{"AWS": tests.RefTo("data.aws_elb_service_account", edgeData(t, d, "aws_elb_service_account"), "arn")},
			Action:    []string{"s3:PutObject"},
			Resource:  []string{tests.RefTo("aws_s3_bucket", logs, "arn") + "/alb/AWSLogs/111122223333/*"},
		}, policy[1])
		logging := edgeConfigOf(t, d, "aws_s3_bucket_logging", logs)
		assert.Equal(t, tests.RefTo("aws_s3_bucket", access, "id"), logging["target_bucket"])
		assert.Equal(t, logsName+"/", logging["target_prefix"])
		assert.Equal(t, []any{edgeAddressOf(t, d, "aws_s3_bucket_policy", access)}, logging["depends_on"], "after the target's grant")
		grant := tests.Statements(edgeConfigOf(t, d, "aws_s3_bucket_policy", access)["policy"])
		require.Len(t, grant, 2)
		assert.Equal(t, iam.Statement{Sid: "S3ServerAccessLogs0", Effect: "Allow", Principal: map[string]any{"Service": "logging.s3.amazonaws.com"},
			Action: []string{"s3:PutObject"}, Resource: []string{tests.RefTo("aws_s3_bucket", access, "arn") + "/" + logsName + "/*"},
			Condition: map[string]map[string]any{
				"ArnLike":      {"aws:SourceArn": "arn:aws:s3:::" + logsName},
				"StringEquals": {"aws:SourceAccount": "111122223333"},
			}}, grant[1])
		assert.Equal(t, 1, d.Count("aws_s3_bucket_logging"), "the access-log bucket does not log itself")
	})
}

func TestHTTPSListenerWithStrongPolicyAndDefault404(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := edgeOf(env)
		require.Equal(t, 1, d.Count("aws_lb_listener"))
		tests.Has(t, d, "aws_lb_listener", map[string]any{
			"load_balancer_arn": edgeRef(d, "aws_lb", "arn"),
			"protocol":          "HTTPS", "port": 443, "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
			// The listener waits for a validated certificate.
			"certificate_arn": edgeRef(d, "aws_acm_certificate_validation", "certificate_arn"),
			"default_action": []any{map[string]any{"type": "fixed-response", "fixed_response": map[string]any{
				"status_code": "404", "content_type": "application/json", "message_body": `{"message":"Not Found"}`,
			}}},
			"tags": map[string]any{"Name": "scalepayments-" + env.Name + "-https"},
		})
	})
}

func TestAPIGatewayIsTheOnlyFrontDoor(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, e := edgeOf(env), env.Name
		tests.Has(t, d, "aws_apigatewayv2_api", map[string]any{
			"name": "scalepayments-" + e + "-api", "protocol_type": "HTTP", "disable_execute_api_endpoint": true,
			"cors_configuration": map[string]any{
				"allow_origins": edgeOrigins[e],
				"allow_methods": []any{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"},
				"allow_headers": []any{"authorization", "content-type", "idempotency-key", "x-request-id"},
				"max_age":       3600,
			},
		})
		require.Equal(t, 1, d.Count("aws_apigatewayv2_vpc_link"))
		tests.Has(t, d, "aws_apigatewayv2_vpc_link", map[string]any{
			"name": "scalepayments-" + e + "-vpc-link", "security_group_ids": []any{"sg-vpc-link"}, "subnet_ids": edgeSubnetList(e),
		})
		require.Equal(t, 1, d.Count("aws_apigatewayv2_integration"))
		tests.Has(t, d, "aws_apigatewayv2_integration", map[string]any{
			"api_id":           edgeRef(d, "aws_apigatewayv2_api", "id"),
			"integration_type": "HTTP_PROXY", "integration_method": "ANY", "payload_format_version": "1.0", "timeout_milliseconds": 29000,
			"connection_type": "VPC_LINK", "connection_id": edgeRef(d, "aws_apigatewayv2_vpc_link", "id"),
			"integration_uri": edgeRef(d, "aws_lb_listener", "arn"),
			// HTTPS to the ALB, verifying its certificate's name.
			"tls_config": map[string]any{"server_name_to_verify": edgeDomain[e]},
		})
		var keys []string
		for _, r := range d.List("aws_apigatewayv2_route") {
			keys = append(keys, r["route_key"].(string))
			assert.Equal(t, "integrations/"+edgeRef(d, "aws_apigatewayv2_integration", "id"), r["target"])
			assert.Equal(t, edgeRef(d, "aws_apigatewayv2_api", "id"), r["api_id"])
		}
		assert.ElementsMatch(t, []string{"ANY /api/{proxy+}", "ANY /payment/{proxy+}", "ANY /notification/{proxy+}"}, keys)
	})
}

func TestStageThrottlesAndLogsEveryRequest(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, e := edgeOf(env), env.Name
		group := "/scalepayments/" + e + "/apigateway/access"
		tests.Has(t, d, "aws_cloudwatch_log_group", map[string]any{"name": group, "kms_key_id": edgeLogsKey, "retention_in_days": edgeRetention[e]})
		require.Equal(t, 1, d.Count("aws_apigatewayv2_stage"))
		tests.Has(t, d, "aws_apigatewayv2_stage", map[string]any{
			"api_id": edgeRef(d, "aws_apigatewayv2_api", "id"), "name": "$default", "auto_deploy": true,
			"default_route_settings": map[string]any{
				"throttling_rate_limit": edgeThrottle[e][0], "throttling_burst_limit": edgeThrottle[e][1], "detailed_metrics_enabled": true,
			},
			"access_log_settings": map[string]any{
				"destination_arn": tests.RefTo("aws_cloudwatch_log_group", d.NameOf("aws_cloudwatch_log_group", group), "arn"),
			},
		})
		var format map[string]string
		require.NoError(t, json.Unmarshal([]byte(d.One("aws_apigatewayv2_stage")["access_log_settings"].(tests.Body)["format"].(string)), &format), "JSON access logs")
		assert.Equal(t, map[string]string{
			"requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
			"httpMethod": "$context.httpMethod", "routeKey": "$context.routeKey", "path": "$context.path", "status": "$context.status",
			"protocol": "$context.protocol", "responseLength": "$context.responseLength", "integrationStatus": "$context.integrationStatus",
			"integrationLatency": "$context.integrationLatency", "responseLatency": "$context.responseLatency",
			"userAgent": "$context.identity.userAgent", "errorMessage": "$context.error.message",
		}, format)
	})
}

func TestCustomDomainWithTLS12AndAlias(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, domain := edgeOf(env), edgeDomain[env.Name]
		zone := map[string]any{"name": edgeZone[env.Name], "private_zone": false}
		assert.True(t, *cdktf.Testing_ToHaveDataSourceWithProperties(&d.JSON, dataawsroute53zone.DataAwsRoute53Zone_TfResourceType(), &zone), "%s: the public zone", env.Name)
		require.Equal(t, 1, d.Count("aws_acm_certificate"))
		tests.Has(t, d, "aws_acm_certificate", map[string]any{
			"domain_name": domain, "validation_method": "DNS",
			// Regression: RSA, the key type API Gateway custom domains and ALB listeners both document.
			"key_algorithm": "RSA_2048",
			"lifecycle":     map[string]any{"create_before_destroy": true},
		})
		tests.Has(t, d, "aws_acm_certificate_validation", map[string]any{"certificate_arn": edgeRef(d, "aws_acm_certificate", "arn")})
		tests.Has(t, d, "aws_apigatewayv2_domain_name", map[string]any{
			"domain_name": domain,
			"domain_name_configuration": map[string]any{
				"certificate_arn": edgeRef(d, "aws_acm_certificate_validation", "certificate_arn"),
				"endpoint_type":   "REGIONAL", "security_policy": "TLS_1_2",
			},
		})
		tests.Has(t, d, "aws_apigatewayv2_api_mapping", map[string]any{
			"api_id": edgeRef(d, "aws_apigatewayv2_api", "id"), "domain_name": edgeRef(d, "aws_apigatewayv2_domain_name", "id"),
			"stage": edgeRef(d, "aws_apigatewayv2_stage", "id"),
		})
		dn := d.OneName("aws_apigatewayv2_domain_name")
		zoneID := tests.RefTo("data.aws_route53_zone", edgeData(t, d, "aws_route53_zone"), "zone_id")
		tests.Has(t, d, "aws_route53_record", map[string]any{
			"zone_id": zoneID, "name": domain, "type": "A",
			"alias": map[string]any{
				"name":                   "${aws_apigatewayv2_domain_name." + dn + ".domain_name_configuration[0].target_domain_name}",
				"zone_id":                "${aws_apigatewayv2_domain_name." + dn + ".domain_name_configuration[0].hosted_zone_id}",
				"evaluate_target_health": false,
			},
		})
		tests.Has(t, d, "aws_route53_record", map[string]any{"zone_id": zoneID, "ttl": 300, "allow_overwrite": true})
	})
}
