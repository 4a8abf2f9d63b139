package ops

import (
	"context"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// ServiceStore is what starting an operation reads and writes
// (*store.Store): the site and account, the models and prices, the items
// an estimate looks at, the claims on them, and the operation record.
type ServiceStore interface {
	modelLister
	GetSite(ctx context.Context, account, site string) (domain.Site, error)
	GetAccount(ctx context.Context, account string) (domain.Account, error)
	Billing(ctx context.Context) (domain.BillingConfiguration, error)
	GetKeywords(ctx context.Context, account, site string, ids []string) ([]domain.Keyword, error)
	KeywordsOfCluster(ctx context.Context, account, site, cluster string) ([]domain.Keyword, error)
	GetCluster(ctx context.Context, account, site, id string) (domain.Cluster, error)
	GetIdea(ctx context.Context, account, site, id string) (domain.ContentIdea, error)
	GetTask(ctx context.Context, account, site, id string) (domain.Task, error)
	GetContent(ctx context.Context, account, site, id string) (domain.Content, error)
	GetImage(ctx context.Context, account, site, id string) (domain.Image, error)
	Notify(ctx context.Context, account string, n domain.Notification) error
	CreateOperation(ctx context.Context, account string, op domain.Operation) error
	FailOperation(ctx context.Context, account string, op domain.Operation, opErr domain.OperationError, note domain.Notification) error
	HasImagePrompts(ctx context.Context, account, site, id string) (bool, error)
	claimer
}

// claimer claims an operation's input items and releases them
// (*store.Store).
type claimer interface {
	ClaimItems(ctx context.Context, account, site string, e domain.Entity, ids []string, op string, until time.Time) error
	ReleaseItems(ctx context.Context, account, site string, e domain.Entity, ids []string, op string) error
}
