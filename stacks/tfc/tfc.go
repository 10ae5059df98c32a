// Package tfc makes Terraform Cloud (HCP Terraform) match the repository, idempotently: the
// project, one workspace per stack, its variables, run triggers, the policy pack run task and
// the alarm notifications. Plain Go (no jsii, no cdktf): `scalepayments tfc diff|apply`.
//
// Output contract: stdout has one line per difference, "tfc: <subject>: <field>: <current> ->
// <desired>" (or "tfc: <subject>: absent -> present"), in a stable order, a line "tfc: pending:
// ..." for each part that waits for a deployment step, and a summary "tfc: N changes" or
// "tfc: in sync". Errors are one line each; the token is never printed.
package tfc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scalepayments/infra/envconfig"
)

// Options are what Diff and Apply work from.
type Options struct {
	Address               string // the API's address: https://<envconfig.Pipeline.TerraformHost>
	Token                 Token
	Organization, Project string
	Accounts              []envconfig.Account // with their real ids
	Envs                  []envconfig.Environment
	HMACKey               string // the run task's key; "" leaves an existing run task's key alone
}

// OptionsFromEnv reads the shipped settings and, through getenv, the token, the account ids and
// the run task key; Address is the caller's. The error has one line per problem, and no request
// is made while there is one.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	var errs []error
	if err := envconfig.Pipeline.Validate(); err != nil {
		errs = append(errs, err)
	}
	token, err := FindToken(envconfig.Pipeline.TerraformHost, getenv)
	errs = append(errs, err)
	accounts := envconfig.WithIDsFrom(envconfig.Accounts(), getenv)
	for _, a := range accounts {
		errs = append(errs, a.Ready())
	}
	return Options{
		Token:        token,
		Organization: envconfig.Pipeline.Organization,
		Project:      envconfig.Pipeline.Project,
		Accounts:     accounts,
		Envs:         envconfig.All(),
		HMACKey:      getenv(HMACKeyVariable),
	}, errors.Join(errs...)
}

// Diff prints how Terraform Cloud differs from the repository and changes nothing.
func Diff(ctx context.Context, opts Options, stdout io.Writer) (changes int, err error) {
	return reconcile(ctx, opts, stdout, false)
}

// Apply makes Terraform Cloud match the repository, printing each change as Diff would.
func Apply(ctx context.Context, opts Options, stdout io.Writer) (changes int, err error) {
	return reconcile(ctx, opts, stdout, true)
}

const usage = "usage: scalepayments tfc diff|apply"

// Run runs `scalepayments tfc` with args (diff or apply) against envconfig.Pipeline's host and
// returns the exit code: 0 in sync or applied, 1 drift found by diff or any error, 2 usage.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return run(ctx, args, getenv, "https://"+envconfig.Pipeline.TerraformHost, stdout, stderr)
}

func run(ctx context.Context, args []string, getenv func(string) string, address string, stdout, stderr io.Writer) int {
	if len(args) != 1 || (args[0] != "diff" && args[0] != "apply") {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	opts, err := OptionsFromEnv(getenv)
	if err != nil {
		return fail(stderr, err, opts.Token.Value)
	}
	opts.Address = address
	sync := Diff
	if args[0] == "apply" {
		sync = Apply
	}
	changes, err := sync(ctx, opts, stdout)
	switch {
	case err != nil:
		return fail(stderr, err, opts.Token.Value)
	case args[0] == "diff" && changes > 0:
		return 1
	}
	return 0
}

// fail prints err one line each; the token is masked should any message ever carry it.
func fail(stderr io.Writer, err error, token string) int {
	for _, line := range strings.Split(err.Error(), "\n") {
		if token != "" {
			line = strings.ReplaceAll(line, token, "[token]")
		}
		fmt.Fprintln(stderr, "tfc: "+line)
	}
	return 1
}
