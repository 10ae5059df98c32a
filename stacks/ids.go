package stacks

import "github.com/cdktf/cdktf-provider-aws-go/aws/v19/subnet"

func subnetIDs(subnets []subnet.Subnet) *[]*string {
	ids := make([]*string, len(subnets))
	for i, s := range subnets {
		ids[i] = s.Id()
	}
	return &ids
}
