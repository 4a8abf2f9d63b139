// Package app is the composition root: it builds the adapters (the
// DynamoDB client, the store, the ledger, the secret box, the blob store,
// the publishing connector and the outbound guard it and the AI providers
// share, the logger) from what shared/config reads, the
// services on them, and the handler of every function in shared/catalog.
// Each functions/<name>/main.go starts its function through Start, and the
// local stack (infra/local) invokes the same step handlers, so there is one
// wiring.
//
// The heavy clients stay out of it: the AI vendor SDKs (shared/aiproviders)
// and the S3 client are linked only into the functions whose main passes
// them as options (WithProviders, WithBucket; the hand-signed Step
// Functions, Lambda and presigning adapters likewise: WithStateMachines,
// WithTokens, WithInvoker, WithLinks), which keeps every other
// Lambda small and quick to start and lets the CDK's permission scan see
// which function calls what.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/awsenv"
	"github.com/igny8/igny8-serverless/shared/blob"
	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/ddb"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/netguard"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/publishing"
	"github.com/igny8/igny8-serverless/shared/secretbox"
	"github.com/igny8/igny8-serverless/shared/store"
)

// App holds the adapters a function runs on.
type App struct {
	Config config.Config
	// AWS is the configuration every AWS client of the function is built
	// from (loaded once; the options' constructors take it too).
	AWS    aws.Config
	Store  *store.Store
	Ledger *ledger.Ledger
	// Providers are the AI adapters, set only where a provider is called
	// (WithProviders in the op-* functions and the local stack).
	Providers ops.Providers
	Blobs     BlobStore
	// Links shows stored images to users (presigned links to the cloud's
	// bucket; WithLinks in the API); nil where the blob URLs can be shown
	// as they are (the local stack's files).
	Links httpapi.Linker
	Box   *secretbox.Box
	// Connect builds the publisher of a site's platform (tests swap it).
	Connect publishing.Connector
	// Outbound is the policy of every request to an address a user or a
	// vendor gave us (OUTBOUND_ALLOW_HOSTS; the cloud sets none), and
	// Guarded the one client enforcing it: the publishing adapters, the AI
	// providers and their image downloads all get it.
	Outbound netguard.Policy
	Guarded  *http.Client
	Log      *slog.Logger

	// Where work goes next. In the cloud the options set them for the
	// functions that need them; the local stack sets its own.
	Operations ops.Starter        // starts operation executions
	Runs       ops.Starter        // starts automation runs
	Tokens     automation.Tokens  // sends parked batches' task tokens back
	Invoker    publishing.Invoker // hands publish jobs to the publish function
}

// BlobStore keeps generated files: the image step writes them, the
// publisher reads them back to upload to the site.
type BlobStore interface {
	ops.BlobStore
	publishing.BlobReader
}

// ErrNotWired is a function started without an adapter it needs (an
// option its main does not pass).
var ErrNotWired = errors.New("adapter not wired")

// Option completes the App once its adapters are built, in the order given.
type Option func(*App) error

// Load reads the configuration of the named function (its secret
// parameters in the cloud, then the environment) and builds its App.
func Load(ctx context.Context, name string, opts ...Option) (*App, error) {
	f, ok := catalog.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("function %q is not in the catalog", name)
	}
	cfg, err := awsenv.Load(config.DynamoDBEndpoint())
	if err != nil {
		return nil, err
	}
	c, err := config.Load(ctx, cfg, f.Secrets())
	if err != nil {
		return nil, err
	}
	return build(cfg, c, opts)
}

// Build connects to the DynamoDB of c and builds the App: for a
// configuration made in code (the local stack, tests).
func Build(ctx context.Context, c config.Config, opts ...Option) (*App, error) {
	cfg, err := awsenv.Load(c.DynamoDBEndpoint)
	if err != nil {
		return nil, err
	}
	return build(cfg, c, opts)
}

