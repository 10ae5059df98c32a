package stacks

import "github.com/scalepayments/infra/stacks/policy"

// Suppressions are the accepted exceptions to the policy pack, each with its reason. Synth
// lists every one in use, so an exception is never silent.
var Suppressions = []policy.Suppression{
	{Rule: "SP-ENC-004", Path: "edge/access-logs/",
		Reason: "ALB access-log delivery supports SSE-S3 only (AWS limitation); the bucket is private, TLS-only and versioned"},
}
