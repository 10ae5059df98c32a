// Package egress limits outbound traffic to what the services declare (PCI-DSS 1.3.2, 1.4):
// a Route 53 Resolver DNS Firewall in every VPC that answers only for the declared domains and
// AWS's, with every query logged, and where egress is inspected an AWS Network Firewall whose
// stateful rules let out only TLS and HTTP to the declared domains and drop everything else.
package egress

import (
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchlogresourcepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/networkfirewallfirewall"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/networkfirewallfirewallpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/networkfirewallloggingconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/networkfirewallrulegroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53resolverfirewallconfig"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53resolverfirewalldomainlist"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53resolverfirewallrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53resolverfirewallrulegroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53resolverfirewallrulegroupassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53resolverquerylogconfig"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53resolverquerylogconfigassociation"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// AWSDomains are the names every VPC must resolve besides the declared ones: AWS service
// endpoints (ECR, logs, Secrets Manager, RDS and ElastiCache endpoints, S3) and EC2's internal
// host names.
var AWSDomains = []string{"amazonaws.com", "*.amazonaws.com", "*.ec2.internal", "*.compute.internal"}

// Props configures the egress controls of one VPC.
type Props struct {
	Namer   naming.Namer
	Account iam.Account
	VPCID   *string
	// Domains are the third-party hosts the services declare (envconfig ExternalDomains).
	Domains          []string
	LogsKeyARN       *string
	LogRetentionDays int
	// FirewallSubnetIDs by AZ turns on the Network Firewall, one endpoint per AZ; nil: DNS
	// Firewall only.
	FirewallSubnetIDs map[string]*string
	AvailabilityZones []string
	// Protect refuses changes nobody meant (envconfig ChangeProtection): the DNS Firewall
	// association's mutation protection, the Network Firewall's delete, subnet and policy change
	// protection. Each blocks an operation (destroy, a VPC replacement, adding an AZ) until an
	// apply lifts it: the provider turns none of them off before it deletes or changes.
	Protect bool
}

// Egress exposes the controls and, with a Network Firewall, its endpoint per AZ.
type Egress struct {
	DNSRuleGroup route53resolverfirewallrulegroup.Route53ResolverFirewallRuleGroup
	QueryLogs    *logs.Group
	Firewall     networkfirewallfirewall.NetworkfirewallFirewall // nil without inspection
	FirewallLogs map[string]*logs.Group                          // ALERT and FLOW
}

// New creates the controls.
func New(scope constructs.Construct, id string, props *Props) *Egress {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	e := &Egress{FirewallLogs: map[string]*logs.Group{}}
	e.QueryLogs = e.logGroup(scope, "dns-query-logs", props, "dns-queries")
	groups := []*string{e.QueryLogs.Arn()}
	if props.FirewallSubnetIDs != nil {
		for _, kind := range firewallLogTypes {
			e.FirewallLogs[kind] = e.logGroup(scope, "firewall-"+kind+"-logs", props, "network-firewall", kind)
			groups = append(groups, e.FirewallLogs[kind].Arn())
		}
	}
	// Vended-log delivery to our groups, stated once instead of left to AWS's automatic
	// account-wide policy: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html
	deliver := iam.ServiceAllow("VendedLogDelivery", "delivery.logs.amazonaws.com", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, nil)
	for _, g := range groups {
		deliver.Resource = append(deliver.Resource, *g+":log-stream:*")
	}
	deliver.Condition = map[string]map[string]any{
		"StringEquals": {"aws:SourceAccount": props.Account.ID},
		"ArnLike":      {"aws:SourceArn": props.Account.ARN("logs", "*")},
	}
	// The same page: create the policy "yourself first before you set up the logging", else AWS
	// writes one of its own (10 per region at most) while the logging is set up.
	delivery := &[]cdktf.ITerraformDependable{cloudwatchlogresourcepolicy.NewCloudwatchLogResourcePolicy(scope, jsii.String("log-delivery"), &cloudwatchlogresourcepolicy.CloudwatchLogResourcePolicyConfig{
		PolicyName:     jsii.String(props.Namer.Name(naming.MaxName, "egress-log-delivery")),
		PolicyDocument: jsii.String(iam.Policy(deliver)),
	})}
	e.dnsFirewall(scope, props, delivery)
	if props.FirewallSubnetIDs != nil {
		e.networkFirewall(scope, props, delivery)
	}
	return e
}

// firewallLogTypes are the Network Firewall logs kept, each in its group.
var firewallLogTypes = []string{"ALERT", "FLOW"}

func (e *Egress) logGroup(scope constructs.Construct, id string, props *Props, parts ...string) *logs.Group {
	// The /aws/vendedlogs/ prefix is what AWS recommends for logs that services deliver.
	return logs.New(scope, id, &logs.Props{
		Name: "/aws/vendedlogs" + props.Namer.Path(parts...), RetentionDays: props.LogRetentionDays, KMSKeyARN: props.LogsKeyARN,
	})
}

// fqdns writes domains as the DNS Firewall returns them, with the root's trailing dot: the
// provider stores what AWS answers ("*" comes back "*."), so a list written without the dot
// would show a change on every plan (hashicorp/terraform-provider-aws#23543).
func fqdns(domains []string) []string {
	out := make([]string, len(domains))
	for i, d := range domains {
		out[i] = strings.TrimSuffix(d, ".") + "."
	}
	return out
}

func enabled(on bool) string {
	if on {
		return "ENABLED"
	}
	return "DISABLED"
}

// dnsFirewall answers only for the allowed names and NXDOMAIN for every other, fail-closed.
func (e *Egress) dnsFirewall(scope constructs.Construct, props *Props, delivery *[]cdktf.ITerraformDependable) {
	n := props.Namer
	list := func(id string, domains []string) *string {
		name := n.Name(naming.MaxName, "dns", id)
		return route53resolverfirewalldomainlist.NewRoute53ResolverFirewallDomainList(scope, jsii.String("dns-"+id), &route53resolverfirewalldomainlist.Route53ResolverFirewallDomainListConfig{
			Name: jsii.String(name), Domains: jsii.Strings(domains...), Tags: naming.NameTag(name),
		}).Id()
	}
	name := n.Name(naming.MaxName, "dns-firewall")
	e.DNSRuleGroup = route53resolverfirewallrulegroup.NewRoute53ResolverFirewallRuleGroup(scope, jsii.String("dns-firewall"), &route53resolverfirewallrulegroup.Route53ResolverFirewallRuleGroupConfig{
		Name: jsii.String(name), Tags: naming.NameTag(name),
	})
	rule := func(id, action string, priority int, domains *string) *route53resolverfirewallrule.Route53ResolverFirewallRuleConfig {
		return &route53resolverfirewallrule.Route53ResolverFirewallRuleConfig{
			Name: jsii.String(id), Action: jsii.String(action), Priority: jsii.Number(float64(priority)),
			FirewallDomainListId: domains, FirewallRuleGroupId: e.DNSRuleGroup.Id(),
		}
	}
	allow := rule("allow-declared", "ALLOW", 100, list("allowed", fqdns(append(append([]string{}, AWSDomains...), props.Domains...))))
	// A declared domain is trusted with its CNAME and DNAME chain: with the default
	// (INSPECT_REDIRECTION_DOMAIN) every name in the chain must be listed too, and a processor's
	// CDN host behind api.stripe.com would hit the block rule and answer NXDOMAIN. The chain is
	// its owner's to change without notice; the Network Firewall (production) still checks the
	// TLS SNI of every connection. ("DNS Firewall rule settings": "Inspects only the first
	// domain in the redirection chain")
	allow.FirewallDomainRedirectionAction = jsii.String("TRUST_REDIRECTION_DOMAIN")
	route53resolverfirewallrule.NewRoute53ResolverFirewallRule(scope, jsii.String("dns-allow-declared"), allow)
	block := rule("block-everything-else", "BLOCK", 200, list("everything", fqdns([]string{"*"})))
	block.BlockResponse = jsii.String("NXDOMAIN")
	route53resolverfirewallrule.NewRoute53ResolverFirewallRule(scope, jsii.String("dns-block-everything-else"), block)
	route53resolverfirewallrulegroupassociation.NewRoute53ResolverFirewallRuleGroupAssociation(scope, jsii.String("dns-firewall-association"), &route53resolverfirewallrulegroupassociation.Route53ResolverFirewallRuleGroupAssociationConfig{
		Name: jsii.String(name), FirewallRuleGroupId: e.DNSRuleGroup.Id(), VpcId: props.VPCID,
		// Optional and computed in the provider: leaving it out would keep it ENABLED.
		Priority: jsii.Number(101), MutationProtection: jsii.String(enabled(props.Protect)), Tags: naming.NameTag(name),
	})
	// Fail closed: if the DNS Firewall cannot answer, names do not resolve.
	route53resolverfirewallconfig.NewRoute53ResolverFirewallConfig(scope, jsii.String("dns-firewall-config"), &route53resolverfirewallconfig.Route53ResolverFirewallConfigConfig{
		ResourceId: props.VPCID, FirewallFailOpen: jsii.String("DISABLED"),
	})
	queries := route53resolverquerylogconfig.NewRoute53ResolverQueryLogConfig(scope, jsii.String("dns-query-logging"), &route53resolverquerylogconfig.Route53ResolverQueryLogConfigConfig{
		Name: jsii.String(n.Name(naming.MaxName, "dns-queries")), DestinationArn: e.QueryLogs.Arn(), Tags: naming.NameTag(n.Name(naming.MaxName, "dns-queries")),
		DependsOn: delivery,
	})
	route53resolverquerylogconfigassociation.NewRoute53ResolverQueryLogConfigAssociation(scope, jsii.String("dns-query-logging-association"), &route53resolverquerylogconfigassociation.Route53ResolverQueryLogConfigAssociationConfig{
		ResolverQueryLogConfigId: queries.Id(), ResourceId: props.VPCID,
	})
}

// FirewallCapacity is the stateful rule group's capacity: it cannot change after creation, so
// it leaves room for many more declared domains than today's.
const FirewallCapacity = 100

// networkFirewall lets out only TLS (by SNI) and HTTP (by Host) to the declared domains, and
// with strict rule order drops every other established flow.
// https://docs.aws.amazon.com/network-firewall/latest/developerguide/stateful-rule-groups-domain-names.html
func (e *Egress) networkFirewall(scope constructs.Construct, props *Props, delivery *[]cdktf.ITerraformDependable) {
	n := props.Namer
	name := n.Name(naming.MaxName, "egress-allowlist")
	rules := networkfirewallrulegroup.NewNetworkfirewallRuleGroup(scope, jsii.String("firewall-allowlist"), &networkfirewallrulegroup.NetworkfirewallRuleGroupConfig{
		Name: jsii.String(name), Type: jsii.String("STATEFUL"), Capacity: jsii.Number(FirewallCapacity),
		RuleGroup: &networkfirewallrulegroup.NetworkfirewallRuleGroupRuleGroup{
			StatefulRuleOptions: &networkfirewallrulegroup.NetworkfirewallRuleGroupRuleGroupStatefulRuleOptions{RuleOrder: jsii.String("STRICT_ORDER")},
			RulesSource: &networkfirewallrulegroup.NetworkfirewallRuleGroupRuleGroupRulesSource{
				RulesSourceList: &networkfirewallrulegroup.NetworkfirewallRuleGroupRuleGroupRulesSourceRulesSourceListStruct{
					GeneratedRulesType: jsii.String("ALLOWLIST"),
					TargetTypes:        jsii.Strings("TLS_SNI", "HTTP_HOST"),
					Targets:            jsii.Strings(props.Domains...),
				},
			},
		},
		Tags: naming.NameTag(name),
	})
	policyName := n.Name(naming.MaxName, "egress")
	policy := networkfirewallfirewallpolicy.NewNetworkfirewallFirewallPolicy(scope, jsii.String("firewall-policy"), &networkfirewallfirewallpolicy.NetworkfirewallFirewallPolicyConfig{
		Name: jsii.String(policyName),
		FirewallPolicy: &networkfirewallfirewallpolicy.NetworkfirewallFirewallPolicyFirewallPolicy{
			StatelessDefaultActions:         jsii.Strings("aws:forward_to_sfe"),
			StatelessFragmentDefaultActions: jsii.Strings("aws:forward_to_sfe"),
			StatefulEngineOptions:           &networkfirewallfirewallpolicy.NetworkfirewallFirewallPolicyFirewallPolicyStatefulEngineOptions{RuleOrder: jsii.String("STRICT_ORDER")},
			StatefulDefaultActions:          jsii.Strings("aws:drop_established", "aws:alert_established"),
			StatefulRuleGroupReference: []*networkfirewallfirewallpolicy.NetworkfirewallFirewallPolicyFirewallPolicyStatefulRuleGroupReference{{
				ResourceArn: rules.Arn(), Priority: jsii.Number(100),
			}},
		},
		Tags: naming.NameTag(policyName),
	})
	var mappings []*networkfirewallfirewall.NetworkfirewallFirewallSubnetMapping
	for _, az := range props.AvailabilityZones {
		mappings = append(mappings, &networkfirewallfirewall.NetworkfirewallFirewallSubnetMapping{SubnetId: props.FirewallSubnetIDs[az]})
	}
	fwName := n.Name(naming.MaxName, "egress")
	e.Firewall = networkfirewallfirewall.NewNetworkfirewallFirewall(scope, jsii.String("firewall"), &networkfirewallfirewall.NetworkfirewallFirewallConfig{
		Name: jsii.String(fwName), FirewallPolicyArn: policy.Arn(), VpcId: props.VPCID, SubnetMapping: mappings,
		DeleteProtection: jsii.Bool(props.Protect), FirewallPolicyChangeProtection: jsii.Bool(props.Protect), SubnetChangeProtection: jsii.Bool(props.Protect),
		Tags: naming.NameTag(fwName),
	})
	var destinations []*networkfirewallloggingconfiguration.NetworkfirewallLoggingConfigurationLoggingConfigurationLogDestinationConfig
	for _, kind := range firewallLogTypes {
		destinations = append(destinations, &networkfirewallloggingconfiguration.NetworkfirewallLoggingConfigurationLoggingConfigurationLogDestinationConfig{
			LogDestinationType: jsii.String("CloudWatchLogs"), LogType: jsii.String(kind),
			LogDestination: &map[string]*string{"logGroup": e.FirewallLogs[kind].Name()},
		})
	}
	networkfirewallloggingconfiguration.NewNetworkfirewallLoggingConfiguration(scope, jsii.String("firewall-logging"), &networkfirewallloggingconfiguration.NetworkfirewallLoggingConfigurationConfig{
		FirewallArn:          e.Firewall.Arn(),
		LoggingConfiguration: &networkfirewallloggingconfiguration.NetworkfirewallLoggingConfigurationLoggingConfiguration{LogDestinationConfig: destinations},
		DependsOn:            delivery,
	})
}

// EndpointID is the firewall endpoint in az, read from the firewall's sync states (a set
// Terraform knows only after creation, hence an expression).
func (e *Egress) EndpointID(az string) *string {
	return jsii.String(fmt.Sprintf("${{for s in tolist(%s.firewall_status[0].sync_states) : s.availability_zone => s.attachment[0].endpoint_id}[%q]}",
		*e.Firewall.Fqn(), az))
}
