package judge

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/contract"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// judged is dev's verdict on a stack with a key that does not rotate, another whose exception is
// recorded, and a DNS Firewall association the pack finds twice (it fails open, its rule group
// blocks nothing) and the contract once (development wants its mutation protection off).
func judged(t *testing.T) Verdict {
	cfg, err := synthesized.Parse([]byte(`{"provider":{"aws":[{"allowed_account_ids":["111122223333"]}]},"resource":{
		"aws_kms_key":{"open":{"enable_key_rotation":false,"tags":{"Name":"open"}},
			"accepted":{"//":{"metadata":{"path":"scalepayments-dev/keys/accepted"}},"enable_key_rotation":false,"tags":{"Name":"accepted"}}},
		"aws_route53_resolver_firewall_rule_group_association":{"dns":{"mutation_protection":"ENABLED","tags":{"Name":"dns"}}}}}`))
	require.NoError(t, err)
	exceptions := []policy.Suppression{{Rule: "SP-KMS-001", Path: "keys/accepted", Reason: "rotated by hand with its HSM-held twin", Controls: []string{"KMS.4"}}}
	return Verdict{policy.Check("scalepayments-dev", cfg, envconfig.Dev, exceptions),
		contract.Check("scalepayments-dev", cfg, envconfig.Dev.Stage, envconfig.Dev.ChangeProtected())}
}

func sarifOf(t *testing.T, v Verdict) []byte {
	data, err := SARIF([]Verdict{v}, "plans/dev plan.json")
	require.NoError(t, err)
	return data
}

// The SARIF 2.1.0 schema, https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json
// (its id; the OASIS TC keeps it at schemaURI, which go-sarif writes as $schema).
const schemaURI = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json"

// required are the schema's required lists of the objects the log holds; an object meets one of
// its lists (message and physicalLocation are anyOf). artifactLocation's is the spec's (§3.4.2).
var required = map[string][][]string{
	"sarifLog":                 {{"version", "runs"}},
	"run":                      {{"tool"}},
	"tool":                     {{"driver"}},
	"toolComponent":            {{"name"}},
	"reportingDescriptor":      {{"id"}},
	"multiformatMessageString": {{"text"}},
	"result":                   {{"message"}},
	"message":                  {{"text"}, {"id"}},
	"physicalLocation":         {{"address"}, {"artifactLocation"}},
	"artifactLocation":         {{"uri"}, {"index"}},
	"suppression":              {{"kind"}},
}

// enums are the schema's enums of the values the log sets.
var enums = map[string][]any{
	"level":              {"none", "note", "warning", "error"},
	"suppression.kind":   {"inSource", "external"},
	"suppression.status": {"accepted", "underReview", "rejected"},
}

// object is v as the schema's object kind, after checking it has one of kind's required lists.
func object(t *testing.T, kind string, v any) map[string]any {
	t.Helper()
	o, ok := v.(map[string]any)
	require.True(t, ok, "%s: not an object: %v", kind, v)
	if lists := required[kind]; len(lists) > 0 {
		has := func(fields []string) bool {
			return !slices.ContainsFunc(fields, func(f string) bool { return o[f] == nil })
		}
		assert.True(t, slices.ContainsFunc(lists, has), "%s has none of the required %v: %v", kind, lists, o)
	}
	return o
}

func array(t *testing.T, v any) []any {
	t.Helper()
	a, ok := v.([]any)
	require.True(t, ok, "not an array: %v", v)
	return a
}

// noNull fails on any null: the schema admits one only as the log's runs.
func noNull(t *testing.T, path string, v any) {
	switch v := v.(type) {
	case nil:
		t.Errorf("%s is null", path)
	case map[string]any:
		for k, e := range v {
			noNull(t, path+"."+k, e)
		}
	case []any:
		for _, e := range v {
			noNull(t, path+"[]", e)
		}
	}
}

