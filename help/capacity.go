package help

// CapacityShare is one entry of an ECS capacity provider strategy.
type CapacityShare struct {
	Provider     string
	Base, Weight int
}

// CapacityStrategy is FARGATE carrying the base task with FARGATE_SPOT beside it at spotWeight.
// The cluster default and every service state the same strategy: a service that states none
// reads back the cluster default and is replaced on every apply (terraform-provider-aws#29143).
func CapacityStrategy(spotWeight int) []CapacityShare {
	return []CapacityShare{{"FARGATE", 1, 1}, {"FARGATE_SPOT", 0, spotWeight}}
}
