package envconfig

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChangeProtectionFollowsTheStageUnlessLifted(t *testing.T) {
	for _, tt := range []struct {
		env  Environment
		want bool
	}{{Dev, false}, {Staging, true}, {Prod, true}} {
		t.Run(tt.env.Name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.env.ChangeProtected())
			lifted, err := LiftProtection([]Environment{tt.env}, vars{LiftVariable: tt.env.Name}.get)
			require.NoError(t, err)
			assert.False(t, lifted[0].ChangeProtected())
			assert.True(t, tt.env.ChangeProtected() == tt.want, "the shipped value is untouched")
		})
	}
}

func TestLiftProtectionNamesTheOneSelectedEnvironment(t *testing.T) {
	got, err := LiftProtection(All(), vars{}.get)
	require.NoError(t, err)
	assert.Equal(t, All(), got, "unset: nothing changes")
	for _, tt := range []struct {
		name     string
		selected []Environment
		value    string
		want     string
	}{
		{"several selected", All(), "prod", `SCALEPAYMENTS_LIFT_PROTECTION="prod": allowed only the one selected environment (selected: dev, staging, prod), e.g. SCALEPAYMENTS_ENVIRONMENTS=prod`},
		{"another one", []Environment{Staging}, "prod", `SCALEPAYMENTS_LIFT_PROTECTION="prod": allowed only the one selected environment (selected: staging), e.g. SCALEPAYMENTS_ENVIRONMENTS=prod`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LiftProtection(tt.selected, vars{LiftVariable: tt.value}.get)
			assert.EqualError(t, err, tt.want)
		})
	}
}

type vars map[string]string

func (v vars) get(k string) string { return v[k] }
