// Package netplan plans the VPC: subnet CIDRs per tier and availability zone, and the ports
// of the traffic chain. Pure Go.
package netplan

import (
	"fmt"
	"net/netip"
	"strings"
)

// Tier is one of the three subnet tiers of the VPC.
type Tier int

const (
	Public Tier = iota
	Private
	Database
	// Firewall holds the Network Firewall endpoints, where egress is inspected.
	Firewall
)

// Tiers are the tiers every VPC has, in plan order.
var Tiers = []Tier{Public, Private, Database}

func (t Tier) String() string { return [...]string{"public", "private", "database", "firewall"}[t] }

// Subnet plan: the VPC is cut into 4 equal tier blocks (public, private, database, and the
// firewall tier where egress is inspected), each cut into 8 equal AZ slots. An AZ's slot is its letter (a = 0,
// ... h = 7), never its position in a list, so adding or dropping an AZ leaves every other
// subnet where it is.
const (
	tierBits     = 2
	azBits       = 3
	MaxAZs       = 6
	MinVPCPrefix = 16                     // largest VPC AWS allows
	MaxVPCPrefix = 28 - tierBits - azBits // smallest VPC whose subnets are still /28
	maxSlots     = 1 << azBits
)

// SubnetPlan holds the CIDR of every subnet, indexed [tier][availability zone name].
type SubnetPlan map[Tier]map[string]netip.Prefix

// AZSlot is the plan slot of an availability zone: the index of its letter, a = 0.
func AZSlot(region, az string) (int, error) {
	suffix, ok := strings.CutPrefix(az, region)
	if !ok || len(suffix) != 1 || suffix[0] < 'a' || suffix[0] >= 'a'+maxSlots {
		return 0, fmt.Errorf("%q is not a zone of %s lettered a to %c", az, region, 'a'+maxSlots-1)
	}
	return int(suffix[0] - 'a'), nil
}

// PlanSubnets computes the subnets of vpcCIDR for the availability zones of region.
func PlanSubnets(vpcCIDR, region string, azs []string) (SubnetPlan, error) {
	vpc, err := ParseVPCCIDR(vpcCIDR)
	if err != nil {
		return nil, err
	}
	if len(azs) < 1 || len(azs) > MaxAZs {
		return nil, fmt.Errorf("%d availability zones: allowed 1 to %d", len(azs), MaxAZs)
	}
	bits := vpc.Bits() + tierBits + azBits
	size := uint32(1) << (32 - bits)
	base := ipv4ToUint(vpc.Addr())
	plan := SubnetPlan{}
	for _, t := range append(Tiers, Firewall) {
		plan[t] = map[string]netip.Prefix{}
		for _, az := range azs {
			slot, err := AZSlot(region, az)
			if err != nil {
				return nil, err
			}
			addr := base + (uint32(t)*maxSlots+uint32(slot))*size
			plan[t][az] = netip.PrefixFrom(uintToIPv4(addr), bits)
		}
	}
	return plan, nil
}

// ParseVPCCIDR parses an IPv4 VPC CIDR in canonical form within AWS's size limits.
func ParseVPCCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 CIDR (e.g. 10.0.0.0/16)", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set (did you mean %s?)", s, p.Masked())
	}
	if p.Bits() < MinVPCPrefix || p.Bits() > MaxVPCPrefix {
		return netip.Prefix{}, fmt.Errorf("%q: prefix length must be /%d to /%d", s, MinVPCPrefix, MaxVPCPrefix)
	}
	return p, nil
}

func ipv4ToUint(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func uintToIPv4(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}
