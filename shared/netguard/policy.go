package netguard

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// EnvAllowHosts is the environment variable PolicyFromEnv reads: a
// comma-separated list of exact host:port entries that may be reached even
// though they are internal (the local stack's WordPress, a test server).
const EnvAllowHosts = "OUTBOUND_ALLOW_HOSTS"

// Policy decides which internal targets may be reached anyway. The zero
// Policy allows no internal target, which is what the cloud stack runs with.
type Policy struct {
	allow map[string]struct{} // normalized host:port
}

// NewPolicy builds a Policy allowing exactly the given host:port entries
// (host a name or an IP literal, IPv6 in brackets).
func NewPolicy(hostports ...string) (Policy, error) {
	p := Policy{allow: make(map[string]struct{}, len(hostports))}
	for _, hp := range hostports {
		key, err := normalizeHostPort(hp)
		if err != nil {
			return Policy{}, fmt.Errorf("netguard: allow-list entry %q: %w", hp, err)
		}
		p.allow[key] = struct{}{}
	}
	return p, nil
}

// ParseAllowList builds a Policy from the OUTBOUND_ALLOW_HOSTS format:
// comma-separated host:port entries, spaces trimmed, empty entries ignored.
func ParseAllowList(s string) (Policy, error) {
	var entries []string
	for e := range strings.SplitSeq(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			entries = append(entries, e)
		}
	}
	return NewPolicy(entries...)
}

// PolicyFromEnv builds the Policy from OUTBOUND_ALLOW_HOSTS; unset means
// nothing internal is reachable.
func PolicyFromEnv() (Policy, error) {
	p, err := ParseAllowList(os.Getenv(EnvAllowHosts))
	if err != nil {
		return Policy{}, fmt.Errorf("%s: %w", EnvAllowHosts, err)
	}
	return p, nil
}

// Allows reports whether hostport, as the request names it (before any
// resolution), is on the allow list.
func (p Policy) Allows(hostport string) bool {
	if len(p.allow) == 0 {
		return false
	}
	key, err := normalizeHostPort(hostport)
	if err != nil {
		return false
	}
	_, ok := p.allow[key]
	return ok
}

// normalizeHostPort gives entries and requests one spelling: lower-case host
// without a trailing dot, canonical IP text, decimal port.
func normalizeHostPort(hp string) (string, error) {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return "", err
	}
	host = normalizeHost(host)
	if host == "" {
		return "", errors.New("missing host")
	}
	n, err := parsePort(port)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

func normalizeHost(host string) string {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.String()
	}
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

func parsePort(port string) (int, error) {
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "+") {
		return 0, fmt.Errorf("port %q is not 1-65535", port)
	}
	return n, nil
}
