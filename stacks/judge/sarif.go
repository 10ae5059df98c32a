package judge

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/scalepayments/infra/stacks/contract"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// informationURI is the module's repository.
const informationURI = "https://github.com/scalepayments/infra"

// levels are the SARIF level and GitHub's security-severity of each severity. GitHub code
// scanning reads security-severity only on rules tagged "security" and ranks 7.0-8.9 high and
// 4.0-6.9 medium (docs.github.com: SARIF support for code scanning, reportingDescriptor object).
var levels = map[policy.Severity]struct{ level, securitySeverity string }{
	policy.High:   {"error", "8.0"},
	policy.Medium: {"warning", "5.0"},
}

// SARIF is the verdicts as a SARIF 2.1.0 log of one run: every rule of the pack and case of the
// contract as a rule, and one result per finding, accepted exception and violation, located in
// artifact (the checked file, as given) and at the resource's address.
func SARIF(verdicts []Verdict, artifact string) ([]byte, error) {
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return nil, err
	}
	run := sarif.NewRunWithInformationURI("scalepayments", informationURI)
	run.Tool.Driver.WithVersion(version())
	for i := range policy.Rules {
		run.Tool.Driver.AddRule(ruleDescriptor(&policy.Rules[i]))
	}
	for i := range contract.Cases {
		run.Tool.Driver.AddRule(caseDescriptor(&contract.Cases[i]))
	}
	out := results{run: run, uri: (&url.URL{Path: filepath.ToSlash(artifact)}).String(), seen: map[string]int{}}
	for _, v := range verdicts {
		for _, f := range v.Policy.Findings {
			out.finding(v.Policy.Stack, f)
		}
		for _, s := range v.Policy.Suppressed {
			out.finding(v.Policy.Stack, s.Finding).AddSuppression(sarif.NewSuppression("external").
				WithStatus("accepted").WithJustifcation(s.Suppression.Explained()))
		}
		for _, c := range v.Contract.Violations {
			out.add(c.Case.ID, "error", v.Contract.Stack, c.Resource, c.Problem+". See: "+c.Case.Page)
		}
	}
	log.AddRun(run)
	data, err := json.Marshal(log)
	if err != nil {
		return nil, err
	}
	return mend(data)
}

// results adds a run's results, all in one artifact.
type results struct {
	run  *sarif.Run
	uri  string
	seen map[string]int // how many results so far had each fingerprint
}

func (rs *results) finding(stack string, f policy.Finding) *sarif.Result {
	return rs.add(f.Rule.ID, levels[f.Rule.Severity].level, stack, f.Resource, f.Problem+". Fix: "+f.Rule.Fix)
}

// add adds a result of rule id on r. Its fingerprint hashes the rule, stack and address
// (numbered like GitHub's, "<hash>:<n>", when one rule finds one resource more than once), so it
// does not change with the problem's wording or the file's lines: GitHub matches alerts across
// runs only by primaryLocationLineHash, and upload-sarif computes one (from the line's text)
// only for a location with a line and never replaces one that is there.
func (rs *results) add(id, level, stack string, r synthesized.Resource, problem string) *sarif.Result {
	sum := sha256.Sum256([]byte(id + "\x00" + stack + "\x00" + r.Address()))
	hash := hex.EncodeToString(sum[:8])
	rs.seen[hash]++
	location := sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewSimpleArtifactLocation(rs.uri))).
		WithLogicalLocations([]*sarif.LogicalLocation{sarif.NewLogicalLocation().WithFullyQualifiedName(r.Address()).WithKind("resource")})
	result := sarif.NewRuleResult(id).WithLevel(level).
		WithMessage(sarif.NewTextMessage(r.Address() + ": " + problem)).
		WithLocations([]*sarif.Location{location}).
		WithPartialFingerPrints(map[string]any{"primaryLocationLineHash": fmt.Sprintf("%s:%d", hash, rs.seen[hash])})
	rs.run.AddResult(result)
	return result
}

func ruleDescriptor(r *policy.Rule) *sarif.ReportingDescriptor {
	tags := []string{"security"}
	for _, req := range strings.Split(r.PCI, ", ") {
		tags = append(tags, "PCI-DSS "+req)
	}
	facts := []fact{{"Severity", string(r.Severity)}, {"PCI-DSS v4", r.PCI}, {"Security Hub", r.SecurityHub}, {"trivy check", r.Trivy}, {"Fix", r.Fix}}
	return descriptor(r.ID, r.Title, r.Title+". Fix: "+r.Fix, levels[r.Severity].level, facts,
		sarif.Properties{"tags": tags, "precision": "very-high", "security-severity": levels[r.Severity].securitySeverity})
}

func caseDescriptor(c *contract.Case) *sarif.ReportingDescriptor {
	return descriptor(c.ID, c.Title, c.Title+". See: "+c.Page, "error", []fact{{"Kind", string(c.Kind)}, {"See", c.Page}},
		sarif.Properties{"tags": []string{"apply-contract", string(c.Kind)}, "precision": "very-high", "problem.severity": "error"})
}

// fact is one line of a rule's help; an empty one is left out.
type fact struct{ label, value string }

// markdown escapes what GitHub would read as an HTML tag (a fix's <env>, <repository>).
var markdown = strings.NewReplacer("<", `\<`)

func descriptor(id, title, full, level string, facts []fact, props sarif.Properties) *sarif.ReportingDescriptor {
	text, md := title+"\n", "**"+markdown.Replace(title)+"**\n\n"
	for _, f := range facts {
		if f.value != "" {
			text += f.label + ": " + f.value + "\n"
			md += "- " + f.label + ": " + markdown.Replace(f.value) + "\n"
		}
	}
	return sarif.NewRule(id).WithName(id).WithDescription(title).
		WithFullDescription(sarif.NewMultiformatMessageString(full)).
		WithHelp(sarif.NewMultiformatMessageString(text).WithMarkdown(md)).
		WithDefaultConfiguration(&sarif.ReportingConfiguration{Level: level}).
		WithProperties(props)
}

// version is the build's module version, which Go derives from the checkout's commit (and
// +dirty); a test binary says (devel).
func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// mend corrects two things go-sarif v2.3.3 writes against SARIF 2.1.0. It writes a suppression's
// unset guid and location as null, which the schema refuses (and GitHub's upload-sarif validates
// against it); and it leaves out an empty suppressions array, while once one result of a run has
// suppressions every result must have the array (§3.27.23). The log is indented for people.
func mend(data []byte) ([]byte, error) {
	var log map[string]any
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, err
	}
	for _, run := range log["runs"].([]any) {
		for _, r := range run.(map[string]any)["results"].([]any) {
			result := r.(map[string]any)
			suppressions, _ := result["suppressions"].([]any)
			for _, s := range suppressions {
				maps.DeleteFunc(s.(map[string]any), func(_ string, v any) bool { return v == nil })
			}
			if suppressions == nil {
				result["suppressions"] = []any{}
			}
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(log)
	return b.Bytes(), err
}
