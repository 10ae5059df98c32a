// Package notify creates a KMS-encrypted SNS topic with its subscribers and the EventBridge
// rules that publish to it: where alarms, failed deployments and security findings reach
// people (PCI-DSS 10.7, 12.10.5).
package notify

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatcheventrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatcheventtarget"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/snstopic"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/snstopicpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/snstopicsubscription"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
)

// Props configures one topic.
type Props struct {
	Namer     naming.Namer
	Account   iam.Account
	Name      string // the topic's name part: scalepayments-<env>-<Name>
	KMSKeyARN *string
	Notify    envconfig.Notifications
	// CloudWatchAlarms lets CloudWatch alarms of this account publish.
	CloudWatchAlarms bool
	// Events are EventBridge patterns by rule name; each rule publishes to the topic.
	Events map[string]any
}

// Topic is the topic and its event rules by name.
type Topic struct {
	snstopic.SnsTopic
	Events map[string]cloudwatcheventrule.CloudwatchEventRule
}

// New creates the topic (construct id id), its policy (id-policy), subscriptions and event
// rules in scope itself, not in a scope of its own: the construct that owns the topic keeps its
// addresses.
func New(scope constructs.Construct, id string, props *Props) *Topic {
	n := props.Namer
	name := n.Name(naming.MaxSNSTopicName, props.Name)
	t := &Topic{Events: map[string]cloudwatcheventrule.CloudwatchEventRule{}}
	t.SnsTopic = snstopic.NewSnsTopic(scope, jsii.String(id), &snstopic.SnsTopicConfig{
		Name: jsii.String(name), KmsMasterKeyId: props.KMSKeyARN, Tags: naming.NameTag(name),
	})
	var statements []iam.Statement
	if props.CloudWatchAlarms {
		// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
		publish := iam.ServiceAllow("CloudWatchPublishes", "cloudwatch.amazonaws.com", []string{"sns:Publish"}, []string{*t.Arn()})
		publish.Condition = map[string]map[string]any{"StringEquals": {"aws:SourceAccount": props.Account.ID}}
		statements = append(statements, publish)
	}
	// "You can't use Condition blocks in Amazon SNS topic policies for EventBridge."
	// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
	events := iam.ServiceAllow("EventBridgePublishes", "events.amazonaws.com", []string{"sns:Publish"}, []string{*t.Arn()})
	policy := snstopicpolicy.NewSnsTopicPolicy(scope, jsii.String(id+"-policy"), &snstopicpolicy.SnsTopicPolicyConfig{
		Arn: t.Arn(), Policy: jsii.String(iam.Policy(append(statements, events)...)),
	})
	endpoints := map[string]string{}
	for _, e := range props.Notify.Emails {
		endpoints[e] = "email"
	}
	for _, u := range props.Notify.HTTPS {
		endpoints[u] = "https"
	}
	for _, e := range help.SortedKeys(endpoints) {
		snstopicsubscription.NewSnsTopicSubscription(scope, jsii.String("subscription-"+naming.Slug(e)), &snstopicsubscription.SnsTopicSubscriptionConfig{
			TopicArn: t.Arn(), Protocol: jsii.String(endpoints[e]), Endpoint: jsii.String(e),
		})
	}
	for _, rule := range help.SortedKeys(props.Events) {
		t.route(scope, n, rule, props.Events[rule], policy)
	}
	return t
}

func (t *Topic) route(scope constructs.Construct, n naming.Namer, name string, pattern any, policy cdktf.ITerraformDependable) {
	ruleName := n.Name(naming.MaxEventRuleName, name)
	rule := cloudwatcheventrule.NewCloudwatchEventRule(scope, jsii.String("event-"+name), &cloudwatcheventrule.CloudwatchEventRuleConfig{
		Name:         jsii.String(ruleName),
		Description:  jsii.String("Routes " + name + " events to the alarm topic"),
		EventPattern: jsii.String(help.Document(pattern)),
		Tags:         naming.NameTag(ruleName),
	})
	// No role on an SNS target: EventBridge publishes under the topic policy (a role breaks
	// delivery to KMS-encrypted topics).
	cloudwatcheventtarget.NewCloudwatchEventTarget(scope, jsii.String("event-"+name+"-target"), &cloudwatcheventtarget.CloudwatchEventTargetConfig{
		Rule: rule.Name(), Arn: t.Arn(), TargetId: jsii.String("alarm-topic"),
		DependsOn: &[]cdktf.ITerraformDependable{policy},
	})
	t.Events[name] = rule
}
