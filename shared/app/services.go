package app

import (
	"github.com/igny8/igny8-serverless/shared/reconcile"
	"net/http"
	"os"

	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/publishing"
)

// Credits are the credit steps.
func (a *App) Credits() *ops.Credits {
	return &ops.Credits{Store: a.Store, Ledger: a.Ledger, Log: a.Log}
}

// Runner is the run step of the operations. Its publishing service only
// schedules (the review stage), so it hands no jobs over.
func (a *App) Runner() *ops.Runner {
	return &ops.Runner{Store: a.Store, Providers: a.Providers, Blobs: a.Blobs, Publishing: a.publishing(nil), Log: a.Log}
}

// Publishing is the publishing service; its jobs go to the Invoker.
func (a *App) Publishing() *publishing.Service { return a.publishing(a.Invoker) }

func (a *App) publishing(invoker publishing.Invoker) *publishing.Service {
	return &publishing.Service{Store: a.Store, Box: a.Box, Connect: a.Connect, Outbound: a.Outbound, Invoker: invoker, Blobs: a.Blobs, Log: a.Log}
}

// Ops is the operations service; operations start through Operations.
func (a *App) Ops() *ops.Service {
	return &ops.Service{Store: a.Store, Providers: a.providerNames(), Starter: a.Operations}
}

// providerNames are the adapters when there are any, else the providers
// the environment configures (the functions that only estimate or check a
// model link no adapter).
func (a *App) providerNames() ops.ProviderNames {
	if len(a.Providers.Text)+len(a.Providers.Image) > 0 {
		return a.Providers
	}
	return ops.Configured(os.Getenv)
}

// Automation is the automation service: runs start through Runs, parked
// batches resume through Tokens.
func (a *App) Automation() *automation.Service {
	return &automation.Service{Store: a.Store, Ops: a.Ops(), Starter: a.Runs, Tokens: a.Tokens}
}

// AutomationSteps are the automation state machine's steps.
// Cleaner ends what a dead execution leaves behind (execution-cleanup).
func (a *App) Cleaner() *reconcile.Cleaner {
	return &reconcile.Cleaner{Holds: a.Ledger, Ops: a.Credits(), Runs: a.AutomationSteps(), Log: a.Log}
}

func (a *App) AutomationSteps() *automation.Steps {
	return &automation.Steps{Store: a.Store, Ops: a.Ops(), Tokens: a.Tokens}
}

// API is the HTTP API on the given services (the local stack shares them
// with its scheduler and publisher).
func (a *App) API(auto *automation.Service, pub *publishing.Service) http.Handler {
	var opts []httpapi.Option
	if a.Links != nil { // the cloud's bucket: presigned links
		opts = append(opts, httpapi.WithImageLinks(a.Links))
	}
	return httpapi.New(a.Store, a.Ledger, a.Ops(), auto, pub, a.Config.Brand, a.Log, opts...)
}

// Sweeper voids expired credit holds.
func (a *App) Sweeper() ops.Sweeper { return ops.Sweeper{Ledger: a.Ledger, Log: a.Log} }
