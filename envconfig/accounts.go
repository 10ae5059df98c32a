package envconfig

import (
	"fmt"
	"slices"
	"strings"
)

// Account is one AWS account and the regions it hosts environments in. Account-wide controls
// (GuardDuty, AWS Config, CloudTrail, Security Hub, Access Analyzer, password policy, S3 and
// EBS defaults) and the environments' public DNS zones live in one account stack per account
// and region, never in an environment stack.
type Account struct {
	Name string // nonprod, prod: the account stack is scalepayments-account-<Name>
	// ID is the 12-digit AWS account id. The shipped values are AWS's documentation examples:
	// a stack pinned to one can never be applied to a real account. Set the real id with the
	// environment variable SCALEPAYMENTS_ACCOUNT_<NAME> (IDVariable).
	ID string
	// Regions it hosts environments in; the first is the home region, which holds the
	// account's one multi-region CloudTrail and its global settings (password policy, S3
	// account-level public access block).
	Regions []string
	// Notify receives the account's security findings (GuardDuty, Security Hub).
	Notify Notifications
}

// ExampleAccountIDs are AWS's documentation account ids, shipped as placeholders.
var ExampleAccountIDs = []string{"111122223333", "444455556666"}

// The shipped accounts: non-production environments share one, production has its own.
var (
	NonProdAccount = Account{Name: "nonprod", ID: "111122223333", Regions: []string{region},
		Notify: Notifications{Emails: []string{"security-alerts@" + zone}}}
	ProdAccount = Account{Name: "prod", ID: "444455556666", Regions: []string{region},
		Notify: Notifications{Emails: []string{"security-alerts@" + zone, "security-oncall@" + zone}}}
)

// Accounts is every shipped account.
func Accounts() []Account { return []Account{NonProdAccount, ProdAccount} }

// IDVariable is the environment variable that sets the account's id.
func (a Account) IDVariable() string { return "SCALEPAYMENTS_ACCOUNT_" + strings.ToUpper(a.Name) }

// Home is the account's home region.
func (a Account) Home() string { return a.Regions[0] }

// Example reports whether the account still has a shipped placeholder id.
func (a Account) Example() bool { return slices.Contains(ExampleAccountIDs, a.ID) }

// WithIDsFrom returns the accounts with the ids their variables set (an empty value is unset).
func WithIDsFrom(accounts []Account, getenv func(string) string) []Account {
	out := slices.Clone(accounts)
	for i := range out {
		if id := getenv(out[i].IDVariable()); id != "" {
			out[i].ID = id
		}
	}
	return out
}

// Ready refuses an account that still has a placeholder id: nothing can be deployed to it.
func (a Account) Ready() error {
	if a.Example() {
		return fmt.Errorf("account %q has the example id %s: set %s to its 12-digit AWS account id", a.Name, a.ID, a.IDVariable())
	}
	return nil
}

// AccountOf returns the account an environment names.
func AccountOf(accounts []Account, e Environment) (Account, bool) {
	i := slices.IndexFunc(accounts, func(a Account) bool { return a.Name == e.Account })
	if i < 0 {
		return Account{}, false
	}
	return accounts[i], true
}

// validateAccounts checks the accounts and what the environments ask of them: 12-digit ids,
// unique names and ids, every environment's account exists and hosts its region, and every
// account hosts an environment. One account stack per account and region then holds exactly
// one baseline.
func validateAccounts(accounts []Account, envs []Environment) []error {
	var errs []error
	bad := func(account, field string, value any, allowed string, args ...any) {
		errs = append(errs, fmt.Errorf("account %q: %s = %v: %s", account, field, value, fmt.Sprintf(allowed, args...)))
	}
	names, ids := map[string]bool{}, map[string]bool{}
	for _, a := range accounts {
		if !envNameRe.MatchString(a.Name) || names[a.Name] {
			bad(a.Name, "Name", fmt.Sprintf("%q", a.Name), "allowed a distinct name of 2-12 lowercase letters or digits")
		}
		if !accountRe.MatchString(a.ID) || ids[a.ID] {
			bad(a.Name, "ID", fmt.Sprintf("%q", a.ID), "allowed a distinct 12-digit AWS account id (set %s)", a.IDVariable())
		}
		names[a.Name], ids[a.ID] = true, true
		if len(a.Regions) == 0 {
			bad(a.Name, "Regions", "[]", "allowed one or more regions, the first the home region")
		}
		if len(a.Notify.Emails)+len(a.Notify.HTTPS) == 0 {
			bad(a.Name, "Notify", "{}", "required: security findings must reach someone")
		}
		hosts := slices.ContainsFunc(envs, func(e Environment) bool { return e.Account == a.Name })
		if !hosts {
			bad(a.Name, "Name", fmt.Sprintf("%q", a.Name), "hosts no environment: remove the account or name it in an environment's Account")
		}
	}
	for _, e := range envs {
		a, ok := AccountOf(accounts, e)
		switch {
		case !ok:
			errs = append(errs, &FieldError{e.Name, "Account", fmt.Sprintf("%q", e.Account), "allowed the name of an account in envconfig.Accounts"})
		case !slices.Contains(a.Regions, e.Region):
			errs = append(errs, &FieldError{e.Name, "Region", e.Region, fmt.Sprintf("allowed a region account %q hosts (%s)", a.Name, strings.Join(a.Regions, ", "))})
		}
	}
	return errs
}
