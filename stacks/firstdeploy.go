package stacks

import "github.com/scalepayments/infra/stacks/synthesized"

// FirstDeployTypes are what must exist, and be filled out of band, before the first full apply:
// the image repositories (images are pushed into them) and the application secrets (values are
// set into them). Creating the services in the same apply as empty repositories would fail the
// first deployment (the circuit breaker rolls back to nothing) and leave nothing for the next
// apply to change.
var FirstDeployTypes = []string{"aws_ecr_repository", "aws_secretsmanager_secret"}

// FirstDeployTargets are the -target flags of the first deployment's step 1 (`make bootstrap`);
// Terraform adds what they depend on (their KMS keys, the account data sources).
func FirstDeployTargets(c *synthesized.Config) []string {
	var out []string
	for _, typ := range FirstDeployTypes {
		for _, r := range c.Of(typ) {
			out = append(out, "-target="+r.Address())
		}
	}
	return out
}
