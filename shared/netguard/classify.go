package netguard

import "net/netip"

// Class names the kind of address a target is. Only ClassPublic may be dialled
// without an allow-list entry.
type Class string

const (
	ClassPublic       Class = "public"
	ClassInvalid      Class = "invalid"
	ClassUnspecified  Class = "unspecified"
	ClassThisNetwork  Class = "this-network"  // 0.0.0.0/8
	ClassLoopback     Class = "loopback"      // 127/8, ::1
	ClassPrivate      Class = "private"       // RFC 1918, fc00::/7
	ClassLinkLocal    Class = "link-local"    // 169.254/16 (cloud metadata), fe80::/10
	ClassSiteLocal    Class = "site-local"    // fec0::/10, deprecated but may still route inside
	ClassCGNAT        Class = "cgnat"         // 100.64/10
	ClassIETFProtocol Class = "ietf-protocol" // 192.0.0.0/24
	ClassBenchmarking Class = "benchmarking"  // 198.18/15
	ClassMulticast    Class = "multicast"     // 224/4, ff00::/8
	ClassReserved     Class = "reserved"      // 240/4
	ClassBroadcast    Class = "broadcast"     // 255.255.255.255
	ClassName         Class = "internal-name" // localhost, *.local, *.internal, single-label
	ClassIPLiteral    Class = "ip-literal"    // a URL naming an IP instead of a host name
	ClassNumericName  Class = "numeric-name"  // 2130706433, 0x7f.1: resolvers may read these as IPs
)

type classRange struct {
	prefix netip.Prefix
	class  Class
}

// refusedRanges is checked in order: the single addresses come before the
// wider ranges that contain them so they get their own class.
var refusedRanges = []classRange{
	{netip.MustParsePrefix("0.0.0.0/32"), ClassUnspecified},
	{netip.MustParsePrefix("255.255.255.255/32"), ClassBroadcast},
	{netip.MustParsePrefix("0.0.0.0/8"), ClassThisNetwork},
	{netip.MustParsePrefix("10.0.0.0/8"), ClassPrivate},
	{netip.MustParsePrefix("100.64.0.0/10"), ClassCGNAT},
	{netip.MustParsePrefix("127.0.0.0/8"), ClassLoopback},
	{netip.MustParsePrefix("169.254.0.0/16"), ClassLinkLocal},
	{netip.MustParsePrefix("172.16.0.0/12"), ClassPrivate},
	{netip.MustParsePrefix("192.0.0.0/24"), ClassIETFProtocol},
	{netip.MustParsePrefix("192.168.0.0/16"), ClassPrivate},
	{netip.MustParsePrefix("198.18.0.0/15"), ClassBenchmarking},
	{netip.MustParsePrefix("224.0.0.0/4"), ClassMulticast},
	{netip.MustParsePrefix("240.0.0.0/4"), ClassReserved},
	{netip.MustParsePrefix("::/128"), ClassUnspecified},
	{netip.MustParsePrefix("::1/128"), ClassLoopback},
	{netip.MustParsePrefix("fc00::/7"), ClassPrivate},
	{netip.MustParsePrefix("fe80::/10"), ClassLinkLocal},
	{netip.MustParsePrefix("fec0::/10"), ClassSiteLocal},
	{netip.MustParsePrefix("ff00::/8"), ClassMulticast},
}

// IPv6 prefixes whose low 32 bits are an IPv4 address the packet ends up at.
var (
	v4Compatible = netip.MustParsePrefix("::/96")
	nat64        = netip.MustParsePrefix("64:ff9b::/96")
)

// Classify returns the class of a, ClassPublic if it may be dialled. IPv6
// forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, compatible
// ::a.b.c.d, NAT64 64:ff9b::a.b.c.d) get the class of the IPv4 inside.
func Classify(a netip.Addr) Class {
	if !a.IsValid() {
		return ClassInvalid
	}
	a = a.WithZone("").Unmap()
	for _, r := range refusedRanges {
		if r.prefix.Contains(a) {
			return r.class
		}
	}
	if a.Is6() && (v4Compatible.Contains(a) || nat64.Contains(a)) {
		b := a.As16()
		return Classify(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	}
	return ClassPublic
}
