package envconfig

import (
	"fmt"
	"strings"
)

// LiftVariable names the one environment whose change protection one run lifts.
const LiftVariable = "SCALEPAYMENTS_LIFT_PROTECTION"

// ChangeProtected reports whether the environment's egress controls refuse changes in this run:
// its stage requires it and no run lifted it.
func (e Environment) ChangeProtected() bool {
	return e.Stage.Floors().ChangeProtection && !e.LiftProtection
}

// LiftProtection marks the selected environment named by LiftVariable (from getenv) as lifted.
// The variable must name exactly the one selected environment, so a lift never reaches an
// environment nobody named.
func LiftProtection(selected []Environment, getenv func(string) string) ([]Environment, error) {
	name := getenv(LiftVariable)
	if name == "" {
		return selected, nil
	}
	var names []string
	for _, e := range selected {
		names = append(names, e.Name)
	}
	if len(selected) != 1 || selected[0].Name != name {
		return nil, fmt.Errorf("%s=%q: allowed only the one selected environment (selected: %s), e.g. SCALEPAYMENTS_ENVIRONMENTS=%s", LiftVariable, name, strings.Join(names, ", "), name)
	}
	e := selected[0].Clone()
	e.LiftProtection = true
	return []Environment{e}, nil
}
