// Command floor is the performance floor for `make bench`: it loads the AWS provider through
// jsii and synthesizes -stacks near-empty stacks, which is what any cdktf Go app pays before it
// does anything of its own.
package main

import (
	"flag"
	"fmt"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpc"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/stacks/jsiidirect"
)

func main() {
	n := flag.Int("stacks", 3, "near-empty stacks")
	flag.Parse()
	defer jsiidirect.Use()()
	app := cdktf.NewApp(nil)
	for i := 0; i < *n; i++ {
		stack := cdktf.NewTerraformStack(app, jsii.String(fmt.Sprintf("floor-%d", i)))
		provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String("us-east-1")})
		vpc.NewVpc(stack, jsii.String("vpc"), &vpc.VpcConfig{CidrBlock: jsii.String("10.0.0.0/16")})
	}
	app.Synth()
}
