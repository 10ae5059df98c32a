package unit

import (
	"encoding/json"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/constructs/waf"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/tests"
)

// What the web ACL attaches to, as the plain values the stack would pass.
const wafLogsKey = "arn:aws:kms:us-east-1:111122223333:key/logs"

func wafALB(env envconfig.Environment) string {
	return "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/sp-" + env.Code + "-alb/0123456789abcdef"
}

// wafOf is the WAF construct of env alone, configured as the stack configures it where env has a
// WAF (whether it has one is the stack's choice, tested in integration).
func wafOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("waf", env, func(stack cdktf.TerraformStack) {
		waf.New(stack, "waf", &waf.Props{
			Namer: stacks.EnvNamer(env), RateLimit: env.WAFRateLimit, ALBARN: jsii.String(wafALB(env)),
			LogsKeyARN: jsii.String(wafLogsKey), LogRetentionDays: env.LogRetentionDays,
		})
	})
}

func TestWAFOnTheALBInStagingAndProd(t *testing.T) {
	want := map[string]struct{ rateLimit, retention int }{
		"staging": {2000, 30},
		"prod":    {1000, 365},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		w, ok := want[env.Name]
		if !ok {
			t.Skip("the stack builds no WAF in " + env.Name + " (integration)")
		}
		d := wafOf(env)
		name := "scalepayments-" + env.Name + "-waf"
		tests.Has(t, d, "aws_wafv2_web_acl", map[string]any{
			"name": name, "scope": "REGIONAL", "default_action": map[string]any{"allow": map[string]any{}},
			"visibility_config": map[string]any{"cloudwatch_metrics_enabled": true, "sampled_requests_enabled": true, "metric_name": name},
		})
		acl := d.One("aws_wafv2_web_acl")
		var rules []struct {
			Name             string
			Priority         int
			Action           map[string]any
			OverrideAction   map[string]any
			Statement        map[string]map[string]any
			VisibilityConfig struct {
				CloudWatchMetricsEnabled, SampledRequestsEnabled bool
				MetricName                                       string
			}
		}
		require.NoError(t, json.Unmarshal([]byte(acl["rule_json"].(string)), &rules))
		var names []string
		var priorities []int
		for _, r := range rules {
			names, priorities = append(names, r.Name), append(priorities, r.Priority)
			assert.True(t, r.VisibilityConfig.CloudWatchMetricsEnabled && r.VisibilityConfig.SampledRequestsEnabled, r.Name)
			assert.Equal(t, r.Name, r.VisibilityConfig.MetricName)
		}
		assert.Equal(t, []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet",
			"AWSManagedRulesAmazonIpReputationList", "RateLimitPerClient"}, names)
		assert.Equal(t, []int{10, 20, 30, 40, 50}, priorities)
		for _, r := range rules[:4] {
			assert.Equal(t, map[string]any{"VendorName": "AWS", "Name": r.Name}, r.Statement["ManagedRuleGroupStatement"])
			assert.Equal(t, map[string]any{"None": map[string]any{}}, r.OverrideAction, "the managed rules' own actions")
		}
		assert.Equal(t, map[string]any{"Block": map[string]any{}}, rules[4].Action)
		rate := rules[4].Statement["RateBasedStatement"]
		assert.EqualValues(t, w.rateLimit, rate["Limit"])
		assert.EqualValues(t, 300, rate["EvaluationWindowSec"])
		assert.Equal(t, "FORWARDED_IP", rate["AggregateKeyType"])
		assert.Equal(t, map[string]any{"HeaderName": "X-Forwarded-For", "FallbackBehavior": "MATCH"}, rate["ForwardedIPConfig"])

		aclARN := tests.RefTo("aws_wafv2_web_acl", d.OneName("aws_wafv2_web_acl"), "arn")
		tests.Has(t, d, "aws_wafv2_web_acl_association", map[string]any{"resource_arn": wafALB(env), "web_acl_arn": aclARN})
		assert.Equal(t, 1, d.Count("aws_wafv2_web_acl_association"), "on the ALB it is given, nothing else")
		logging := d.One("aws_wafv2_web_acl_logging_configuration")
		assert.Equal(t, aclARN, logging["resource_arn"])
		destinations := tests.Strings(logging["log_destination_configs"])
		require.Len(t, destinations, 1)
		lg, ok := d.Ref(destinations[0])
		require.True(t, ok)
		assert.Equal(t, "aws_cloudwatch_log_group", lg.Type)
		assert.Equal(t, "aws-waf-logs-scalepayments-"+env.Name, lg.Body["name"], "WAF delivers only to aws-waf-logs-*")
		assert.Equal(t, wafLogsKey, lg.Body["kms_key_id"])
		assert.EqualValues(t, w.retention, lg.Body["retention_in_days"])
		assert.Equal(t, []any{
			map[string]any{"single_header": map[string]any{"name": "authorization"}},
			map[string]any{"single_header": map[string]any{"name": "cookie"}},
		}, logging["redacted_fields"])
	})
}