// The log meets the SARIF 2.1.0 schema: its required fields and enums, $schema, no null; every
// result names its rule by id and by index.
func TestSARIFMeetsTheSchema(t *testing.T) {
	var doc any
	require.NoError(t, json.Unmarshal(sarifOf(t, judged(t)), &doc))
	noNull(t, "log", doc)
	log := object(t, "sarifLog", doc)
	assert.Equal(t, schemaURI, log["$schema"])
	assert.Equal(t, "2.1.0", log["version"])
	runs := array(t, log["runs"])
	require.Len(t, runs, 1)
	run := object(t, "run", runs[0])
	driver := object(t, "toolComponent", object(t, "tool", run["tool"])["driver"])
	assert.Equal(t, "scalepayments", driver["name"])
	assert.NotEmpty(t, driver["version"])
	assert.Equal(t, "https://github.com/scalepayments/infra", driver["informationUri"])
	rules := array(t, driver["rules"])
	for _, r := range rules {
		rule := object(t, "reportingDescriptor", r)
		for _, k := range []string{"shortDescription", "fullDescription", "help"} {
			object(t, "multiformatMessageString", rule[k])
		}
		assert.Contains(t, enums["level"], object(t, "reportingConfiguration", rule["defaultConfiguration"])["level"], rule["id"])
	}
	results := array(t, run["results"])
	require.Len(t, results, 5)
	for _, r := range results {
		result := object(t, "result", r)
		object(t, "message", result["message"])
		assert.Contains(t, enums["level"], result["level"])
		index, ok := result["ruleIndex"].(float64)
		require.True(t, ok && index >= 0 && int(index) < len(rules), "ruleIndex %v", result["ruleIndex"])
		assert.Equal(t, result["ruleId"], rules[int(index)].(map[string]any)["id"], "ruleIndex %v", index)
		for _, l := range array(t, result["locations"]) {
			location := object(t, "location", l)
			object(t, "artifactLocation", object(t, "physicalLocation", location["physicalLocation"])["artifactLocation"])
			for _, logical := range array(t, location["logicalLocations"]) {
				object(t, "logicalLocation", logical)
			}
		}
		for _, s := range array(t, result["suppressions"]) { // every result has the array (§3.27.23)
			suppression := object(t, "suppression", s)
			assert.Contains(t, enums["suppression.kind"], suppression["kind"])
			assert.Contains(t, enums["suppression.status"], suppression["status"])
		}
	}
}

// sarifLog is the part of a log the tests read.
type sarifLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []sarifRule
			}
		}
		Results []sarifResult
	}
}

type sarifRule struct {
	ID, Name                                string
	ShortDescription, FullDescription, Help struct{ Text, Markdown string }
	DefaultConfiguration                    struct{ Level string }
	Properties                              map[string]any
}

type sarifResult struct {
	RuleID    string
	Level     string
	Message   struct{ Text string }
	Locations []struct {
		PhysicalLocation struct{ ArtifactLocation struct{ URI string } }
		LogicalLocations []struct{ FullyQualifiedName, Kind string }
	}
	PartialFingerprints map[string]string
	Suppressions        []struct{ Kind, Status, Justification string }
}

func decode(t *testing.T, data []byte) sarifLog {
	var log sarifLog
	require.NoError(t, json.Unmarshal(data, &log))
	require.Len(t, log.Runs, 1)
	return log
}

// One result per finding, accepted exception and violation: at its rule's level, saying what is
// wrong with which resource and how to fix it, in the checked file (as a URI) at the resource's
// address; an accepted exception says so, with its reason.
func TestSARIFReportsEachFindingAtItsResource(t *testing.T) {
	results := decode(t, sarifOf(t, judged(t))).Runs[0].Results
	type row struct{ rule, address, suppressed string }
	var got []row
	for _, r := range results {
		require.Len(t, r.Locations, 1)
		l := r.Locations[0]
		assert.Equal(t, "plans/dev%20plan.json", l.PhysicalLocation.ArtifactLocation.URI)
		require.Len(t, l.LogicalLocations, 1)
		assert.Equal(t, "resource", l.LogicalLocations[0].Kind)
		assert.Equal(t, "error", r.Level, "HIGH rules and contract cases are errors")
		var suppressed string
		for _, s := range r.Suppressions {
			suppressed += s.Kind + " " + s.Status + ": " + s.Justification
		}
		got = append(got, row{r.RuleID, l.LogicalLocations[0].FullyQualifiedName, suppressed})
	}
	assert.Equal(t, []row{
		{"SP-KMS-001", "aws_kms_key.open", ""},
		{"SP-NET-011", "aws_route53_resolver_firewall_rule_group_association.dns", ""},
		{"SP-NET-011", "aws_route53_resolver_firewall_rule_group_association.dns", ""},
		{"SP-KMS-001", "aws_kms_key.accepted", "external accepted: rotated by hand with its HSM-held twin (Security Hub KMS.4: disabled in the account's PCI DSS standard)"},
		{"AC-PROT-001", "aws_route53_resolver_firewall_rule_group_association.dns", ""},
	}, got)
	assert.Equal(t, "aws_kms_key.open: enable_key_rotation is false, must be true. Fix: set enable_key_rotation = true (constructs/keys does)", results[0].Message.Text)
	assert.Equal(t, "aws_route53_resolver_firewall_rule_group_association.dns: mutation_protection = ENABLED, stage development wants DISABLED "+
		"(set it: the provider keeps what AWS has when it is left out). See: "+contract.Cases[slices.IndexFunc(contract.Cases, func(c contract.Case) bool { return c.ID == "AC-PROT-001" })].Page,
		results[4].Message.Text)
}

