package netguard

import (
	"net/netip"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		addr string
		want Class
	}{
		// 0.0.0.0/8 and the unspecified address
		{"0.0.0.0", ClassUnspecified},
		{"0.0.0.1", ClassThisNetwork},
		{"0.255.255.255", ClassThisNetwork},
		{"1.0.0.0", ClassPublic},
		// 10/8
		{"9.255.255.255", ClassPublic},
		{"10.0.0.0", ClassPrivate},
		{"10.255.255.255", ClassPrivate},
		{"11.0.0.0", ClassPublic},
		// 100.64/10
		{"100.63.255.255", ClassPublic},
		{"100.64.0.0", ClassCGNAT},
		{"100.127.255.255", ClassCGNAT},
		{"100.128.0.0", ClassPublic},
		// 127/8
		{"126.255.255.255", ClassPublic},
		{"127.0.0.0", ClassLoopback},
		{"127.0.0.1", ClassLoopback},
		{"127.255.255.255", ClassLoopback},
		{"128.0.0.0", ClassPublic},
		// 169.254/16, the cloud metadata service
		{"169.253.255.255", ClassPublic},
		{"169.254.0.0", ClassLinkLocal},
		{"169.254.169.254", ClassLinkLocal},
		{"169.254.255.255", ClassLinkLocal},
		{"169.255.0.0", ClassPublic},
		// 172.16/12
		{"172.15.255.255", ClassPublic},
		{"172.16.0.0", ClassPrivate},
		{"172.31.255.255", ClassPrivate},
		{"172.32.0.0", ClassPublic},
		// 192.0.0.0/24
		{"191.255.255.255", ClassPublic},
		{"192.0.0.0", ClassIETFProtocol},
		{"192.0.0.255", ClassIETFProtocol},
		{"192.0.1.0", ClassPublic},
		// 192.168/16
		{"192.167.255.255", ClassPublic},
		{"192.168.0.0", ClassPrivate},
		{"192.168.255.255", ClassPrivate},
		{"192.169.0.0", ClassPublic},
		// 198.18/15
		{"198.17.255.255", ClassPublic},
		{"198.18.0.0", ClassBenchmarking},
		{"198.19.255.255", ClassBenchmarking},
		{"198.20.0.0", ClassPublic},
		// 224/4, 240/4, broadcast
		{"223.255.255.255", ClassPublic},
		{"224.0.0.0", ClassMulticast},
		{"239.255.255.255", ClassMulticast},
		{"240.0.0.0", ClassReserved},
		{"255.255.255.254", ClassReserved},
		{"255.255.255.255", ClassBroadcast},
		// public IPv4
		{"93.184.216.34", ClassPublic},
		{"8.8.8.8", ClassPublic},
		// IPv6
		{"::", ClassUnspecified},
		{"::1", ClassLoopback},
		{"::2", ClassThisNetwork}, // IPv4-compatible 0.0.0.2
		{"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ClassPublic},
		{"fc00::", ClassPrivate},
		{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ClassPrivate},
		{"fe00::", ClassPublic},
		{"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ClassPublic},
		{"fe80::", ClassLinkLocal},
		{"fe80::1%eth0", ClassLinkLocal},
		{"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ClassLinkLocal},
		{"fec0::", ClassSiteLocal},
		{"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ClassSiteLocal},
		{"ff00::", ClassMulticast},
		{"ff02::1", ClassMulticast},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ClassMulticast},
		{"2606:4700::1", ClassPublic},
		{"2001:4860:4860::8888", ClassPublic},
		// IPv4 inside IPv6
		{"::ffff:127.0.0.1", ClassLoopback},
		{"::ffff:7f00:1", ClassLoopback},
		{"::ffff:169.254.169.254", ClassLinkLocal},
		{"::ffff:10.1.2.3", ClassPrivate},
		{"::ffff:0.0.0.0", ClassUnspecified},
		{"::ffff:93.184.216.34", ClassPublic},
		{"::127.0.0.1", ClassLoopback},
		{"::10.0.0.1", ClassPrivate},
		{"::93.184.216.34", ClassPublic},
		{"64:ff9b::127.0.0.1", ClassLoopback},
		{"64:ff9b::a9fe:a9fe", ClassLinkLocal},
		{"64:ff9b::192.168.1.1", ClassPrivate},
		{"64:ff9b::255.255.255.255", ClassBroadcast},
		{"64:ff9b::93.184.216.34", ClassPublic},
		{"64:ff9b::1:0:7f00:1", ClassPublic}, // outside the /96: not NAT64
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := Classify(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("Classify(%s) = %s, want %s", tt.addr, got, tt.want)
			}
		})
	}
	if got := Classify(netip.Addr{}); got != ClassInvalid {
		t.Errorf("Classify(zero Addr) = %s, want %s", got, ClassInvalid)
	}
}
