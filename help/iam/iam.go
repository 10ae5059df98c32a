// Package iam builds IAM, KMS, S3 and SNS policy documents as plain Go, and the ARNs and
// service principals they name.
package iam

import "github.com/scalepayments/infra/help"

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
	return help.Document(PolicyDocument{Version: "2012-10-17", Statement: statements})
}

// Allow is an Allow statement.
func Allow(sid string, actions, resources []string) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// ServiceAllow is an Allow statement whose principal is the AWS service (its host name).
func ServiceAllow(sid, service string, actions, resources []string) Statement {
	s := Allow(sid, actions, resources)
	s.Principal = map[string]any{"Service": service}
	return s
}

// WebIdentity lets tokens of the OIDC provider of host assume a role when their audience is
// audience and their subject matches subject (StringLike: "*" may end it).
func WebIdentity(providerARN, host, audience, subject string) Statement {
	return Statement{
		Effect: "Allow", Principal: map[string]any{"Federated": providerARN},
		Action: []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string]any{
			"StringEquals": {host + ":aud": audience},
			"StringLike":   {host + ":sub": subject},
		},
	}
}

// Deny is a Deny statement.
func Deny(sid string, actions, resources []string) Statement {
	return Statement{Sid: sid, Effect: "Deny", Action: actions, Resource: resources}
}
