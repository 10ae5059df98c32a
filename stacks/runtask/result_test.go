package runtask

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	tfe "github.com/hashicorp/go-tfe"
	"github.com/hashicorp/jsonapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/stacks/contract"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/synthesized"
)

func rule(t *testing.T, id string) *policy.Rule {
	for i := range policy.Rules {
		if policy.Rules[i].ID == id {
			return &policy.Rules[i]
		}
	}
	require.FailNow(t, "no rule "+id)
	return nil
}

func finding(t *testing.T, id, typ, name, problem string) policy.Finding {
	return policy.Finding{Rule: rule(t, id), Resource: synthesized.Resource{Type: typ, Name: name}, Problem: problem}
}

func verdict(findings []policy.Finding, suppressed []policy.Suppressed, violations []contract.Violation) judge.Verdict {
	return judge.Verdict{
		Policy:   policy.Report{Stack: "scalepayments-dev", Rules: 56, Findings: findings, Suppressed: suppressed},
		Contract: contract.Report{Stack: "scalepayments-dev", Cases: 23, Violations: violations},
	}
}

func tags(o *tfe.TaskResultOutcome) map[string][]tfe.TaskResultTag {
	out := map[string][]tfe.TaskResultTag{}
	for k, v := range o.Tags {
		for _, tag := range v {
			out[k] = append(out[k], *tag)
		}
	}
	return out
}

func TestAFindingIsOneOutcome(t *testing.T) {
	f := finding(t, "SP-NET-001", "aws_vpc_security_group_ingress_rule", "firewall_alb-from-world_0A1B2C3D", "ingress from 0.0.0.0/0")
	res := result(verdict([]policy.Finding{f}, nil, nil))
	assert.Equal(t, tfe.TaskFailed, res.Status)
	require.Len(t, res.Outcomes, 1)
	o := res.Outcomes[0]
	assert.Equal(t, "SP-NET-001", o.OutcomeID)
	assert.Equal(t, "aws_vpc_security_group_ingress_rule.firewall_alb-from-world_0A1B2C3D: ingress from 0.0.0.0/0", o.Description)
	assert.Equal(t, map[string][]tfe.TaskResultTag{
		"Severity":    {{Label: "HIGH", Level: "error"}},
		"Rule":        {{Label: "SP-NET-001"}},
		"PCI_DSS":     {{Label: "1.3.1"}, {Label: "1.4.2"}},
		"SecurityHub": {{Label: "EC2.13"}, {Label: "EC2.14"}, {Label: "EC2.18"}, {Label: "EC2.19"}, {Label: "EC2.53"}, {Label: "EC2.54"}},
		"Resource":    {{Label: "aws_vpc_security_group_ingress_…"}}, // labels hold 32 characters
	}, tags(o))
	assert.Equal(t, "**SP-NET-001** (HIGH): No security group allows ingress from 0.0.0.0/0 or ::/0, on any port\n\n"+
		"- Resource: `aws_vpc_security_group_ingress_rule.firewall_alb-from-world_0A1B2C3D`\n"+
		"- Problem: ingress from 0.0.0.0/0\n- PCI-DSS: 1.3.1, 1.4.2\n"+
		"- Security Hub: EC2.13, EC2.14, EC2.18, EC2.19, EC2.53, EC2.54\n"+
		"- Fix: reference the caller's security group instead of a CIDR (constructs/firewall.Flows)\n", o.Body)
	assert.Equal(t, "scalepayments-dev: failed: 1 finding of 56 rules, 0 violations of 23 contract cases, 0 suppressed.", res.Message)
}

func TestAMediumFindingIsAWarningAndHasNoSecurityHubTagWithoutAControl(t *testing.T) {
	o := result(verdict([]policy.Finding{finding(t, "SP-TAG-001", "aws_kms_key", "keys_logs_1A2B3C4D", "no Name tag")}, nil, nil)).Outcomes[0]
	assert.Equal(t, []tfe.TaskResultTag{{Label: "MEDIUM", Level: "warning"}}, tags(o)["Severity"])
	assert.NotContains(t, o.Tags, "SecurityHub")
	assert.NotContains(t, o.Body, "Security Hub")
}

func TestAContractViolationIsOneOutcome(t *testing.T) {
	c := &contract.Case{ID: "AC-PROT-001", Kind: contract.Protection, Title: "protection by stage", Page: "https://registry.terraform.io/x"}
	v := contract.Violation{Case: c, Resource: synthesized.Resource{Type: "aws_rds_cluster", Name: "db"}, Problem: "deletion_protection is false"}
	res := result(verdict(nil, nil, []contract.Violation{v}))
	assert.Equal(t, tfe.TaskFailed, res.Status)
	o := res.Outcomes[0]
	assert.Equal(t, "AC-PROT-001", o.OutcomeID)
	assert.Equal(t, "aws_rds_cluster.db: deletion_protection is false", o.Description)
	assert.Equal(t, map[string][]tfe.TaskResultTag{
		"Status":   {{Label: "Apply would fail", Level: "error"}},
		"Contract": {{Label: "AC-PROT-001"}},
		"Kind":     {{Label: "protection"}},
		"Resource": {{Label: "aws_rds_cluster"}},
	}, tags(o))
	assert.Contains(t, o.Body, "- See: https://registry.terraform.io/x\n")
	assert.Equal(t, "scalepayments-dev: failed: 0 findings of 56 rules, 1 violation of 23 contract cases, 0 suppressed.", res.Message)
}

