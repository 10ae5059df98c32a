package unit

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/bucket"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/help/netplan"
	"github.com/scalepayments/infra/tests"
)

func TestALBIsInternalAndHardened(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		alb := d.One("aws_lb")
		assert.Equal(t, true, alb["internal"])
		assert.Equal(t, "application", alb["load_balancer_type"])
		assert.Equal(t, []any{sgRef(d, "alb")}, alb["security_groups"])
		assert.Equal(t, true, alb["drop_invalid_header_fields"])
		assert.Equal(t, d.Env.Name != "dev", alb["enable_deletion_protection"], d.Env.Name)
		assert.ElementsMatch(t, subnetRefs(d, netplan.Private), tests.Strings(alb["subnets"]))
		logs := alb["access_logs"].(tests.Body)
		assert.Equal(t, true, logs["enabled"])
		bucket, ok := d.Ref(logs["bucket"])
		require.True(t, ok)
		assert.Equal(t, "aws_s3_bucket", bucket.Type)
	}
}

// configOf returns the one resource of typ that configures a bucket.
func configOf(t *testing.T, d *tests.Doc, typ, bucket string) tests.Body {
	var found []tests.Body
	for _, r := range d.List(typ) {
		if r["bucket"] == tests.RefTo("aws_s3_bucket", bucket, "id") {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "%s %s for %s", d.Env.Name, typ, bucket)
	return found[0]
}

func TestEveryBucketIsLockedDown(t *testing.T) {
	docs := []*tests.Doc{dev, staging, prod} // the ALB access-log bucket
	for _, a := range tests.Accounts() {
		docs = append(docs, a.Doc) // the audit bucket
	}
	for _, d := range docs {
		require.Equal(t, 2, d.Count("aws_s3_bucket"), d.Env.Name) // and the S3 server access-log bucket
		for name, b := range d.Resources("aws_s3_bucket") {
			accessLogs := strings.Contains(b["bucket"].(string), "-s3-access-logs-")
			assert.NotContains(t, b, "force_destroy")
			assert.Equal(t, "Enabled", configOf(t, d, "aws_s3_bucket_versioning", name)["versioning_configuration"].(tests.Body)["status"])
			assert.Equal(t, "BucketOwnerEnforced", configOf(t, d, "aws_s3_bucket_ownership_controls", name)["rule"].(tests.Body)["object_ownership"])
			pab := configOf(t, d, "aws_s3_bucket_public_access_block", name)
			for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
				assert.Equal(t, true, pab[k], k)
			}
			sse := tests.Block(tests.Block(configOf(t, d, "aws_s3_bucket_server_side_encryption_configuration", name)["rule"])["apply_server_side_encryption_by_default"])
			if strings.Contains(b["bucket"].(string), "-alb-logs-") || accessLogs {
				assert.Equal(t, map[string]any{"sse_algorithm": "AES256"}, sse, "ALB and S3 access logs support SSE-S3 only")
			} else {
				assert.Equal(t, map[string]any{"sse_algorithm": "aws:kms", "kms_master_key_id": d.KeyRef("audit")}, sse)
			}
			var policy iam.PolicyDocument
			require.NoError(t, json.Unmarshal([]byte(configOf(t, d, "aws_s3_bucket_policy", name)["policy"].(string)), &policy))
			assert.Equal(t, "DenyInsecureTransport", policy.Statement[0].Sid)
			assert.Equal(t, "Deny", policy.Statement[0].Effect)
			assert.Equal(t, map[string]any{"aws:SecureTransport": "false"}, policy.Statement[0].Condition["Bool"])
			if accessLogs {
				// "Grant permissions to the logging service principal by using a bucket policy"
				// (enable-server-access-logging.html): only the stack's other bucket, only its prefix.
				var source string
				for other, ob := range d.Resources("aws_s3_bucket") {
					if other != name {
						source = ob["bucket"].(string)
					}
				}
				require.Len(t, policy.Statement, 2)
				s := policy.Statement[1]
				assert.Equal(t, "logging.s3.amazonaws.com", s.Principal["Service"], "Security Hub S3.9: the other bucket logs here")
				assert.Equal(t, []string{"s3:PutObject"}, s.Action)
				assert.Equal(t, []string{tests.RefTo("aws_s3_bucket", name, "arn") + "/" + source + "/*"}, s.Resource)
				assert.Equal(t, map[string]map[string]any{
					"ArnLike":      {"aws:SourceArn": "arn:${data.aws_partition.partition.partition}:s3:::" + source},
					"StringEquals": {"aws:SourceAccount": "${data.aws_caller_identity.caller.account_id}"},
				}, s.Condition)
			} else {
				logging := configOf(t, d, "aws_s3_bucket_logging", name)
				target, ok := d.Ref(logging["target_bucket"])
				require.True(t, ok)
				assert.Contains(t, target.Name, bucket.AccessLogsID, "Security Hub S3.9: server access logs go to the stack's access-log bucket")
				assert.Equal(t, b["bucket"].(string)+"/", logging["target_prefix"], "under the prefix the target's policy grants")
				deps := tests.Strings(logging["depends_on"])
				require.Len(t, deps, 1)
				grant, ok := d.Ref("${" + deps[0] + ".id}")
				require.True(t, ok, deps[0])
				granted, _ := d.Ref(grant.Body["bucket"])
				assert.Equal(t, "aws_s3_bucket_policy", grant.Type)
				assert.Equal(t, target.Name, granted.Name, "logging is switched on after the target's grant")
			}
			rule := tests.Block(configOf(t, d, "aws_s3_bucket_lifecycle_configuration", name)["rule"])
			days := tests.Block(rule["expiration"])["days"].(float64)
			assert.GreaterOrEqual(t, days, 365.0, "kept at least a year (PCI-DSS 10.5.1)")
		}
	}
}

