package help

import (
	"encoding/json"
	"maps"
	"slices"
)

// PolicyDocument is an IAM/KMS/S3 policy built as plain Go and marshalled once.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one policy statement. Principal and Condition use AWS's JSON shapes.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]any            `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// Policy marshals statements into a policy document string.
func Policy(statements ...Statement) string {
	return Document(PolicyDocument{Version: "2012-10-17", Statement: statements})
}

// Allow is an Allow statement.
func Allow(sid string, actions, resources []string) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// ServicePrincipal is {"Service": service}.
func ServicePrincipal(service string) map[string]any { return map[string]any{"Service": service} }

// AssumeRolePolicy lets an AWS service assume a role.
func AssumeRolePolicy(service string) string {
	s := Allow("", []string{"sts:AssumeRole"}, nil)
	s.Principal = ServicePrincipal(service)
	return Policy(s)
}

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
