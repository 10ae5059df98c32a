package stacks

import (
	"strings"

	"github.com/scalepayments/infra/constructs/firewall"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/policy"
)

// Suppressions are the accepted exceptions to the policy pack for env, each with its reason.
// Synth lists every one in use, so an exception is never silent. Internet egress is one only
// where a service declares third-party domains (or the environment has no interface endpoints),
// and it is derived from those declarations, never written by hand.
func Suppressions(env envconfig.Environment) []policy.Suppression {
	out := []policy.Suppression{{Rule: "SP-ENC-004", Path: "edge/access-logs/",
		Reason: "ALB access-log delivery supports SSE-S3 only (AWS limitation); the bucket is private, TLS-only and versioned"}}
	filter := "names filtered by the DNS Firewall allowlist"
	if env.NetworkFirewall {
		filter += " and TLS SNI / HTTP host by the Network Firewall"
	}
	for _, svc := range env.Services {
		var reason string
		switch {
		case !env.InterfaceEndpoints:
			reason = "no interface endpoints in this environment: " + svc.Name + " reaches AWS APIs"
			if len(svc.ExternalDomains) > 0 {
				reason += " and " + strings.Join(svc.ExternalDomains, ", ")
			}
			reason += " through NAT; " + filter
		case len(svc.ExternalDomains) > 0:
			reason = svc.Name + " calls " + strings.Join(svc.ExternalDomains, ", ") + " (envconfig ExternalDomains); " + filter
		default:
			continue
		}
		out = append(out, policy.Suppression{Rule: "SP-NET-005", Path: "firewall/" + string(firewall.Tasks(svc.Name)) + "-to-" + string(firewall.Internet) + "-", Reason: reason})
	}
	return out
}
