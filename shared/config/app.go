package config

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/igny8/igny8-serverless/shared/ddb"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/sfnstart"
	"github.com/igny8/igny8-serverless/shared/store"
)

// Deps are the adapters built from a Config: what every function wires.
type Deps struct {
	Config    Config
	Store     *store.Store
	Ledger    *ledger.Ledger
	Providers ops.Providers
	Blobs     ops.BlobStore
	Log       *slog.Logger
}

// Load reads the configuration from the environment and builds the deps.
func Load(ctx context.Context) (Deps, error) {
	c, err := FromEnv()
	if err != nil {
		return Deps{}, err
	}
	return c.Build(ctx)
}

// Build connects to DynamoDB and builds the store, the ledger, the AI
// providers and the blob store.
func (c Config) Build(ctx context.Context) (Deps, error) {
	db, err := ddb.NewClient(ctx, c.DynamoDBEndpoint)
	if err != nil {
		return Deps{}, err
	}
	providers, err := c.providers()
	if err != nil {
		return Deps{}, err
	}
	d := Deps{Config: c, Store: store.New(db, c.Table, c.CursorSecret), Ledger: ledger.New(db, c.Table),
		Providers: providers, Log: c.Logger()}
	d.Blobs = c.blobs()
	return d, nil
}

// Credits are the credit steps.
func (d Deps) Credits() *ops.Credits { return &ops.Credits{Store: d.Store, Ledger: d.Ledger} }

// Runner is the run step of the operations.
func (d Deps) Runner() *ops.Runner {
	return &ops.Runner{Store: d.Store, Providers: d.Providers, Blobs: d.Blobs, Log: d.Log}
}

// Service starts operations through starter.
func (d Deps) Service(starter ops.Starter) *ops.Service {
	return &ops.Service{Store: d.Store, Providers: d.Providers, Starter: starter}
}

// API returns the HTTP API handler; operations start through starter.
func (d Deps) API(starter ops.Starter) http.Handler {
	return httpapi.New(d.Store, d.Ledger, d.Service(starter), d.Config.Brand, d.Log)
}

// CloudStarter starts the operation state machine named by
// OPERATION_STATE_MACHINE_ARN with the Step Functions API.
func (d Deps) CloudStarter(ctx context.Context) (ops.Starter, error) {
	arn := os.Getenv("OPERATION_STATE_MACHINE_ARN")
	if arn == "" {
		return nil, errors.New("OPERATION_STATE_MACHINE_ARN must be set")
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	return sfnstart.Starter{Client: sfn.NewFromConfig(cfg), StateMachineArn: arn}, nil
}

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
