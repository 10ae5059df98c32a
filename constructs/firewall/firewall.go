// Package firewall creates every security group of the traffic chain up front and the
// rules between them from one table of allowed flows (design §1, PCI-DSS 1.2, 1.3).
package firewall

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupegressrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"

	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/help/netplan"
)

// Group names one security group of the chain.
type Group string

const (
	VPCLink   Group = "vpc-link"
	ALB       Group = "alb"
	Tasks     Group = "tasks"
	Aurora    Group = "aurora"
	Redis     Group = "redis"
	Endpoints Group = "endpoints"
	// Internet is not a group: a flow to it is egress to 0.0.0.0/0 (through NAT).
	Internet Group = "internet"
)

// Groups in creation order.
var Groups = []Group{VPCLink, ALB, Tasks, Aurora, Redis, Endpoints}

// Flow is one allowed TCP flow. Each becomes an egress rule on From and, unless To is
// Internet, an ingress rule on To, each referencing the other group, never a CIDR.
type Flow struct {
	From, To    Group
	Port        int
	Description string
}

// Flows is the whole firewall: anything not listed is denied. Data stores have no egress.
var Flows = []Flow{
	{VPCLink, ALB, netplan.HTTPSPort, "API Gateway VPC link to the internal ALB HTTPS listener"},
	{ALB, Tasks, netplan.ContainerPort, "ALB to service containers"},
	{Tasks, Aurora, netplan.PostgresPort, "services to Aurora PostgreSQL (TLS enforced by rds.force_ssl)"},
	{Tasks, Redis, netplan.RedisPort, "services to ElastiCache Redis (TLS in transit)"},
	{Tasks, Endpoints, netplan.HTTPSPort, "services to AWS APIs through interface endpoints"},
	{Tasks, Internet, netplan.HTTPSPort, "services to AWS APIs, ECR layers in S3 and payment processors through NAT"},
}

// Props configures the firewall.
type Props struct {
	Namer naming.Namer
	VPCID *string
	// Endpoints creates the endpoints group and its flows (where the VPC has interface endpoints).
	Endpoints bool
}

// Firewall holds the security groups by name.
type Firewall struct {
	Groups map[Group]securitygroup.SecurityGroup
}

// ID returns the id of a group.
func (f *Firewall) ID(g Group) *string { return f.Groups[g].Id() }

// New creates the groups and the rules of Flows.
func New(scope constructs.Construct, id string, props *Props) *Firewall {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	f := &Firewall{Groups: map[Group]securitygroup.SecurityGroup{}}
	for _, g := range Groups {
		if g == Endpoints && !props.Endpoints {
			continue
		}
		name := props.Namer.Name(naming.MaxSecurityGroupName, string(g))
		f.Groups[g] = securitygroup.NewSecurityGroup(scope, jsii.String(string(g)), &securitygroup.SecurityGroupConfig{
			Name:        jsii.String(name),
			Description: jsii.String(fmt.Sprintf("ScalePayments %s (rules in constructs/firewall)", g)),
			VpcId:       props.VPCID,
			Tags:        naming.NameTag(name),
		})
	}
	for _, fl := range Flows {
		if _, ok := f.Groups[fl.To]; !ok && fl.To != Internet {
			continue
		}
		rule := fmt.Sprintf("%s-to-%s-%d", fl.From, fl.To, fl.Port)
		// The ingress and egress rule configurations have the same fields: one literal serves both.
		in := vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
			SecurityGroupId: f.ID(fl.From),
			IpProtocol:      jsii.String("tcp"),
			FromPort:        jsii.Number(float64(fl.Port)),
			ToPort:          jsii.Number(float64(fl.Port)),
			Description:     jsii.String(fl.Description),
			Tags:            naming.NameTag(rule),
		}
		out := vpcsecuritygroupegressrule.VpcSecurityGroupEgressRuleConfig(in)
		if fl.To == Internet {
			out.CidrIpv4 = jsii.String("0.0.0.0/0")
		} else {
			out.ReferencedSecurityGroupId = f.ID(fl.To)
			in.SecurityGroupId, in.ReferencedSecurityGroupId = f.ID(fl.To), f.ID(fl.From)
			vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(scope, jsii.String(rule+"-in"), &in)
		}
		vpcsecuritygroupegressrule.NewVpcSecurityGroupEgressRule(scope, jsii.String(rule+"-out"), &out)
	}
	return f
}