func TestHTTPSListenerWithStrongPolicyAndDefault404(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		l := d.One("aws_lb_listener")
		assert.Equal(t, "HTTPS", l["protocol"])
		assert.EqualValues(t, 443, l["port"])
		assert.Equal(t, "ELBSecurityPolicy-TLS13-1-2-2021-06", l["ssl_policy"])
		cert, ok := d.Ref(l["certificate_arn"])
		require.True(t, ok)
		assert.Equal(t, "aws_acm_certificate_validation", cert.Type, "the listener waits for a validated certificate")
		action := tests.Block(l["default_action"])
		assert.Equal(t, "fixed-response", action["type"])
		assert.Equal(t, "404", action["fixed_response"].(tests.Body)["status_code"])
	}
}

func TestListenerRulesRouteEachPathToItsService(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		routes := map[string]string{}
		for _, r := range d.ListenerRules() {
			require.Len(t, r.Paths, 1)
			routes[r.Paths[0]] = r.TargetGroup.Body["name"].(string)
		}
		code := map[string]string{"dev": "dev", "staging": "stg", "prod": "prd"}[d.Env.Name]
		assert.Equal(t, map[string]string{
			"/api/*": "sp-" + code + "-api", "/payment/*": "sp-" + code + "-payment", "/notification/*": "sp-" + code + "-notification",
		}, routes)
		for _, tg := range d.List("aws_lb_target_group") {
			assert.Equal(t, "ip", tg["target_type"])
			assert.EqualValues(t, 8080, tg["port"])
			assert.Equal(t, "30", tg["deregistration_delay"])
			assert.LessOrEqual(t, len(tg["name"].(string)), naming.MaxTargetGroupName)
			hc := tg["health_check"].(tests.Body)
			assert.Regexp(t, `^/(api|payment|notification)/health$`, hc["path"])
		}
	}
}

func TestAPIGatewayIsTheOnlyFrontDoor(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		api := d.One("aws_apigatewayv2_api")
		assert.Equal(t, "HTTP", api["protocol_type"])
		assert.Equal(t, true, api["disable_execute_api_endpoint"])
		assert.Equal(t, tests.Strings(api["cors_configuration"].(tests.Body)["allow_origins"]), d.Env.CORSAllowedOrigins)

		link := d.One("aws_apigatewayv2_vpc_link")
		assert.Equal(t, []any{sgRef(d, "vpc-link")}, link["security_group_ids"])
		assert.Len(t, link["subnet_ids"], len(d.Env.AvailabilityZones))

		in := d.One("aws_apigatewayv2_integration")
		assert.Equal(t, "HTTP_PROXY", in["integration_type"])
		assert.Equal(t, "VPC_LINK", in["connection_type"])
		assert.Equal(t, tests.RefTo("aws_apigatewayv2_vpc_link", d.OneName("aws_apigatewayv2_vpc_link"), "id"), in["connection_id"])
		assert.Equal(t, tests.RefTo("aws_lb_listener", d.OneName("aws_lb_listener"), "arn"), in["integration_uri"])
		assert.Equal(t, map[string]any{"server_name_to_verify": d.Env.APIDomain}, in["tls_config"])

		var keys []string
		for _, r := range d.List("aws_apigatewayv2_route") {
			keys = append(keys, r["route_key"].(string))
			assert.Equal(t, "integrations/"+tests.RefTo("aws_apigatewayv2_integration", d.OneName("aws_apigatewayv2_integration"), "id"), r["target"])
		}
		assert.ElementsMatch(t, []string{"ANY /api/{proxy+}", "ANY /payment/{proxy+}", "ANY /notification/{proxy+}"}, keys)
	}
}

