package config

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/igny8/igny8-serverless/shared/ddb"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/store"
)

// Deps are the adapters built from a Config.
type Deps struct {
	Store  *store.Store
	Ledger *ledger.Ledger
	Log    *slog.Logger
}

// Build connects to DynamoDB and builds the store and the ledger.
func (c Config) Build(ctx context.Context) (Deps, error) {
	db, err := ddb.NewClient(ctx, c.DynamoDBEndpoint)
	if err != nil {
		return Deps{}, err
	}
	return Deps{Store: store.New(db, c.Table, c.CursorSecret), Ledger: ledger.New(db, c.Table), Log: c.Logger()}, nil
}

// API returns the HTTP API handler over these dependencies.
func (d Deps) API() http.Handler { return httpapi.New(d.Store, d.Ledger, d.Log) }
