// Package netguard is the one outbound HTTP client for addresses a user gave
// us (a WordPress or Shopify site, a webhook, an AI provider's base URL, an
// image URL). It refuses loopback, private, link-local, metadata and other
// internal targets so a saved URL cannot make the server send credentials to
// itself, scan internal ports, or reach the Lambda Runtime API on 127.0.0.1.
//
// The real check runs at dial time, on the IP the socket is about to connect
// to, after DNS resolution: a name checked when it is saved can resolve
// elsewhere later (DNS rebinding), and a public-looking name can point inside.
// CheckURL is only the early, friendly refusal when a user saves a URL.
//
// The allow list (OUTBOUND_ALLOW_HOSTS) is the only way to reach a private
// address, and only for the exact host:port the request names; it exists for
// the local stack and tests, and the cloud stack sets none.
package netguard

import (
	"errors"
	"fmt"
)

// ErrTargetNotAllowed is returned (wrapped in a *TargetError, and by
// http.Client.Do inside a *url.Error) when the target address is refused.
var ErrTargetNotAllowed = errors.New("netguard: target not allowed")

// ErrResponseTooLarge is returned by a response body read once more than the
// client's cap has arrived, so a caller never mistakes a cut body for a whole one.
var ErrResponseTooLarge = errors.New("netguard: response too large")

// ErrInvalidURL is returned by CheckURL for a URL that is not a plain http or
// https address (unparseable, other scheme, no host, credentials, bad port).
var ErrInvalidURL = errors.New("netguard: invalid URL")

// TargetError says which target was refused and why. It never carries a
// response body: nothing was sent or received.
type TargetError struct {
	Target string // the address as dialled or named ("ip:port", "host:port" or a host)
	Class  Class  // the address class that was refused
	Reason string // short human reason
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("%v: %s: %s (%s)", ErrTargetNotAllowed, e.Target, e.Reason, e.Class)
}

// Unwrap makes errors.Is(err, ErrTargetNotAllowed) hold.
func (e *TargetError) Unwrap() error { return ErrTargetNotAllowed }