// Every rule of the pack and case of the contract is a rule of the log: a pack rule with its
// PCI-DSS requirement, Security Hub controls, trivy check and fix, tagged security with GitHub's
// security-severity; a contract case with its page. Within GitHub's limits (name 255 characters,
// descriptions 1024).
func TestSARIFDescribesEveryRule(t *testing.T) {
	rules := decode(t, sarifOf(t, judged(t))).Runs[0].Tool.Driver.Rules
	require.Len(t, rules, len(policy.Rules)+len(contract.Cases))
	for _, r := range rules {
		assert.Equal(t, r.ID, r.Name)
		assert.LessOrEqual(t, len(r.Name), 255, r.ID)
		assert.LessOrEqual(t, len(r.ShortDescription.Text), 1024, r.ID)
		assert.LessOrEqual(t, len(r.FullDescription.Text), 1024, r.ID)
	}
	find := func(id string) int { return slices.IndexFunc(rules, func(r sarifRule) bool { return r.ID == id }) }

	enc := rules[find("SP-ENC-003")]
	assert.Equal(t, "CloudWatch log groups are encrypted with a customer-managed KMS key", enc.ShortDescription.Text)
	assert.Equal(t, "CloudWatch log groups are encrypted with a customer-managed KMS key\nSeverity: HIGH\nPCI-DSS v4: 3.5.1, 10.3.2\n"+
		"trivy check: AWS-0017\nFix: create log groups with constructs/logs, which sets kms_key_id to the logs key\n", enc.Help.Text)
	assert.Equal(t, "error", enc.DefaultConfiguration.Level)
	assert.Equal(t, map[string]any{"tags": []any{"security", "PCI-DSS 3.5.1", "PCI-DSS 10.3.2"}, "precision": "very-high", "security-severity": "8.0"}, enc.Properties)

	img := rules[find("SP-IMG-002")]
	assert.Contains(t, img.Help.Markdown, `constructs/service builds \<repository>@\<digest>`, "GitHub would drop <repository> as a tag")

	scan := rules[find("SP-IMG-001")]
	assert.Equal(t, "warning", scan.DefaultConfiguration.Level)
	assert.Equal(t, "5.0", scan.Properties["security-severity"])
	assert.Contains(t, scan.Help.Text, "Security Hub: ECR.1, ECR.2\n")

	order := rules[find("AC-ORD-001")]
	assert.Equal(t, "error", order.DefaultConfiguration.Level)
	assert.Equal(t, map[string]any{"tags": []any{"apply-contract", "ordering"}, "precision": "very-high", "problem.severity": "error"}, order.Properties,
		"a contract case is not a security result")
	assert.Contains(t, order.Help.Text, "See: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html")
}

// The same verdicts give the same log, and a result keeps its fingerprint when its problem is
// worded otherwise: GitHub matches the alert across runs. Two findings of one rule on one
// resource are numbered apart.
func TestSARIFFingerprintsAreStable(t *testing.T) {
	v := judged(t)
	first := sarifOf(t, v)
	assert.Equal(t, string(first), string(sarifOf(t, v)))

	v.Policy.Findings = slices.Clone(v.Policy.Findings)
	v.Policy.Findings[0].Problem = "the key does not rotate"
	reworded := decode(t, sarifOf(t, v)).Runs[0].Results
	var fingerprints []string
	for i, r := range decode(t, first).Runs[0].Results {
		fingerprints = append(fingerprints, r.PartialFingerprints["primaryLocationLineHash"])
		assert.Equal(t, r.PartialFingerprints, reworded[i].PartialFingerprints)
	}
	assert.Regexp(t, `^[0-9a-f]{16}:1$`, fingerprints[1])
	assert.Equal(t, fingerprints[1][:16]+":2", fingerprints[2], "the second SP-NET-011 finding on the association")
	assert.Len(t, slices.Compact(slices.Sorted(slices.Values(fingerprints))), len(fingerprints), "unique")
}
