package envconfig

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scalepayments/infra/help/netplan"
)

// ValidateAll validates each environment, the accounts, and the rules that span them:
// distinct names and codes, VPC CIDRs that never overlap (peering-safe), every environment in
// an account that hosts its region.
func ValidateAll(envs []Environment, accounts []Account) error {
	errs := validateAccounts(accounts, envs)
	if err := Pipeline.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, e := range envs {
		if err := e.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	for i, a := range envs {
		for _, b := range envs[:i] {
			errs = append(errs, pairErrors(b, a)...)
		}
		if a.PromoteFrom != "" && !slices.ContainsFunc(envs[:i], func(b Environment) bool { return b.Name == a.PromoteFrom }) {
			errs = append(errs, &FieldError{a.Name, "PromoteFrom", fmt.Sprintf("%q", a.PromoteFrom), "allowed \"\" or an environment before it in promotion order"})
		}
	}
	return errors.Join(errs...)
}

func pairErrors(a, b Environment) []error {
	var errs []error
	if a.Name == b.Name {
		errs = append(errs, &FieldError{b.Name, "Name", fmt.Sprintf("%q", b.Name), "allowed only once across environments"})
	}
	if a.Code == b.Code {
		errs = append(errs, &FieldError{b.Name, "Code", fmt.Sprintf("%q", b.Code), fmt.Sprintf("allowed only once across environments (also used by %q)", a.Name)})
	}
	pa, errA := netplan.ParseVPCCIDR(a.VPCCIDR)
	pb, errB := netplan.ParseVPCCIDR(b.VPCCIDR)
	if errA == nil && errB == nil && pa.Overlaps(pb) {
		errs = append(errs, &FieldError{b.Name, "VPCCIDR", b.VPCCIDR, fmt.Sprintf("allowed a CIDR that does not overlap %s of environment %q", a.VPCCIDR, a.Name)})
	}
	return errs
}

// Select returns the environments named in a comma-separated list (all when empty or blank),
// in promotion order, validated. Spaces around names are ignored; names are case-sensitive
// (lowercase), and a name in the wrong case is refused with the name it resembles.
func Select(envs []Environment, accounts []Account, list string) ([]Environment, error) {
	if err := ValidateAll(envs, accounts); err != nil {
		return nil, err
	}
	if strings.TrimSpace(list) == "" {
		return envs, nil
	}
	want := map[string]bool{}
	var valid []string
	for _, e := range envs {
		valid = append(valid, e.Name)
	}
	allowed := strings.Join(valid, ", ")
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		switch i := slices.IndexFunc(valid, func(v string) bool { return strings.EqualFold(v, n) }); {
		case n == "":
			return nil, fmt.Errorf("SCALEPAYMENTS_ENVIRONMENTS=%q: empty name in the list: allowed a comma-separated list of %s", list, allowed)
		case i < 0:
			return nil, fmt.Errorf("SCALEPAYMENTS_ENVIRONMENTS: unknown environment %q: allowed %s", n, allowed)
		case valid[i] != n:
			return nil, fmt.Errorf("SCALEPAYMENTS_ENVIRONMENTS: unknown environment %q (names are lowercase: %q?): allowed %s", n, valid[i], allowed)
		}
		want[n] = true
	}
	var out []Environment
	for _, e := range envs {
		if want[e.Name] {
			out = append(out, e)
		}
	}
	return out, nil
}
