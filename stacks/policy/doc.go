package policy

import (
	"fmt"
	"strings"
)

// Markdown is stacks/policy/README.md: what the pack is and every rule, generated from Rules
// (go test ./stacks/policy -update writes it).
func Markdown() string {
	var b strings.Builder
	b.WriteString(intro)
	b.WriteString("| rule | severity | PCI-DSS v4 | what it checks | Security Hub control | trivy check |\n|---|---|---|---|---|---|\n")
	dash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	for _, r := range Rules {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.ID, r.Severity, r.PCI, strings.ReplaceAll(r.Title, "|", "\\|"), dash(r.SecurityHub), dash(r.Trivy))
	}
	b.WriteString(plans)
	b.WriteString(codeScanning)
	return b.String()
}

const intro = `# Policy pack

The project's PCI-DSS policy pack. Every ` + "`make synth`" + `, ` + "`npx cdktf synth`" + ` and ` + "`go run .`" + ` runs it over each
synthesized stack; ` + "`scalepayments check FILE`" + ` runs it over a synthesized stack or a plan. An
unsuppressed finding fails the run with exit 1 and one line per finding: rule, severity, PCI-DSS
v4 requirement, resource address, what is wrong, and how to fix it. Accepted exceptions live in
one list, ` + "`stacks/judge/exceptions.go`" + ` (the README at the top lists them); each names one rule, one
construct path, the Security Hub controls it stands for and a written reason. Generated from
` + "`Rules`" + ` by ` + "`go test ./stacks/policy -update`" + `; a test fails when this file is stale.

`

const plans = `
## The pack on Terraform plans

` + "`" + `scalepayments check FILE` + "`" + ` (` + "`" + `make check FILE=…` + "`" + `) runs the same rules and exceptions over a
synthesized ` + "`" + `cdk.tf.json` + "`" + ` or a plan in ` + "`" + `terraform show -json` + "`" + ` form, with synth's output and exit
codes (0 clean, 1 findings or an unreadable file, 2 usage). It starts no jsii and needs no cdktf:
the stack is named by the provider's ` + "`" + `Stack` + "`" + ` default tag, and its environment, stage and
exceptions come from ` + "`" + `envconfig` + "`" + `. On a plan it judges the resolved values; a value known only
after apply is read as the configuration's own template where the configuration is JSON (cdktf),
else as the one resource attribute it references, else as unknown. A policy or container
definition that is unknown is not judged: for a cdktf stack the synthesized check judged its
template; for plain Terraform it is judged once the plan can resolve it (a first plan of new
resources cannot). Counted instances are judged one by one, and resources in child modules by
their planned values only. ` + "`" + `lifecycle.prevent_destroy` + "`" + ` does not appear in plans, so SP-BAK-001
judges it at synth only.

` + "`" + `make test` + "`" + ` runs it on the offline plan of every stack: ` + "`" + `make plan-offline` + "`" + ` plans a copy of each
stack with the real provider (fake credentials, data sources replaced by fixed values, and a
local STS endpoint, ` + "`" + `AWS_ENDPOINT_URL_STS` + "`" + `, that reports the pinned account, so
` + "`" + `allowed_account_ids` + "`" + ` stays in the plan and is checked by the provider itself) and
writes ` + "`" + `cdktf.out/offline/<stack>/plan.json` + "`" + `, then checks it.

- **CI step after ` + "`" + `terraform plan` + "`" + `** (any runner, plain Terraform or the HCL exit path):
  ` + "`" + `terraform plan -out=tfplan && terraform show -json tfplan > plan.json && scalepayments check plan.json` + "`" + `
  (build ` + "`" + `scalepayments` + "`" + ` with ` + "`" + `go build -o scalepayments .` + "`" + `, or ` + "`" + `make build` + "`" + `).
- **Terraform Cloud run task**: ` + "`" + `scalepayments run-task` + "`" + ` (stacks/runtask) serves the same judgment as
  HCP Terraform's post-plan run task: it verifies the request's HMAC signature, downloads the plan
  JSON with the request's access token and calls back ` + "`" + `passed` + "`" + ` or ` + "`" + `failed` + "`" + ` with one outcome per
  finding. The production account stack deploys it as a Lambda function at
  ` + "`" + `https://run-task.<production zone>/` + "`" + `, and ` + "`" + `scalepayments tfc apply` + "`" + ` attaches it to every
  ` + "`" + `scalepayments-*` + "`" + ` workspace with enforcement level *mandatory*.
`

const codeScanning = `
## The pack in GitHub code scanning

` + "`" + `scalepayments check --format sarif FILE` + "`" + ` writes the same verdict as SARIF 2.1.0 on stdout instead of
text (stderr and exit codes stay as above), for GitHub code scanning or any SARIF viewer. Every rule
and contract case is a SARIF rule with its PCI-DSS requirement, Security Hub controls, trivy check
and fix (HIGH an error with security-severity 8.0, MEDIUM a warning with 5.0). Each finding,
accepted exception and violation is a result in FILE, as given (run it from the checkout's root),
at the resource's address, with a fingerprint of rule, stack and address, so an alert stays one
alert across runs. A result names a resource, not a line, and GitHub annotates a pull request only
on lines of its diff: the alerts are in the repository's code scanning list. An accepted exception
is a result with an ` + "`" + `external` + "`" + ` suppression and its reason; GitHub does not read suppressions
(github/codeql-action#1230), so dismiss its alert once as *won't fix*. Upload one file per stack,
each in its own category:

` + "```" + `yaml
permissions:
  contents: read
  security-events: write # upload-sarif
steps:
  # ... check out, build bin/scalepayments, terraform plan -out=tfplan && terraform show -json tfplan > plan.json
  - run: ./bin/scalepayments check --format sarif plan.json > scalepayments.sarif
  - uses: github/codeql-action/upload-sarif@v4
    if: ${{ !cancelled() }} # also when check exits 1 on a finding
    with:
      sarif_file: scalepayments.sarif
      category: scalepayments-prod
` + "```" + `
`
