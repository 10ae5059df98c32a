// Package network creates the VPC in tiers per AZ: public (NAT gateways only), private (tasks,
// ALB, VPC link), database (no route out) and, where egress is inspected, firewall (the Network
// Firewall's endpoints), with flow logs (PCI-DSS 1.3, 10.2).
package network

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/defaultsecuritygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eip"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/flowlog"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/internetgateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/natgateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetable"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetableassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/subnet"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpc"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcendpoint"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/constructs/moved"
	"github.com/scalepayments/infra/constructs/role"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/help/netplan"
)

// Props configures the network of one environment.
type Props struct {
	Namer             naming.Namer
	Account           iam.Account
	CIDR              string
	AvailabilityZones []string
	NATGateways       int // 1 shared, or one per AZ
	// InspectEgress adds the firewall tier: private subnets then egress through the Network
	// Firewall endpoint of their AZ (RouteEgress), and the firewall subnets through the NAT.
	InspectEgress    bool
	LogRetentionDays int
	LogsKeyARN       *string
	// Moves receives the moved blocks of the resources whose ids were positional.
	Moves *moved.Blocks
}

// Network exposes what other constructs attach to. Every per-AZ resource is keyed by its AZ
// name (private-us-east-1a), never by its position in the AZ list.
type Network struct {
	VPC      vpc.Vpc
	Public   []subnet.Subnet // in the order of Props.AvailabilityZones
	Private  []subnet.Subnet
	Database []subnet.Subnet
	Firewall []subnet.Subnet // the firewall tier, where InspectEgress
	// PublicIDs, PrivateIDs and DatabaseIDs are the tiers' subnet ids, read from jsii once.
	PublicIDs, PrivateIDs, DatabaseIDs *[]*string
	NatGateways                        []natgateway.NatGateway
	PrivateRouteTables                 []routetable.RouteTable // one per AZ
	DatabaseRouteTable                 routetable.RouteTable
	FlowLogGroup                       *logs.Group
	S3Endpoint                         vpcendpoint.VpcEndpoint // gateway: its prefix list is S3's egress destination
	path                               []string                // construct path below the stack, for moved blocks
	moves                              *moved.Blocks
	scope                              constructs.Construct
	azs                                []string
	plan                               netplan.SubnetPlan
	publicRouteTables                  map[string]routetable.RouteTable // by AZ, where InspectEgress
}

// New creates the network. props must be valid (envconfig validated it).
func New(scope constructs.Construct, id string, props *Props) *Network {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	plan, err := netplan.PlanSubnets(props.CIDR, props.Account.Region, props.AvailabilityZones)
	if err != nil {
		panic(err) // envconfig validates the CIDR and the AZs before any construct
	}
	n := props.Namer
	v := vpc.NewVpc(scope, jsii.String("vpc"), &vpc.VpcConfig{
		CidrBlock:          jsii.String(props.CIDR),
		EnableDnsHostnames: jsii.Bool(true),
		EnableDnsSupport:   jsii.Bool(true),
		Tags:               naming.NameTag(n.Name(naming.MaxName, "vpc")),
	})
	net := &Network{VPC: v, path: strings.Split(*scope.Node().Path(), "/")[1:], moves: props.Moves, scope: scope, azs: props.AvailabilityZones, plan: plan}
	tiers := netplan.Tiers
	if props.InspectEgress {
		tiers = append(tiers, netplan.Firewall)
	}
	for _, tier := range tiers {
		for i, az := range props.AvailabilityZones {
			name := n.Name(naming.MaxName, tier.String(), az)
			s := subnet.NewSubnet(scope, jsii.String(tier.String()+"-"+az), &subnet.SubnetConfig{
				VpcId:               v.Id(),
				CidrBlock:           jsii.String(plan[tier][az].String()),
				AvailabilityZone:    jsii.String(az),
				MapPublicIpOnLaunch: jsii.Bool(false), // public subnets hold only NAT gateways
				Tags:                naming.NameTag(name),
			})
			if tier != netplan.Firewall { // the firewall tier is new: nothing to move
				net.moved("aws_subnet", tier.String()+"-"+az, fmt.Sprintf("%s-%d", tier, i))
			}
			switch tier {
			case netplan.Public:
				net.Public = append(net.Public, s)
			case netplan.Private:
				net.Private = append(net.Private, s)
			case netplan.Database:
				net.Database = append(net.Database, s)
			case netplan.Firewall:
				net.Firewall = append(net.Firewall, s)
			}
		}
	}
	net.PublicIDs, net.PrivateIDs, net.DatabaseIDs = help.IDs(net.Public), help.IDs(net.Private), help.IDs(net.Database)
	net.routes(scope, props)
	net.flowLogs(scope, props)
	// Adopting the default security group with no rule blocks removes all its rules (CIS 5.4).
	defaultsecuritygroup.NewDefaultSecurityGroup(scope, jsii.String("default-sg"), &defaultsecuritygroup.DefaultSecurityGroupConfig{
		VpcId: v.Id(),
		Tags:  naming.NameTag(n.Name(naming.MaxName, "default-deny-all")),
	})
	net.S3Endpoint = vpcendpoint.NewVpcEndpoint(scope, jsii.String("s3-endpoint"), &vpcendpoint.VpcEndpointConfig{
		VpcId:           v.Id(),
		ServiceName:     jsii.String(fmt.Sprintf("com.amazonaws.%s.s3", props.Account.Region)),
		VpcEndpointType: jsii.String("Gateway"),
		RouteTableIds:   help.IDs(net.PrivateRouteTables),
		Policy:          jsii.String(S3EndpointPolicy(props.Account)),
		Tags:            naming.NameTag(n.Name(naming.MaxName, "s3")),
	})
	return net
}

