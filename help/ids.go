package help

// PCIStandard is the path of Security Hub's PCI DSS v4.0.1 standard: its ARN ends in
// standards/<PCIStandard>. The account stack subscribes it and disables the recorded
// exceptions' controls there; the policy pack looks for it.
const PCIStandard = "pci-dss/v/4.0.1"

// IDs collects the id references of resources (subnets, route tables) as the list
// attributes of other resources take them.
func IDs[T interface{ Id() *string }](items []T) *[]*string {
	ids := make([]*string, len(items))
	for i, item := range items {
		ids[i] = item.Id()
	}
	return &ids
}
