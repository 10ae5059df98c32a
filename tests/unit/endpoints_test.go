package unit

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"

	"github.com/scalepayments/infra/constructs/endpoints"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/tests"
)

// What the endpoints attach to, as plain values: the VPC, one private subnet per AZ, the
// endpoints security group.
const (
	endpointsVPC   = "vpc-0a1b2c3d4e5f60718"
	endpointsGroup = "sg-endpoints"
)

func endpointsSubnets(env envconfig.Environment) []string {
	var out []string
	for _, az := range env.AvailabilityZones {
		out = append(out, "subnet-private-"+az[len(az)-1:])
	}
	return out
}

// endpointsOf is the endpoints construct of env alone, created only where the stack creates it
// (env.InterfaceEndpoints): elsewhere the stack is empty.
func endpointsOf(env envconfig.Environment) *tests.Doc {
	return tests.Minimal("endpoints", env, func(stack cdktf.TerraformStack) {
		if !env.InterfaceEndpoints {
			return
		}
		endpoints.New(stack, "endpoints", &endpoints.Props{
			Namer: stacks.EnvNamer(env), Region: env.Region, VPCID: jsii.String(endpointsVPC),
			SubnetIDs: jsii.Strings(endpointsSubnets(env)...), SecurityGroupID: jsii.String(endpointsGroup),
		})
	})
}

// Tasks reach ECR, logs, Secrets Manager, KMS and STS through interface endpoints with private
// DNS, one network interface per AZ, guarded by the endpoints group; dev has none (its tasks go
// through the NAT).
func TestInterfaceEndpoints(t *testing.T) {
	// Each interface endpoint's service and the slug of its Name tag.
	services := map[string]string{"ecr.api": "ecr-api", "ecr.dkr": "ecr-dkr", "logs": "logs", "secretsmanager": "secretsmanager", "kms": "kms", "sts": "sts"}
	want := map[string]map[string]string{"dev": nil, "staging": services, "prod": services}
	subnets := map[string][]any{
		"staging": {"subnet-private-a", "subnet-private-b"},
		"prod":    {"subnet-private-a", "subnet-private-b", "subnet-private-c"},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := endpointsOf(env)
		assert.Equal(t, len(want[env.Name]), d.Count("aws_vpc_endpoint"))
		for svc, slug := range want[env.Name] {
			tests.Has(t, d, "aws_vpc_endpoint", map[string]any{
				"service_name": "com.amazonaws.us-east-1." + svc, "vpc_endpoint_type": "Interface", "private_dns_enabled": true,
				"vpc_id": endpointsVPC, "subnet_ids": subnets[env.Name], "security_group_ids": []any{endpointsGroup},
				"tags": map[string]any{"Name": "scalepayments-" + env.Name + "-" + slug},
			})
		}
		for _, e := range d.List("aws_vpc_endpoint") {
			assert.Equal(t, "Interface", e["vpc_endpoint_type"], "no gateway endpoint: the S3 gateway is the network's")
			assert.NotContains(t, e, "route_table_ids")
		}
	})
}
