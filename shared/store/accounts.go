package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
)

// NewAPIKey returns a fresh random key (shown to its owner once) and its hash.
func NewAPIKey() (plain, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	plain = domain.APIKeyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return plain, HashAPIKey(plain)
}

// HashAPIKey is the SHA-256 (hex) under which a key is stored. Keys carry 256
// bits of randomness, so an unsalted fast hash is enough.
func HashAPIKey(plain string) string {
	h := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(h[:])
}

// accountRecord is the account item; the balance fields are owned by the ledger.
type accountRecord struct {
	domain.Account
	TxCount   int64 `json:"tx_count"`
	SiteCount int64 `json:"site_count"`
}

func (s *Store) keyItem(k domain.APIKey) (types.TransactWriteItem, error) {
	it, err := item(k, map[string]string{"PK": keys.APIKey(k.Hash), "SK": keys.APIKeySK})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	it["hash"] = str(k.Hash)
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table), Item: it, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}, nil
}

// CreateAccount creates an account with a zero balance and its first API key,
// in one transaction. The plain key is returned once and never stored.
func (s *Store) CreateAccount(ctx context.Context, name string) (domain.Account, string, error) {
	name = strings.TrimSpace(name)
	if err := domain.ValidateName("name", name); err != nil {
		return domain.Account{}, "", err
	}
	acct := domain.Account{ID: NewID(), Name: name, CreatedAt: s.now()}
	rec, err := item(accountRecord{Account: acct}, map[string]string{"PK": keys.Account(acct.ID), "SK": keys.AccountSK})
	if err != nil {
		return domain.Account{}, "", err
	}
	plain, hash := NewAPIKey()
	ki, err := s.keyItem(domain.APIKey{Hash: hash, Prefix: plain[:10], AccountID: acct.ID, Role: domain.RoleUser, CreatedAt: s.now()})
	if err != nil {
		return domain.Account{}, "", err
	}
	err = s.transact(ctx, []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.table), Item: rec, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		ki,
	})
	if err != nil {
		return domain.Account{}, "", fmt.Errorf("create account: %w", err)
	}
	return acct, plain, nil
}

// PutAPIKey stores the hash of a given key (used to seed the demo and admin
// keys, whose plain text comes from configuration). It is idempotent.
func (s *Store) PutAPIKey(ctx context.Context, plain string, role domain.Role, account string) error {
	ki, err := s.keyItem(domain.APIKey{Hash: HashAPIKey(plain), Prefix: prefix(plain), AccountID: account, Role: role, CreatedAt: s.now()})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: ki.Put.Item})
	return err
}

func prefix(plain string) string {
	if len(plain) > 10 {
		return plain[:10]
	}
	return plain
}

// LookupAPIKey finds the key with this plain text; unknown keys are
// ErrUnauthorized.
func (s *Store) LookupAPIKey(ctx context.Context, plain string) (domain.APIKey, error) {
	var k domain.APIKey
	hash := HashAPIKey(plain)
	err := s.get(ctx, keys.APIKey(hash), keys.APIKeySK, &k)
	if errors.Is(err, domain.ErrNotFound) {
		return k, domain.ErrUnauthorized
	}
	k.Hash = hash
	return k, err
}

// GetAccount reads an account with its balance (strongly consistent).
func (s *Store) GetAccount(ctx context.Context, account string) (domain.Account, error) {
	var rec accountRecord
	if err := s.get(ctx, keys.Account(account), keys.AccountSK, &rec); err != nil {
		return domain.Account{}, err
	}
	return rec.Account, nil
}

// counts reads the account item for its list totals (tx_count, site_count).
func (s *Store) counts(ctx context.Context, account string) (accountRecord, error) {
	var rec accountRecord
	err := s.get(ctx, keys.Account(account), keys.AccountSK, &rec)
	return rec, err
}