func TestStageThrottlesAndLogsEveryRequest(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		st := d.One("aws_apigatewayv2_stage")
		assert.Equal(t, "$default", st["name"])
		assert.Equal(t, true, st["auto_deploy"])
		rs := st["default_route_settings"].(tests.Body)
		assert.EqualValues(t, d.Env.APIThrottle.RateLimit, rs["throttling_rate_limit"])
		assert.EqualValues(t, d.Env.APIThrottle.BurstLimit, rs["throttling_burst_limit"])
		als := st["access_log_settings"].(tests.Body)
		lg, ok := d.Ref(als["destination_arn"])
		require.True(t, ok)
		assert.Equal(t, d.KeyRef("logs"), lg.Body["kms_key_id"])
		var format map[string]string
		require.NoError(t, json.Unmarshal([]byte(als["format"].(string)), &format), "JSON access logs")
		assert.Equal(t, "$context.requestId", format["requestId"])
		assert.Equal(t, "$context.identity.sourceIp", format["ip"])
	}
}

func TestCustomDomainWithTLS12AndAlias(t *testing.T) {
	for _, tt := range []struct {
		d      *tests.Doc
		domain string
	}{{dev, "api.dev.scalepayments.com"}, {staging, "api.staging.scalepayments.com"}, {prod, "api.scalepayments.com"}} {
		d := tt.d
		dn := d.One("aws_apigatewayv2_domain_name")
		assert.Equal(t, tt.domain, dn["domain_name"])
		cfg := dn["domain_name_configuration"].(tests.Body)
		assert.Equal(t, "TLS_1_2", cfg["security_policy"])
		assert.Equal(t, "REGIONAL", cfg["endpoint_type"])
		assert.Equal(t, tt.domain, d.One("aws_acm_certificate")["domain_name"])
		assert.Equal(t, "DNS", d.One("aws_acm_certificate")["validation_method"])
		// Regression: RSA, the key type API Gateway custom domains and ALB listeners both document.
		assert.Equal(t, "RSA_2048", d.One("aws_acm_certificate")["key_algorithm"])
		m := d.One("aws_apigatewayv2_api_mapping")
		assert.Equal(t, tests.RefTo("aws_apigatewayv2_stage", d.OneName("aws_apigatewayv2_stage"), "id"), m["stage"])
		var alias tests.Body
		for _, r := range d.List("aws_route53_record") {
			if r["name"] == tt.domain {
				alias = r
			}
		}
		require.NotNil(t, alias)
		assert.Equal(t, "A", alias["type"])
		assert.Contains(t, alias["alias"].(tests.Body)["name"], "domain_name_configuration[0].target_domain_name")
		assert.Equal(t, "https://"+tt.domain, d.Root["output"].(tests.Body)["api_url"].(tests.Body)["value"])
	}
}

// Every resource that takes security groups takes exactly its own group of the chain.
func TestEachResourceUsesOnlyItsOwnSecurityGroup(t *testing.T) {
	want := map[string]string{
		"aws_lb": "alb", "aws_apigatewayv2_vpc_link": "vpc-link", "aws_rds_cluster": "aurora",
		"aws_elasticache_replication_group": "redis", "aws_vpc_endpoint": "endpoints",
	}
	for _, d := range []*tests.Doc{dev, staging, prod} {
		for _, r := range d.Each() {
			var groups any
			for _, attr := range []string{"security_groups", "security_group_ids", "vpc_security_group_ids"} {
				if g, ok := r.Body[attr]; ok {
					groups = g
				}
			}
			if net, ok := r.Body["network_configuration"].(tests.Body); ok {
				groups = net["security_groups"]
			}
			if groups == nil {
				continue
			}
			group := want[r.Type]
			if r.Type == "aws_ecs_service" {
				group = r.Body["name"].(string) + "-tasks" // each service its own group
			}
			require.NotEmpty(t, group, "%s takes security groups: add it to the chain", r.Address())
			assert.Equal(t, []any{sgRef(d, group)}, groups, r.Address())
		}
	}
}
