// Package endpoints creates interface VPC endpoints so tasks reach AWS APIs without NAT.
package endpoints

import (
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcendpoint"

	"github.com/scalepayments/infra/help/naming"
)

// Services are the AWS APIs Fargate tasks call: image pulls, logs, secrets, keys, STS.
var Services = []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts"}

// Props configures the endpoints.
type Props struct {
	Namer           naming.Namer
	Region          string
	VPCID           *string
	SubnetIDs       *[]*string
	SecurityGroupID *string
}

// Endpoints holds the interface endpoints by service.
type Endpoints struct {
	ByService map[string]vpcendpoint.VpcEndpoint
}

// New creates one interface endpoint per service with private DNS.
func New(scope constructs.Construct, id string, props *Props) *Endpoints {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	e := &Endpoints{ByService: map[string]vpcendpoint.VpcEndpoint{}}
	for _, svc := range Services {
		slug := strings.ReplaceAll(svc, ".", "-")
		e.ByService[svc] = vpcendpoint.NewVpcEndpoint(scope, jsii.String(slug), &vpcendpoint.VpcEndpointConfig{
			VpcId:             props.VPCID,
			ServiceName:       jsii.String(fmt.Sprintf("com.amazonaws.%s.%s", props.Region, svc)),
			VpcEndpointType:   jsii.String("Interface"),
			PrivateDnsEnabled: jsii.Bool(true),
			SubnetIds:         props.SubnetIDs,
			SecurityGroupIds:  &[]*string{props.SecurityGroupID},
			Tags:              naming.NameTag(props.Namer.Name(naming.MaxName, slug)),
		})
	}
	return e
}