// S3EndpointPolicy lets the private subnets reach one S3 bucket, the one ECR keeps image layers
// in, and no other: without it the gateway endpoint is a path out to any bucket that neither
// the DNS Firewall nor the Network Firewall sees. AWS's statement, "Minimum Amazon S3 bucket
// permissions for Amazon ECR" (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html):
// the principal stays "*", because ECR hands the tasks pre-signed layer URLs signed by ECR.
func S3EndpointPolicy(a iam.Account) string {
	s := iam.Allow("EcrImageLayersOnly", []string{"s3:GetObject"}, []string{a.S3ARN("prod-"+a.Region+"-starport-layer-bucket") + "/*"})
	s.Principal = map[string]any{"AWS": "*"}
	return iam.Policy(s)
}

func (net *Network) routes(scope constructs.Construct, props *Props) {
	n := props.Namer
	igw := internetgateway.NewInternetGateway(scope, jsii.String("igw"), &internetgateway.InternetGatewayConfig{
		VpcId: net.VPC.Id(),
		Tags:  naming.NameTag(n.Name(naming.MaxName, "igw")),
	})
	azs := props.AvailabilityZones
	if props.InspectEgress {
		// One public route table per AZ: each also routes its AZ's private CIDR back through
		// the same firewall endpoint (RouteEgress), so the firewall sees both directions.
		net.publicRouteTables = map[string]routetable.RouteTable{}
		for i, s := range net.Public {
			rt := table(scope, net, "public-"+azs[i], n.Name(naming.MaxName, "public", azs[i]))
			net.defaultRoute(scope, "public-default-"+azs[i], rt, &route.RouteConfig{GatewayId: igw.Id()})
			net.associate(scope, "public-"+azs[i], s, rt)
			net.moved("aws_route_table_association", "public-"+azs[i]+"-rta", fmt.Sprintf("public-%d-rta", i))
			net.publicRouteTables[azs[i]] = rt
		}
	} else {
		public := table(scope, net, "public", n.Name(naming.MaxName, "public"))
		net.defaultRoute(scope, "public-default", public, &route.RouteConfig{GatewayId: igw.Id()})
		for i, s := range net.Public {
			net.associate(scope, "public-"+azs[i], s, public)
			net.moved("aws_route_table_association", "public-"+azs[i]+"-rta", fmt.Sprintf("public-%d-rta", i))
		}
	}
	for i, az := range azs[:props.NATGateways] {
		name := n.Name(naming.MaxName, "nat", az)
		ip := eip.NewEip(scope, jsii.String("nat-eip-"+az), &eip.EipConfig{
			Domain: jsii.String("vpc"),
			Tags:   naming.NameTag(name),
		})
		net.moved("aws_eip", "nat-eip-"+az, fmt.Sprintf("nat-eip-%d", i))
		nat := natgateway.NewNatGateway(scope, jsii.String("nat-"+az), &natgateway.NatGatewayConfig{
			AllocationId: ip.AllocationId(),
			SubnetId:     net.Public[i].Id(),
			Tags:         naming.NameTag(name),
			DependsOn:    &[]cdktf.ITerraformDependable{igw},
		})
		net.moved("aws_nat_gateway", "nat-"+az, fmt.Sprintf("nat-%d", i))
		net.NatGateways = append(net.NatGateways, nat)
	}
	for i, s := range net.Private {
		rt := table(scope, net, "private-"+azs[i], n.Name(naming.MaxName, "private", azs[i]))
		net.moved("aws_route_table", "private-"+azs[i]+"-rt", fmt.Sprintf("private-%d-rt", i))
		net.associate(scope, "private-"+azs[i], s, rt)
		net.moved("aws_route_table_association", "private-"+azs[i]+"-rta", fmt.Sprintf("private-%d-rta", i))
		net.PrivateRouteTables = append(net.PrivateRouteTables, rt)
	}
	for i, s := range net.Firewall {
		rt := table(scope, net, "firewall-"+azs[i], n.Name(naming.MaxName, "firewall", azs[i]))
		net.defaultRoute(scope, "firewall-default-"+azs[i], rt, &route.RouteConfig{NatGatewayId: net.nat(i).Id()})
		net.associate(scope, "firewall-"+azs[i], s, rt)
	}
	// The database tier has only the VPC's local route: no path to or from the internet.
	net.DatabaseRouteTable = table(scope, net, "database", n.Name(naming.MaxName, "database"))
	for i, s := range net.Database {
		net.associate(scope, "database-"+azs[i], s, net.DatabaseRouteTable)
		net.moved("aws_route_table_association", "database-"+azs[i]+"-rta", fmt.Sprintf("database-%d-rta", i))
	}
}

