package help

// IDs collects the id references of resources (subnets, route tables) as the list
// attributes of other resources take them.
func IDs[T interface{ Id() *string }](items []T) *[]*string {
	ids := make([]*string, len(items))
	for i, item := range items {
		ids[i] = item.Id()
	}
	return &ids
}