func TestACleanVerdictPassesAndListsItsSuppressions(t *testing.T) {
	suppressed := []policy.Suppressed{
		{Finding: finding(t, "SP-ENC-004", "aws_s3_bucket", "edge_access-logs_bucket_63BF96C2", "SSE-S3"), Suppression: policy.Suppression{Controls: []string{"S3.17"}}},
		{Finding: finding(t, "SP-NET-005", "aws_vpc_security_group_egress_rule", "firewall_api-to-internet-443_1A2B3C4D", "egress to 0.0.0.0/0")},
	}
	res := result(verdict(nil, suppressed, nil))
	assert.Equal(t, tfe.TaskPassed, res.Status)
	assert.Empty(t, res.Outcomes)
	assert.Equal(t, "scalepayments-dev: passed: 0 findings of 56 rules, 0 violations of 23 contract cases, 2 suppressed. "+
		"Suppressed: [SP-ENC-004] aws_s3_bucket.edge_access-logs_bucket_63BF96C2 (Security Hub S3.17 disabled); "+
		"[SP-NET-005] aws_vpc_security_group_egress_rule.firewall_api-to-internet-443_1A2B3C4D.", res.Message)
}

// HCP Terraform takes at most 10 outcomes and a 1000-character message
// (runtask-result.json): the rest is cut, and the message says so.
func TestTheResultKeepsHCPTerraformsLimits(t *testing.T) {
	var findings []policy.Finding
	var suppressed []policy.Suppressed
	for i := range 14 {
		f := finding(t, "SP-NET-002", "aws_lb", fmt.Sprintf("lb%02d_%s", i, strings.Repeat("n", 60)), strings.Repeat("x", 20000))
		findings = append(findings, f)
		suppressed = append(suppressed, policy.Suppressed{Finding: f})
	}
	res := result(verdict(findings, suppressed, nil))
	require.Len(t, res.Outcomes, 10)
	assert.True(t, strings.HasPrefix(res.Outcomes[9].Description, "aws_lb.lb09_"), "the first ten, in report order")
	assert.Contains(t, res.Message, "Showing 10 of 14 outcomes (HCP Terraform's limit): `scalepayments check` on the plan lists them all.")
	assert.Equal(t, 1000, utf8.RuneCountInString(res.Message))
	assert.True(t, strings.HasSuffix(res.Message, "… (truncated)"), res.Message)
	for _, o := range res.Outcomes {
		assert.Equal(t, 1000, utf8.RuneCountInString(o.Description))
		assert.Equal(t, 10000, utf8.RuneCountInString(o.Body))
		assert.True(t, strings.HasSuffix(o.Body, "… (truncated)"))
		for _, labels := range o.Tags {
			for _, l := range labels {
				assert.LessOrEqual(t, utf8.RuneCountInString(l.Label), 32)
			}
		}
	}
	why := failure(strings.Repeat("y", 2000)).Message
	assert.Equal(t, 1000, utf8.RuneCountInString(why))
	assert.True(t, strings.HasSuffix(why, "y… (truncated)"))
}

// The callback is the JSON:API document of the run tasks integration API
// (https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run-tasks/run-tasks-integration#request-body-1).
func TestTheCallbackBodyIsTheDocumentedJSONAPIDocument(t *testing.T) {
	res := result(verdict([]policy.Finding{finding(t, "SP-NET-002", "aws_lb", "edge_alb_1A2B3C4D", "internal is false, must be true")}, nil, nil))
	var body bytes.Buffer
	require.NoError(t, jsonapi.MarshalPayloadWithoutIncluded(&body, &res))
	assert.JSONEq(t, `{"data": {"type": "task-results",
	  "attributes": {"status": "failed", "message": "scalepayments-dev: failed: 1 finding of 56 rules, 0 violations of 23 contract cases, 0 suppressed."},
	  "relationships": {"outcomes": {"data": [{"type": "task-result-outcomes", "attributes": {
	    "outcome-id": "SP-NET-002",
	    "description": "aws_lb.edge_alb_1A2B3C4D: internal is false, must be true",
	    "body": "**SP-NET-002** (HIGH): No load balancer is internet-facing and every API answers only on its custom domain: API Gateway's custom domain is the only public entry\n\n- Resource: `+"`aws_lb.edge_alb_1A2B3C4D`"+`\n- Problem: internal is false, must be true\n- PCI-DSS: 1.3.1, 1.4.1\n- Fix: set internal = true and expose routes through the API Gateway VPC link; set disable_execute_api_endpoint = true\n",
	    "tags": {"Severity": [{"label": "HIGH", "level": "error"}], "Rule": [{"label": "SP-NET-002"}], "PCI_DSS": [{"label": "1.3.1"}, {"label": "1.4.1"}], "Resource": [{"label": "aws_lb"}]}
	  }}]}}}}`, body.String())
}
