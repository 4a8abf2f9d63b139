package netguard

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// CheckURL vets a URL when a user saves it: http or https, a host, no
// credentials, a valid port, and no IP literal or internal-looking name
// unless its host:port is allow-listed. Names are not resolved here: what a
// name resolves to can change, so the dialer checks again at connect time.
// Errors wrap ErrInvalidURL (not an http(s) address) or ErrTargetNotAllowed.
func CheckURL(p Policy, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes the whole input; keep only why.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	port, err := checkShape(u)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if p.Allows(net.JoinHostPort(host, port)) {
		return nil
	}
	if c, reason := classifyHost(host); c != ClassPublic {
		return &TargetError{Target: host, Class: c, Reason: reason}
	}
	return nil
}

// checkShape checks everything but the host's identity and returns the
// effective port.
func checkShape(u *url.URL) (string, error) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%w: scheme %q is not http or https", ErrInvalidURL, u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return "", fmt.Errorf("%w: no host", ErrInvalidURL)
	}
	if u.User != nil {
		// Credentials in a URL end up in logs and in every request's Authorization.
		return "", fmt.Errorf("%w: credentials in the URL", ErrInvalidURL)
	}
	port := u.Port()
	if port == "" {
		if u.Scheme == "https" {
			return "443", nil
		}
		return "80", nil
	}
	if _, err := parsePort(port); err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	return port, nil
}

// classifyHost refuses IP literals of any class (a saved site is a name) and
// names that only mean something inside a network.
func classifyHost(host string) (Class, string) {
	if a, err := netip.ParseAddr(host); err == nil {
		return ClassIPLiteral, "IP literal (" + string(Classify(a)) + ") is not on the allow list"
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	// No real top-level domain is numeric or hex; resolvers built on
	// inet_aton read 2130706433, 0177.1 or 0x7f.1 as IPv4 addresses.
	tld := name[strings.LastIndexByte(name, '.')+1:]
	switch {
	case tld == "":
		return ClassInvalid, "malformed host name"
	case isDigits(tld), strings.HasPrefix(tld, "0x"):
		return ClassNumericName, "numeric host"
	case name == "localhost", strings.HasSuffix(name, ".localhost"):
		return ClassName, "localhost name"
	case strings.HasSuffix(name, ".local"), strings.HasSuffix(name, ".internal"):
		return ClassName, "internal domain"
	case !strings.Contains(name, "."):
		// Single labels resolve through the search domains: inside by design.
		return ClassName, "single-label name"
	}
	return ClassPublic, ""
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
