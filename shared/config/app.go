package config

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/ddb"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/publishing"
	"github.com/igny8/igny8-serverless/shared/secretbox"
	"github.com/igny8/igny8-serverless/shared/store"
)

// Deps are the adapters built from a Config: what every function wires.
type Deps struct {
	Config Config
	// AWS is the configuration every AWS client of the function is built
	// from (loaded once: sfnstart.Cloud, lambdainvoke.FromEnv and
	// s3blob.FromEnv take it too).
	AWS    aws.Config
	Store  *store.Store
	Ledger *ledger.Ledger
	// Providers are the AI adapters, set only where a provider is called
	// (aiproviders.FromEnv in the op-* functions and the local stack).
	Providers ops.Providers
	Blobs     BlobStore
	Box       *secretbox.Box
	// Connect builds the publisher of a site's platform (tests swap it).
	Connect publishing.Connector
	Log     *slog.Logger
}

// BlobStore keeps generated files: the image step writes them, the
// publisher reads them back to upload to the site.
type BlobStore interface {
	ops.BlobStore
	publishing.BlobReader
}

// Load reads the configuration from the environment (and the secrets
// parameters under SECRETS_PARAMETER_PATH, in the cloud) and builds the deps.
func Load(ctx context.Context) (Deps, error) {
	cfg, err := ddb.LoadAWS(ctx, os.Getenv("DYNAMODB_ENDPOINT"))
	if err != nil {
		return Deps{}, err
	}
	if err := loadSecretParameters(ctx, cfg); err != nil {
		return Deps{}, err
	}
	c, err := FromEnv()
	if err != nil {
		return Deps{}, err
	}
	return c.build(cfg)
}

// Build connects to DynamoDB and builds the store, the ledger, the secret
// box and the blob store.
func (c Config) Build(ctx context.Context) (Deps, error) {
	cfg, err := ddb.LoadAWS(ctx, c.DynamoDBEndpoint)
	if err != nil {
		return Deps{}, err
	}
	return c.build(cfg)
}

func (c Config) build(cfg aws.Config) (Deps, error) {
	db := ddb.FromConfig(cfg, c.DynamoDBEndpoint)
	box, err := secretbox.New(c.secretsKey())
	if err != nil {
		return Deps{}, err
	}
	d := Deps{Config: c, AWS: cfg, Store: store.New(db, c.Table, c.CursorSecret), Ledger: ledger.New(db, c.Table),
		Box: box, Connect: publishing.Platforms(nil), Log: c.Logger()}
	d.Blobs = c.blobs()
	return d, nil
}

// Credits are the credit steps.
func (d Deps) Credits() *ops.Credits { return &ops.Credits{Store: d.Store, Ledger: d.Ledger} }

// Runner is the run step of the operations.
func (d Deps) Runner() *ops.Runner {
	return &ops.Runner{Store: d.Store, Providers: d.Providers, Blobs: d.Blobs, Publishing: d.Publishing(nil), Log: d.Log}
}

// Publishing is the publishing service; jobs go to the publish step
// through invoker (nil where nothing is published from, e.g. the review
// stage, which only schedules).
func (d Deps) Publishing(invoker publishing.Invoker) *publishing.Service {
	return &publishing.Service{Store: d.Store, Box: d.Box, Connect: d.Connect, Invoker: invoker, Blobs: d.Blobs, Log: d.Log}
}

// Service starts operations through starter.
func (d Deps) Service(starter ops.Starter) *ops.Service {
	return &ops.Service{Store: d.Store, Providers: d.providerNames(), Starter: starter}
}

// providerNames are the adapters when there are any, else the providers
// the environment configures.
func (d Deps) providerNames() ops.ProviderNames {
	if len(d.Providers.Text)+len(d.Providers.Image) > 0 {
		return d.Providers
	}
	return ops.Configured(os.Getenv)
}

// Automation is the automation service: runs start through starter, parked
// batches resume through tokens.
func (d Deps) Automation(operations, runs ops.Starter, tokens automation.Tokens) *automation.Service {
	return &automation.Service{Store: d.Store, Ops: d.Service(operations), Starter: runs, Tokens: tokens}
}

// AutomationSteps are the automation state machine's steps.
func (d Deps) AutomationSteps(tokens automation.Tokens) *automation.Steps {
	return &automation.Steps{Store: d.Store, Ops: d.Service(nil), Tokens: tokens}
}

// API returns the HTTP API handler.
func (d Deps) API(operations ops.Starter, auto *automation.Service, pub *publishing.Service) http.Handler {
	return httpapi.New(d.Store, d.Ledger, d.Service(operations), auto, pub, d.Config.Brand, d.Log)
}

// Now is the clock the scheduled functions use.
func (d Deps) Now() time.Time { return time.Now().UTC() }

// SweepResult is what a sweep did.
type SweepResult struct {
	Released int `json:"released"`
}

// SweepHolds voids the credit holds whose expiry has passed.
func (d Deps) SweepHolds(ctx context.Context) (SweepResult, error) {
	n, err := d.Ledger.Sweep(ctx, time.Now().UTC(), 1000)
	if n > 0 {
		d.Log.InfoContext(ctx, "expired holds released", "count", n)
	}
	return SweepResult{Released: n}, err
}