func build(cfg aws.Config, c config.Config, opts []Option) (*App, error) {
	db := ddb.FromConfig(cfg, c.DynamoDBEndpoint)
	box, err := secretbox.New(c.SealingKey())
	if err != nil {
		return nil, err
	}
	dir := c.BlobDir
	if dir == "" {
		dir = config.DefaultBlobDir
	}
	a := &App{Config: c, AWS: cfg, Store: store.New(db, c.Table, c.CursorSecret), Ledger: ledger.New(db, c.Table),
		Blobs: blob.Dir{Root: dir, BaseURL: c.BlobBaseURL}, Box: box, Log: c.Logger()}
	if err := a.allowOutbound(nil); err != nil {
		return nil, err
	}
	for _, o := range opts {
		if err := o(a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// WithProviders builds the AI adapters with f (aiproviders.FromEnv) on the
// guarded client. It runs after the secret parameters have filled the
// environment, where f finds the provider keys; put it after WithOutbound.
func WithProviders(f func(guarded *http.Client) ops.Providers) Option {
	return func(a *App) error { a.Providers = f(a.Guarded); return nil }
}

// WithOutbound allows the given host:port entries too (the local stack's own
// WordPress), besides OUTBOUND_ALLOW_HOSTS.
func WithOutbound(hostports ...string) Option {
	return func(a *App) error { return a.allowOutbound(hostports) }
}

// maxOutboundBody bounds an answer: a provider's inline base64 image is
// about 4/3 of the largest image we accept.
const maxOutboundBody = 2 * ai.MaxImageBytes

// allowOutbound builds the policy from OUTBOUND_ALLOW_HOSTS and extra, the
// guarded client on it and the publishing connector on that client. A bad
// entry fails start-up: a typo would otherwise silently block a site.
func (a *App) allowOutbound(extra []string) error {
	p, err := netguard.ParseAllowList(os.Getenv(netguard.EnvAllowHosts) + "," + strings.Join(extra, ","))
	if err != nil {
		return fmt.Errorf("outbound allow list (%s and the stack's own): %w", netguard.EnvAllowHosts, err)
	}
	a.Outbound = p
	a.Guarded = netguard.NewClient(p, netguard.Options{MaxResponseBytes: maxOutboundBody})
	a.Connect = publishing.Platforms(a.Guarded)
	return nil
}

// WithBlobs keeps generated files in b instead of the folder the
// configuration names.
func WithBlobs(b BlobStore) Option {
	return func(a *App) error { a.Blobs = b; return nil }
}

// WithLogger logs to l instead of standard error.
func WithLogger(l *slog.Logger) Option {
	return func(a *App) error { a.Log = l; return nil }
}

// WithBucket keeps generated files where f (s3blob.FromEnv) says: the
// image bucket when one is configured, else the local store it is given.
func WithBucket[S BlobStore](f func(aws.Config, S) S) Option {
	return func(a *App) error {
		local, ok := a.Blobs.(S)
		if !ok {
			return fmt.Errorf("blob store %T: %w", a.Blobs, ErrNotWired)
		}
		a.Blobs = f(a.AWS, local)
		return nil
	}
}

// WithLinks shows images through what f (s3link.FromEnv) builds, when it
// builds one (a bucket is configured).
func WithLinks[L httpapi.Linker](f func(aws.Config) (L, bool)) Option {
	return func(a *App) error {
		if l, ok := f(a.AWS); ok {
			a.Links = l
		}
		return nil
	}
}

// WithStateMachines starts executions through the starters and sends
// tokens through the sender f (sfnstart.Cloud) builds.
func WithStateMachines[S ops.Starter, T automation.Tokens](f func(aws.Config) (operations, runs S, tokens T, err error)) Option {
	return func(a *App) error {
		operations, runs, tokens, err := f(a.AWS)
		if err != nil {
			return err
		}
		a.Operations, a.Runs, a.Tokens = operations, runs, tokens
		return nil
	}
}

// WithTokens sends task tokens through what f (sfnstart.CloudTokens) builds.
func WithTokens[T automation.Tokens](f func(aws.Config) T) Option {
	return func(a *App) error { a.Tokens = f(a.AWS); return nil }
}

// WithInvoker hands publish jobs to what f (lambdainvoke.FromEnv) builds.
func WithInvoker[I publishing.Invoker](f func(aws.Config) (I, error)) Option {
	return func(a *App) error {
		inv, err := f(a.AWS)
		if err != nil {
			return err
		}
		a.Invoker = inv
		return nil
	}
}
