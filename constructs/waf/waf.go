// Package waf creates the WAFv2 web ACL on the internal ALB: AWS managed rule groups plus a
// per-client rate limit, with request logs whose credentials are redacted (PCI-DSS 6.4.2, 10.2).
package waf

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/wafv2webacl"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/wafv2webaclassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/wafv2webaclloggingconfiguration"

	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/naming"
)

// ManagedRuleGroups are the AWS rule groups every request passes, in priority order.
var ManagedRuleGroups = []string{
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
	"AWSManagedRulesAmazonIpReputationList",
}

// RedactedHeaders never reach the WAF logs.
var RedactedHeaders = []string{"authorization", "cookie"}

// Props configures the web ACL.
type Props struct {
	Namer            naming.Namer
	RateLimit        int // requests per client IP per 5 minutes
	ALBARN           *string
	LogsKeyARN       *string
	LogRetentionDays int
}

// WAF is the web ACL and its log group.
type WAF struct {
	WebAcl   wafv2webacl.Wafv2WebAcl
	LogGroup *logs.Group
}

// New creates the web ACL, attaches it to the ALB and turns on logging.
func New(scope constructs.Construct, id string, props *Props) *WAF {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	name := props.Namer.Name(naming.MaxWAFName, "waf")
	acl := wafv2webacl.NewWafv2WebAcl(scope, jsii.String("acl"), &wafv2webacl.Wafv2WebAclConfig{
		Name:          jsii.String(name),
		Scope:         jsii.String("REGIONAL"),
		DefaultAction: &wafv2webacl.Wafv2WebAclDefaultAction{Allow: &wafv2webacl.Wafv2WebAclDefaultActionAllow{}},
		VisibilityConfig: &wafv2webacl.Wafv2WebAclVisibilityConfig{
			CloudwatchMetricsEnabled: jsii.Bool(true), SampledRequestsEnabled: jsii.Bool(true), MetricName: jsii.String(name),
		},
		RuleJson: jsii.String(help.MustJSON(Rules(props.RateLimit))),
		Tags:     naming.NameTag(name),
	})
	wafv2webaclassociation.NewWafv2WebAclAssociation(scope, jsii.String("alb"), &wafv2webaclassociation.Wafv2WebAclAssociationConfigA{
		ResourceArn: props.ALBARN, WebAclArn: acl.Arn(),
	})
	// WAF only delivers to log groups whose name starts with aws-waf-logs-.
	group := logs.New(scope, "logs", &logs.Props{
		Name: props.Namer.WAFLogGroup(), RetentionDays: props.LogRetentionDays, KMSKeyARN: props.LogsKeyARN,
	})
	var redacted []*wafv2webaclloggingconfiguration.Wafv2WebAclLoggingConfigurationRedactedFields
	for _, h := range RedactedHeaders {
		redacted = append(redacted, &wafv2webaclloggingconfiguration.Wafv2WebAclLoggingConfigurationRedactedFields{
			SingleHeader: &wafv2webaclloggingconfiguration.Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader{Name: jsii.String(h)},
		})
	}
	wafv2webaclloggingconfiguration.NewWafv2WebAclLoggingConfiguration(scope, jsii.String("logging"), &wafv2webaclloggingconfiguration.Wafv2WebAclLoggingConfigurationConfig{
		ResourceArn:           acl.Arn(),
		LogDestinationConfigs: &[]*string{group.Arn()},
		RedactedFields:        redacted,
	})
	return &WAF{WebAcl: acl, LogGroup: group}
}

// Rules are the web ACL's rules in the WAF API's JSON shape (rule_json).
func Rules(rateLimit int) []map[string]any {
	visibility := func(name string) map[string]any {
		return map[string]any{"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name}
	}
	var rules []map[string]any
	for i, group := range ManagedRuleGroups {
		rules = append(rules, map[string]any{
			"Name":             group,
			"Priority":         (i + 1) * 10,
			"OverrideAction":   map[string]any{"None": map[string]any{}},
			"Statement":        map[string]any{"ManagedRuleGroupStatement": map[string]any{"VendorName": "AWS", "Name": group}},
			"VisibilityConfig": visibility(group),
		})
	}
	return append(rules, map[string]any{
		"Name":     "RateLimitPerClient",
		"Priority": (len(ManagedRuleGroups) + 1) * 10,
		"Action":   map[string]any{"Block": map[string]any{}},
		"Statement": map[string]any{"RateBasedStatement": map[string]any{
			"Limit": rateLimit, "EvaluationWindowSec": 300,
			// Requests arrive from the VPC link: the client is the first X-Forwarded-For address.
			"AggregateKeyType":  "FORWARDED_IP",
			"ForwardedIPConfig": map[string]any{"HeaderName": "X-Forwarded-For", "FallbackBehavior": "MATCH"},
		}},
		"VisibilityConfig": visibility("RateLimitPerClient"),
	})
}
