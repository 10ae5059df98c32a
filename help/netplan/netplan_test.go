package netplan

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanSubnets(t *testing.T) {
	tests := []struct {
		cidr     string
		azs      []string
		public   []string
		private  []string
		database []string
	}{
		{"10.0.0.0/16", []string{"us-east-1a", "us-east-1b"},
			[]string{"10.0.0.0/21", "10.0.8.0/21"},
			[]string{"10.0.64.0/21", "10.0.72.0/21"},
			[]string{"10.0.128.0/21", "10.0.136.0/21"}},
		{"10.2.0.0/16", []string{"us-east-1a", "us-east-1b", "us-east-1c"},
			[]string{"10.2.0.0/21", "10.2.8.0/21", "10.2.16.0/21"},
			[]string{"10.2.64.0/21", "10.2.72.0/21", "10.2.80.0/21"},
			[]string{"10.2.128.0/21", "10.2.136.0/21", "10.2.144.0/21"}},
		{"192.168.0.0/23", []string{"us-east-1a", "us-east-1b"},
			[]string{"192.168.0.0/28", "192.168.0.16/28"},
			[]string{"192.168.0.128/28", "192.168.0.144/28"},
			[]string{"192.168.1.0/28", "192.168.1.16/28"}},
	}
	for _, tt := range tests {
		t.Run(tt.cidr, func(t *testing.T) {
			plan, err := PlanSubnets(tt.cidr, "us-east-1", tt.azs)
			require.NoError(t, err)
			assert.Equal(t, tt.public, strs(plan[Public], tt.azs))
			assert.Equal(t, tt.private, strs(plan[Private], tt.azs))
			assert.Equal(t, tt.database, strs(plan[Database], tt.azs))
		})
	}
}

func TestPlanSubnetsNeverOverlapAndStayInVPC(t *testing.T) {
	vpc := netip.MustParsePrefix("10.1.0.0/16")
	azs := []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1h"}
	plan, err := PlanSubnets(vpc.String(), "us-east-1", azs)
	require.NoError(t, err)
	var all []netip.Prefix
	for _, tier := range Tiers {
		require.Len(t, plan[tier], MaxAZs)
		for _, az := range azs {
			all = append(all, plan[tier][az])
		}
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
		azs  []string
		want string
	}{
		{"10.0.0.0/33", two, `"10.0.0.0/33" is not an IPv4 CIDR (e.g. 10.0.0.0/16)`},
		{"fd00::/56", two, `"fd00::/56" is not an IPv4 CIDR (e.g. 10.0.0.0/16)`},
		{"10.0.1.0/16", two, `"10.0.1.0/16" has host bits set (did you mean 10.0.0.0/16?)`},
		{"10.0.0.0/8", two, `"10.0.0.0/8": prefix length must be /16 to /23`},
		{"10.0.0.0/24", two, `"10.0.0.0/24": prefix length must be /16 to /23`},
		{"10.0.0.0/16", []string{"a", "b", "c", "d", "e", "f", "g"}, "7 availability zones: allowed 1 to 6"},
		{"10.0.0.0/16", []string{"us-east-1a", "us-east-1i"}, `"us-east-1i" is not a zone of us-east-1 lettered a to h`},
		{"10.0.0.0/16", []string{"us-west-2a"}, `"us-west-2a" is not a zone of us-east-1 lettered a to h`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := PlanSubnets(tt.cidr, "us-east-1", tt.azs)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func strs(ps map[string]netip.Prefix, azs []string) []string {
	out := make([]string, len(azs))
	for i, az := range azs {
		out[i] = ps[az].String()
	}
	return out
}

var two = []string{"us-east-1a", "us-east-1b"}

// An AZ keeps its subnets when another AZ is dropped: the slot is the letter, not the position.
func TestDroppingAnAZMovesNoSubnet(t *testing.T) {
	all, err := PlanSubnets("10.2.0.0/16", "us-east-1", []string{"us-east-1a", "us-east-1b", "us-east-1c"})
	require.NoError(t, err)
	fewer, err := PlanSubnets("10.2.0.0/16", "us-east-1", []string{"us-east-1a", "us-east-1c"})
	require.NoError(t, err)
	for _, tier := range Tiers {
		assert.Equal(t, all[tier]["us-east-1c"], fewer[tier]["us-east-1c"], tier.String())
	}
}

// The firewall tier takes the fourth block, never overlapping the other three.
func TestFirewallTierTakesTheFourthBlock(t *testing.T) {
	plan, err := PlanSubnets("10.2.0.0/16", "us-east-1", []string{"us-east-1a", "us-east-1c"})
	require.NoError(t, err)
	assert.Equal(t, "10.2.192.0/21", plan[Firewall]["us-east-1a"].String())
	assert.Equal(t, "10.2.208.0/21", plan[Firewall]["us-east-1c"].String())
	assert.Equal(t, "firewall", Firewall.String())
}
