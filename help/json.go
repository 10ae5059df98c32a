// Package help holds the small pure helpers shared by the whole app that belong to no narrower
// package: JSON documents, sorted keys, reference lists, the ECS capacity strategy and the
// shapes of AWS and Terraform Cloud identifiers. Names live in help/naming, the network plan in
// help/netplan, policy documents in help/iam. No jsii here.
package help

import (
	"encoding/json"
	"maps"
	"slices"
)

// SortedKeys returns a map's keys in order, for deterministic synthesis.
func SortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// MustJSON marshals plain Go values (maps, slices, strings, numbers) that cannot fail.
func MustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Document marshals a JSON document that embeds Terraform references (policies, container
// definitions). It is indented on purpose: cdktf's HCL renderer leaves quotes unescaped in a
// one-line string holding "${...}", but writes multi-line strings as valid heredocs. AWS and
// the provider compare these documents as JSON, so the whitespace never shows in a plan.
func Document(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Unique is the sorted set of strings.
func Unique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// Pointers is m as the map of string pointers the provider bindings take.
func Pointers(m map[string]string) *map[string]*string {
	out := map[string]*string{}
	for k, v := range m {
		out[k] = &v
	}
	return &out
}