// nat is the NAT gateway the i-th AZ egresses through: its own where there is one per AZ, so
// losing an AZ costs only that AZ, else the shared one.
func (net *Network) nat(i int) natgateway.NatGateway { return net.NatGateways[i%len(net.NatGateways)] }

// RouteEgress gives each private subnet its default route: to firewall(az), the Network
// Firewall endpoint of its AZ, where egress is inspected, else (firewall nil) to its NAT
// gateway. With inspection each public subnet also routes its AZ's private CIDR back through
// the same endpoint, so the stateful firewall sees both directions of every connection.
func (net *Network) RouteEgress(firewall func(az string) *string) {
	for i, az := range net.azs {
		target := &route.RouteConfig{NatGatewayId: net.nat(i).Id()}
		if firewall != nil {
			target = &route.RouteConfig{VpcEndpointId: firewall(az)}
			returnPath := &route.RouteConfig{VpcEndpointId: firewall(az)}
			returnPath.RouteTableId = net.publicRouteTables[az].Id()
			returnPath.DestinationCidrBlock = jsii.String(net.plan[netplan.Private][az].String())
			route.NewRoute(net.scope, jsii.String("public-return-"+az), returnPath)
		}
		net.defaultRoute(net.scope, "private-default-"+az, net.PrivateRouteTables[i], target)
		net.moved("aws_route", "private-default-"+az, fmt.Sprintf("private-default-%d", i))
	}
}

// moved carries the state of the resource of typ at id's positional predecessor (e.g.
// private-0, from before ids were keyed by AZ) over to it, so an applied environment plans no
// replacement.
func (net *Network) moved(typ, id, positionalID string) {
	net.moves.Add(typ, append(slices.Clone(net.path), id), append(slices.Clone(net.path), positionalID))
}

func (net *Network) flowLogs(scope constructs.Construct, props *Props) {
	n := props.Namer
	group := logs.New(scope, "flow-logs", &logs.Props{
		Name: n.Path("vpc-flow-logs"), RetentionDays: props.LogRetentionDays, KMSKeyARN: props.LogsKeyARN,
	})
	net.FlowLogGroup = group
	// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html, without
	// CreateLogGroup and DescribeLogGroups: the group exists before the flow log.
	r := role.New(scope, "flow-logs-role", &role.Props{
		Name:    n.Global(naming.MaxIAMRoleName, "flow-logs"),
		Service: "vpc-flow-logs.amazonaws.com",
		Account: props.Account,
		Policies: map[string]string{"write-flow-logs": iam.Policy(iam.Allow("WriteFlowLogs",
			[]string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			[]string{*group.Arn() + ":*"}))},
	})
	flowlog.NewFlowLog(scope, jsii.String("flow-log"), &flowlog.FlowLogConfig{
		VpcId:                  net.VPC.Id(),
		TrafficType:            jsii.String("ALL"),
		LogDestinationType:     jsii.String("cloud-watch-logs"),
		LogDestination:         group.Arn(),
		IamRoleArn:             r.Role.Arn(),
		MaxAggregationInterval: jsii.Number(60),
		Tags:                   naming.NameTag(n.Name(naming.MaxName, "flow-log")),
	})
}

func table(scope constructs.Construct, net *Network, id, name string) routetable.RouteTable {
	return routetable.NewRouteTable(scope, jsii.String(id+"-rt"), &routetable.RouteTableConfig{
		VpcId: net.VPC.Id(),
		Tags:  naming.NameTag(name),
	})
}

func (net *Network) defaultRoute(scope constructs.Construct, id string, rt routetable.RouteTable, target *route.RouteConfig) route.Route {
	target.RouteTableId = rt.Id()
	target.DestinationCidrBlock = jsii.String("0.0.0.0/0")
	return route.NewRoute(scope, jsii.String(id), target)
}

func (net *Network) associate(scope constructs.Construct, id string, s subnet.Subnet, rt routetable.RouteTable) routetableassociation.RouteTableAssociation {
	return routetableassociation.NewRouteTableAssociation(scope, jsii.String(id+"-rta"), &routetableassociation.RouteTableAssociationConfig{
		SubnetId:     s.Id(),
		RouteTableId: rt.Id(),
	})
}
