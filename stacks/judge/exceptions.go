package judge

import (
	"maps"
	"strings"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks/policy"
)

// Reasons of the exceptions that disable a Security Hub control, one text per control so the
// account's disabled_reason is the same whichever environment brings it.
const (
	sseS3Only      = "S3 delivers ALB access logs and S3 server access logs only to SSE-S3 buckets (AWS limitation); these buckets are private, TLS-only and versioned, and the pack checks every other bucket for a CMK (SP-ENC-004)"
	noLogOfTheLog  = "the S3 server access-log bucket receives the other buckets' access logs and cannot log to itself (AWS: suppress S3.9 for the log target); the pack checks every other bucket (SP-LOG-004)"
	noObjectLock   = "written by AWS log delivery: an S3 server access-log target must have no default Object Lock retention (enable-server-access-logging.html) and AWS documents no Object Lock support for ELB log delivery; versioned, private and kept 365 days, while the locked audit bucket is the record (SP-BASE-002)"
	scopedEvents   = "AWS's check (cloudtrail-all-write-s3-data-event-check and its read twin) passes only for a trail that logs the object events of every current and future bucket; the trail logs those of the environments' buckets, named one by one, to bound the cost, and never its own audit bucket; SP-BASE-002 checks the selectors"
	manualRotation = "AWS cannot rotate these secrets: third-party API keys are issued only in the provider's own console, and the run task's HMAC key is shared with Terraform Cloud (make run-task-key replaces it in both); they are rotated by hand every 90 days (README, Secret rotation runbook); the pack checks every other secret (SP-SEC-003)"
	accessLogsPath = naming.AccessLogsID + "/"
	albLogsPath    = naming.EdgeID + "/" + naming.ALBLogsID + "/"
)

// Exceptions is the one list of the accepted exceptions of env's stack, each with its reason:
// the policy pack suppresses exactly these findings, synth lists every one in use, and the
// account stack disables the Security Hub controls they name (SecurityHubExceptions), so an
// exception is never silent and never recorded twice. Internet egress is one only where a
// service declares third-party domains (or the environment has no interface endpoints), and it
// is derived from those declarations, never written by hand.
func Exceptions(env envconfig.Environment) []policy.Suppression {
	out := []policy.Suppression{
		{Rule: "SP-ENC-004", Path: albLogsPath, Controls: []string{"S3.17"}, Reason: sseS3Only},
		{Rule: "SP-ENC-004", Path: naming.EdgeID + "/" + accessLogsPath, Controls: []string{"S3.17"}, Reason: sseS3Only},
		{Rule: "SP-LOG-004", Path: naming.EdgeID + "/" + accessLogsPath, Controls: []string{"S3.9"}, Reason: noLogOfTheLog},
		// SP-BASE-002 judges Object Lock on the audit bucket only and reports on the stack, so
		// these entries suppress nothing: they carry S3.15 to Security Hub.
		{Rule: "SP-BASE-002", Path: albLogsPath, Controls: []string{"S3.15"}, Reason: noObjectLock},
		{Rule: "SP-BASE-002", Path: naming.EdgeID + "/" + accessLogsPath, Controls: []string{"S3.15"}, Reason: noObjectLock},
		// Seen only in a plan, where aws_elb_service_account resolves to the account's id.
		{Rule: "SP-IAM-002", Path: albLogsPath + "policy", Problem: `statement "ElbWritesAccessLogs" allows account `, Reason: "the regional Elastic Load Balancing account writes ALB access logs, as AWS documents (enable-access-logging.html), only under alb/AWSLogs/<account>/; AWS documents no condition for that principal"},
	}
	filter := "names filtered by the DNS Firewall allowlist"
	if env.NetworkFirewall {
		filter += " and TLS SNI / HTTP host by the Network Firewall"
	}
	for _, svc := range env.Services {
		for _, sec := range svc.Secrets {
			out = append(out, policy.Suppression{Rule: "SP-SEC-003", Path: naming.ServiceID(svc.Name) + "/" + naming.SecretID(sec),
				Controls: []string{"SecretsManager.1", "SecretsManager.4"}, Reason: manualRotation})
		}
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
		out = append(out, policy.Suppression{Rule: "SP-NET-005", Path: naming.FirewallID + "/" + naming.TasksGroup(svc.Name) + "-to-" + naming.Internet + "-", Reason: reason})
	}
	return out
}

// ServesRunTask reports whether the account stack of h serves the policy pack's run task: its
// home region, where it hosts the production environment (envconfig.RunTaskHost).
func ServesRunTask(h Host) bool {
	_, _, ok := envconfig.RunTaskHost(h.Envs)
	return ok && len(h.Account.Regions) > 0 && h.Region == h.Account.Home()
}

// AccountExceptions are the accepted exceptions of the account stack of h.
func AccountExceptions(h Host) []policy.Suppression {
	out := []policy.Suppression{
		{Rule: "SP-ENC-004", Path: naming.BaselineID + "/" + accessLogsPath, Controls: []string{"S3.17"}, Reason: sseS3Only},
		{Rule: "SP-LOG-004", Path: naming.BaselineID + "/" + accessLogsPath, Controls: []string{"S3.9"}, Reason: noLogOfTheLog},
		{Rule: "SP-BASE-002", Path: naming.BaselineID + "/" + accessLogsPath, Controls: []string{"S3.15"}, Reason: noObjectLock},
		{Rule: "SP-BASE-002", Path: naming.BaselineID + "/" + naming.TrailID, Controls: []string{"S3.22", "S3.23"}, Reason: scopedEvents},
	}
	if ServesRunTask(h) {
		out = append(out, policy.Suppression{Rule: "SP-SEC-003", Path: naming.RunTaskID + "/" + naming.HMACKeyID,
			Controls: []string{"SecretsManager.1", "SecretsManager.4"}, Reason: manualRotation})
	}
	return out
}

// ControlsEverDisabled are the Security Hub controls an exception has disabled in any release.
// The provider's delete of a control association only forgets it, and the control would stay
// disabled with no diff: so each control here keeps its association for good, DISABLED while an
// exception names it and ENABLED once none does (SecurityHubControls). Append, never remove; a
// test fails when an exception names a control that is not here.
var ControlsEverDisabled = []string{"S3.15", "S3.17", "S3.22", "S3.23", "S3.9", "SecretsManager.1", "SecretsManager.4"}

// SecurityHubExceptions are the controls an account stack disables in Security Hub's PCI DSS
// standard, with their reasons: those of its own exceptions and of every environment it hosts.
// Security Hub disables a control for the whole account and region, so the pack, which judges
// each resource, stays the guard of every resource the exception does not name.
func SecurityHubExceptions(h Host) map[string]string {
	all := AccountExceptions(h)
	for _, e := range h.Envs {
		all = append(all, Exceptions(e)...)
	}
	out := map[string]string{}
	for _, x := range all {
		for _, c := range x.Controls {
			out[c] = x.Reason
		}
	}
	return out
}

// SecurityHubControls is the association of every control in ControlsEverDisabled: the reason of
// the exception that disables it, or "" (ENABLED) where none does.
func SecurityHubControls(h Host) map[string]string {
	out := map[string]string{}
	for _, c := range ControlsEverDisabled {
		out[c] = ""
	}
	maps.Copy(out, SecurityHubExceptions(h))
	return out
}
