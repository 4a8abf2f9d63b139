package netguard

import (
	"context"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// Dialer connects only to public addresses, or to the exact host:port
// entries its Policy allows.
type Dialer struct {
	policy  Policy
	guarded net.Dialer // checks every resolved address before connecting
	open    net.Dialer // for allow-listed targets only
}

// NewDialer returns a Dialer enforcing p.
func NewDialer(p Policy) *Dialer {
	const timeout, keepAlive = 10 * time.Second, 30 * time.Second
	return &Dialer{
		policy:  p,
		guarded: net.Dialer{Timeout: timeout, KeepAlive: keepAlive, ControlContext: checkResolved},
		open:    net.Dialer{Timeout: timeout, KeepAlive: keepAlive},
	}
}

// DialContext dials addr ("host:port" as the request names it). Only TCP is
// offered: nothing we call speaks anything else.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &net.OpError{Op: "dial", Net: network, Err: &TargetError{
			Target: addr, Class: ClassInvalid, Reason: "network " + network + " is not offered",
		}}
	}
	if d.policy.Allows(addr) {
		return d.open.DialContext(ctx, network, addr)
	}
	return d.guarded.DialContext(ctx, network, addr)
}

// checkResolved runs after DNS resolution with the "ip:port" the socket is
// about to connect to, once per address tried, so a name resolving inside is
// refused like an IP literal.
func checkResolved(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &TargetError{Target: address, Class: ClassInvalid, Reason: "unparseable dial address"}
	}
	if c := Classify(ap.Addr()); c != ClassPublic {
		return &TargetError{Target: address, Class: c, Reason: "internal address at connect time"}
	}
	return nil
}
