// Package store is the DynamoDB adapter for everything on the single table
// except the credit ledger (package ledger). Every key it builds comes from
// package keys and starts with the caller's account, so tenant isolation
// holds by construction: another account's ID is simply not found. Writes
// that must happen together are collected in a Tx (package txn) and written
// in one transaction with their counter deltas.
//
// The files:
//
//	store.go       the Store, its DB interface, item (un)marshalling, reads and the transaction call
//	page.go        cursor-sealed pages of one query, full queries for audits
//	lists.go       the site lists (clusters, ideas, tasks, content, images) and the ledger entries
//	accounts.go    accounts and API keys
//	sites.go       sites and sectors (with their name guards), site deletion
//	stats.go       the site and sector counters, and their audit and repair
//	keywords.go    keyword import (with uniqueness guards), listing, bulk status and delete
//	workflow.go    clusters, ideas, tasks, content and images: puts, status moves, reads, claims
//	steps.go       exactly-once step records and the chunked writes of a step's results
//	operations.go  operations, AI task logs, usage logs, notifications and activity counters
//	automation.go  automation settings and schedules, runs, run locks and batch counts
//	publishing.go  publishing settings, calendar slots, the due queue, claims, integrations
//	config.go      the AI model registry and the billing configuration
package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/igny8/igny8-serverless/shared/cursor"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store/txn"
)

// DB is the part of the DynamoDB client the store uses.
type DB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store reads and writes the single table.
type Store struct {
	db      DB
	table   string
	cursors *cursor.Codec
	now     func() time.Time
}

// New returns a store on table; cursorSecret seals list cursors.
func New(db DB, table, cursorSecret string) *Store {
	return &Store{db: db, table: table, cursors: cursor.New(cursorSecret), now: func() time.Time { return time.Now().UTC() }}
}

// Table is the table name.
func (s *Store) Table() string { return s.table }

// NewID returns a ULID: unique and sortable by creation time.
func NewID() string { return strings.ToLower(ulid.MustNew(ulid.Now(), rand.Reader).String()) }

var avOpts = func(o *attributevalue.EncoderOptions) { o.TagKey = "json" }
var avDecOpts = func(o *attributevalue.DecoderOptions) { o.TagKey = "json" }

// item marshals an entity (using its json tags) and adds the key attributes.
func item(v any, keyAttrs map[string]string) (map[string]types.AttributeValue, error) {
	m, err := attributevalue.MarshalMapWithOptions(v, avOpts)
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", v, err)
	}
	for k, val := range keyAttrs {
		m[k] = &types.AttributeValueMemberS{Value: val}
	}
	return m, nil
}

func unmarshal(m map[string]types.AttributeValue, v any) error {
	if err := attributevalue.UnmarshalMapWithOptions(m, v, avDecOpts); err != nil {
		return fmt.Errorf("unmarshal %T: %w", v, err)
	}
	return nil
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue  { return &types.AttributeValueMemberN{Value: fmt.Sprint(v)} }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": str(pk), "SK": str(sk)}
}

func (s *Store) get(ctx context.Context, pk, sk string, v any) error {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("get %s %s: %w", pk, sk, err)
	}
	if out.Item == nil {
		return domain.ErrNotFound
	}
	return unmarshal(out.Item, v)
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// transact writes items atomically with the default retry policy.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) error {
	return txn.Write(ctx, s.db, txn.DefaultRetry, items)
}

func trim(s string) string { return strings.TrimSpace(s) }
