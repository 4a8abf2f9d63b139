// Package publishing puts approved content on the site: the site's
// connection, its publishing settings, slot allocation in the site's zone,
// the scheduler tick that claims due items, and the publish step itself,
// which makes exactly one remote post per content item however often it
// runs. Platforms sit behind platform.Publisher; the table behind the small
// store interfaces in store.go.
package publishing

import (
	"context"
	"log/slog"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/netguard"
	"github.com/igny8/igny8-serverless/shared/platform"
	"github.com/igny8/igny8-serverless/shared/secretbox"
)

// Target is a connected site (what a Connector builds).
type Target = platform.Site

// Connector builds the Target of a site's integration (secret opened).
type Connector func(in domain.SiteIntegration, secret string) (Target, error)

// Job is one claimed item handed to the publish step.
type Job struct {
	AccountID string `json:"account_id"`
	SiteID    string `json:"site_id"`
	ContentID string `json:"content_id"`
	ClaimID   string `json:"claim_id"`
}

// Invoker hands a job to the publish step (the publish Lambda, invoked
// asynchronously; in process locally).
type Invoker interface {
	Invoke(ctx context.Context, job Job) error
}

// BlobReader reads a generated file by the URL it was stored under.
type BlobReader interface {
	Get(ctx context.Context, url string) (data []byte, contentType string, err error)
}

// Retry is how the publish step retries a platform that is down or busy.
type Retry struct {
	Attempts int           // in all, including the first
	Base     time.Duration // the first wait; it doubles each time
	Max      time.Duration // no wait is longer (a Retry-After longer than this fails the attempt)
}

// DefaultRetry suits a publish Lambda with a 5-minute timeout.
var DefaultRetry = Retry{Attempts: 4, Base: 5 * time.Second, Max: 60 * time.Second}

// MaxClaims bounds how often an item is claimed without an outcome before
// the publish step records it failed.
const MaxClaims = 5

// DefaultLease is how long a claim holds an item before another tick may
// take it over; it must outlast the publish Lambda's timeout.
const DefaultLease = 15 * time.Minute

// Service is publishing; Store is the table (*store.Store in production).
type Service struct {
	Store   Store
	Box     *secretbox.Box
	Connect Connector
	// Outbound is the policy a saved site address is checked against: the
	// one the Connector's client dials with (the zero Policy allows nothing
	// internal).
	Outbound netguard.Policy
	Invoker  Invoker
	Blobs    BlobReader
	Retry    Retry
	Lease    time.Duration
	Now      func() time.Time
	// Sleep waits between attempts (tests make it instant).
	Sleep func(ctx context.Context, d time.Duration) error
	Log   *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return DefaultLease
}

func (s *Service) retry() Retry {
	if s.Retry.Attempts > 0 {
		return s.Retry
	}
	return DefaultRetry
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func owner(account, site string) string { return account + "#" + site }
