package help

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanSubnets(t *testing.T) {
	tests := []struct {
		cidr     string
		azs      int
		public   []string
		private  []string
		database []string
	}{
		{"10.0.0.0/16", 2,
			[]string{"10.0.0.0/21", "10.0.8.0/21"},
			[]string{"10.0.64.0/21", "10.0.72.0/21"},
			[]string{"10.0.128.0/21", "10.0.136.0/21"}},
		{"10.2.0.0/16", 3,
			[]string{"10.2.0.0/21", "10.2.8.0/21", "10.2.16.0/21"},
			[]string{"10.2.64.0/21", "10.2.72.0/21", "10.2.80.0/21"},
			[]string{"10.2.128.0/21", "10.2.136.0/21", "10.2.144.0/21"}},
		{"192.168.0.0/23", 2,
			[]string{"192.168.0.0/28", "192.168.0.16/28"},
			[]string{"192.168.0.128/28", "192.168.0.144/28"},
			[]string{"192.168.1.0/28", "192.168.1.16/28"}},
	}
	for _, tt := range tests {
		t.Run(tt.cidr, func(t *testing.T) {
			plan, err := PlanSubnets(tt.cidr, tt.azs)
			require.NoError(t, err)
			assert.Equal(t, tt.public, strs(plan[Public]))
			assert.Equal(t, tt.private, strs(plan[Private]))
			assert.Equal(t, tt.database, strs(plan[Database]))
		})
	}
}

func TestPlanSubnetsNeverOverlapAndStayInVPC(t *testing.T) {
	vpc := netip.MustParsePrefix("10.1.0.0/16")
	plan, err := PlanSubnets(vpc.String(), MaxAZs)
	require.NoError(t, err)
	var all []netip.Prefix
	for _, tier := range Tiers {
		require.Len(t, plan[tier], MaxAZs)
		all = append(all, plan[tier]...)
	}
	for i, a := range all {
		assert.True(t, vpc.Contains(a.Addr()), "%s outside the VPC", a)
		for _, b := range all[:i] {
			assert.False(t, a.Overlaps(b), "%s overlaps %s", a, b)
		}
	}
}

func TestPlanSubnetsRejects(t *testing.T) {
	tests := []struct {
		cidr string
		azs  int
		want string
	}{
		{"10.0.0.0/33", 2, `"10.0.0.0/33" is not an IPv4 CIDR (e.g. 10.0.0.0/16)`},
		{"fd00::/56", 2, `"fd00::/56" is not an IPv4 CIDR (e.g. 10.0.0.0/16)`},
		{"10.0.1.0/16", 2, `"10.0.1.0/16" has host bits set (did you mean 10.0.0.0/16?)`},
		{"10.0.0.0/8", 2, `"10.0.0.0/8": prefix length must be /16 to /23`},
		{"10.0.0.0/24", 2, `"10.0.0.0/24": prefix length must be /16 to /23`},
		{"10.0.0.0/16", 7, "7 availability zones: allowed 1 to 6"},
	}
	for _, tt := range tests {
		t.Run(tt.cidr, func(t *testing.T) {
			_, err := PlanSubnets(tt.cidr, tt.azs)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func strs(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
