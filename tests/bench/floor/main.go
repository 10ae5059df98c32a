// Command floor is the performance floor for `make bench`: what any cdktf Go app pays before it
// does anything of its own. It starts jsii as jsii-runtime-go does, loads the AWS provider,
// synthesizes -stacks near-empty stacks and closes jsii.
package main

import (
	"flag"
	"fmt"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpc"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

func main() {
	n := flag.Int("stacks", 5, "near-empty stacks")
	flag.Parse()
	defer jsii.Close()
	app := cdktf.NewApp(nil)
	for i := 0; i < *n; i++ {
		stack := cdktf.NewTerraformStack(app, jsii.String(fmt.Sprintf("floor-%d", i)))
		provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String("us-east-1")})
		vpc.NewVpc(stack, jsii.String("vpc"), &vpc.VpcConfig{CidrBlock: jsii.String("10.0.0.0/16")})
	}
	app.Synth()
}
