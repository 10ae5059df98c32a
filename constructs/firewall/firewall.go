// Package firewall creates the security groups of the traffic chain, one per service, and the
// rules between them from one table of allowed flows (design §1, PCI-DSS 1.2, 1.3.2, 1.4).
package firewall

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupegressrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/help/netplan"
)

// Group names one security group of the chain.
type Group string

const (
	VPCLink   Group = "vpc-link"
	ALB       Group = "alb"
	Aurora    Group = "aurora"
	Redis     Group = "redis"
	Endpoints Group = "endpoints"
	// Internet is not a group: a flow to it is egress to 0.0.0.0/0 (through NAT, and in
	// production through the Network Firewall).
	Internet Group = naming.Internet
	// S3 is not a group: a flow to it is egress to the S3 gateway endpoint's prefix list.
	S3 Group = "s3"
)

// Tasks is the group of one service's tasks: no two services share one, so a service reaches
// only what its own flows allow.
func Tasks(service string) Group { return Group(naming.TasksGroup(service)) }

// Flow is one allowed TCP flow. Each becomes an egress rule on From and, where To is a group,
// an ingress rule on To, each referencing the other group, never a CIDR.
type Flow struct {
	From, To    Group
	Port        int
	Description string
}

// Flows is the whole firewall for these services: anything not listed is denied. Data stores
// and endpoints have no egress. With interface endpoints, tasks reach AWS APIs only through
// them (and S3 only through the gateway endpoint); the internet only where a service declares
// third-party domains (or, without endpoints, for the AWS APIs themselves).
func Flows(services []envconfig.Service, endpoints bool) []Flow {
	flows := []Flow{{VPCLink, ALB, netplan.HTTPSPort, "API Gateway VPC link to the internal ALB HTTPS listener"}}
	for _, s := range services {
		t := Tasks(s.Name)
		flows = append(flows, Flow{ALB, t, netplan.ContainerPort, "ALB to " + s.Name + " containers"})
		if s.Database {
			flows = append(flows, Flow{t, Aurora, netplan.PostgresPort, s.Name + " to Aurora PostgreSQL (TLS enforced by rds.force_ssl)"})
		}
		if s.Cache {
			flows = append(flows, Flow{t, Redis, netplan.RedisPort, s.Name + " to ElastiCache Redis (TLS in transit)"})
		}
		switch {
		case endpoints && len(s.ExternalDomains) > 0:
			flows = append(flows, Flow{t, Internet, netplan.HTTPSPort, s.Name + " to its declared third-party domains (DNS Firewall allowlist)"})
		case !endpoints:
			flows = append(flows, Flow{t, Internet, netplan.HTTPSPort, s.Name + " to AWS APIs and its declared domains through NAT (no interface endpoints; DNS Firewall allowlist)"})
		}
		if endpoints {
			flows = append(flows,
				Flow{t, Endpoints, netplan.HTTPSPort, s.Name + " to AWS APIs through interface endpoints"},
				Flow{t, S3, netplan.HTTPSPort, s.Name + " to S3 (ECR image layers) through the gateway endpoint"})
		}
	}
	return flows
}

// Props configures the firewall.
type Props struct {
	Namer    naming.Namer
	VPCID    *string
	Services []envconfig.Service
	// Endpoints creates the endpoints group and routes AWS API traffic through it and through
	// S3PrefixListID (the S3 gateway endpoint's prefix list).
	Endpoints      bool
	S3PrefixListID *string
}

// Firewall holds the security groups by name.
type Firewall struct {
	Groups map[Group]securitygroup.SecurityGroup
	ids    map[Group]*string // read from jsii once per group
}

// ID returns the id of a group.
func (f *Firewall) ID(g Group) *string { return f.ids[g] }

// New creates the groups and the rules of Flows.
func New(scope constructs.Construct, id string, props *Props) *Firewall {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	f := &Firewall{Groups: map[Group]securitygroup.SecurityGroup{}, ids: map[Group]*string{}}
	groups := []Group{VPCLink, ALB, Aurora, Redis}
	for _, s := range props.Services {
		groups = append(groups, Tasks(s.Name))
	}
	if props.Endpoints {
		groups = append(groups, Endpoints)
	}
	for _, g := range groups {
		name := props.Namer.Name(naming.MaxSecurityGroupName, string(g))
		f.Groups[g] = securitygroup.NewSecurityGroup(scope, jsii.String(string(g)), &securitygroup.SecurityGroupConfig{
			Name:        jsii.String(name),
			Description: jsii.String(fmt.Sprintf("ScalePayments %s (rules in constructs/firewall)", g)),
			VpcId:       props.VPCID,
			Tags:        naming.NameTag(name),
		})
		f.ids[g] = f.Groups[g].Id()
	}
	for _, fl := range Flows(props.Services, props.Endpoints) {
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
		switch fl.To {
		case Internet:
			out.CidrIpv4 = jsii.String("0.0.0.0/0")
		case S3:
			out.PrefixListId = props.S3PrefixListID
		default:
			out.ReferencedSecurityGroupId = f.ID(fl.To)
			in.SecurityGroupId, in.ReferencedSecurityGroupId = f.ID(fl.To), f.ID(fl.From)
			vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(scope, jsii.String(rule+"-in"), &in)
		}
		vpcsecuritygroupegressrule.NewVpcSecurityGroupEgressRule(scope, jsii.String(rule+"-out"), &out)
	}
	return f
}
