package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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

// KeyID is the ID of the key with this hash: its first 24 hex digits (96
// bits; the hash of a 256-bit random key reveals nothing of it). Derived,
// not stored alone, so every key has one and seeding a key is idempotent.
func KeyID(hash string) string {
	if len(hash) < 24 {
		return hash
	}
	return hash[:24]
}

// keyItems are the writes that issue k: the lookup item (global, by hash:
// what authenticates) and, for an account's key, its record in the account's
// partition (what lists the account's keys and records a revocation).
func (s *Store) keyItems(k domain.APIKey) ([]types.TransactWriteItem, error) {
	k.ID = KeyID(k.Hash)
	it, err := item(k, map[string]string{"PK": keys.APIKey(k.Hash), "SK": keys.APIKeySK})
	if err != nil {
		return nil, err
	}
	it["hash"] = str(k.Hash)
	out := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(s.table), Item: it, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}}
	if k.AccountID == "" {
		return out, nil
	}
	rec, err := item(k, map[string]string{"PK": keys.Account(k.AccountID), "SK": keys.AccountAPIKey(k.ID)})
	if err != nil {
		return nil, err
	}
	rec["hash"] = str(k.Hash)
	return append(out, types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table), Item: rec, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}), nil
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
	ki, err := s.keyItems(domain.APIKey{Hash: hash, Prefix: plain[:10], AccountID: acct.ID, Role: domain.RoleUser, CreatedAt: s.now()})
	if err != nil {
		return domain.Account{}, "", err
	}
	err = s.transact(ctx, append([]types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.table), Item: rec, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}, ki...))
	if err != nil {
		return domain.Account{}, "", fmt.Errorf("create account: %w", err)
	}
	return acct, plain, nil
}

// MaxActiveAPIKeys bounds the keys an account may hold unrevoked at once:
// enough to rotate (issue the new key, move clients, revoke the old one)
// and to give each client its own, not so many that leaked keys pile up.
const MaxActiveAPIKeys = 10

// IssueAPIKey issues a new key of the account (role user). The plain key is
// returned once and never stored. An account holding MaxActiveAPIKeys
// unrevoked keys is refused (ErrConflict) until it revokes one; two issues
// racing past the count can overshoot it by one each, which the bound
// tolerates (it limits piles, not money).
func (s *Store) IssueAPIKey(ctx context.Context, account string) (domain.APIKey, string, error) {
	ks, err := s.APIKeys(ctx, account)
	if err != nil {
		return domain.APIKey{}, "", err
	}
	active := 0
	for _, k := range ks {
		if k.RevokedAt == nil {
			active++
		}
	}
	if active >= MaxActiveAPIKeys {
		return domain.APIKey{}, "", fmt.Errorf("%w: the account holds %d active API keys, the most it may: revoke one first", domain.ErrConflict, active)
	}
	plain, hash := NewAPIKey()
	k := domain.APIKey{Hash: hash, Prefix: prefix(plain), AccountID: account, Role: domain.RoleUser, CreatedAt: s.now()}
	ki, err := s.keyItems(k)
	if err != nil {
		return domain.APIKey{}, "", err
	}
	if err := s.transact(ctx, ki); err != nil {
		return domain.APIKey{}, "", fmt.Errorf("issue api key: %w", err)
	}
	k.ID = KeyID(hash)
	return k, plain, nil
}

// PutAPIKey stores the hash of a given key (used to seed the demo and admin
// keys, whose plain text comes from configuration). It is idempotent, and
// puts back a configured key that was revoked: the configuration says it
// is wanted.
func (s *Store) PutAPIKey(ctx context.Context, plain string, role domain.Role, account string) error {
	ki, err := s.keyItems(domain.APIKey{Hash: HashAPIKey(plain), Prefix: prefix(plain), AccountID: account, Role: role, CreatedAt: s.now()})
	if err != nil {
		return err
	}
	for i := range ki {
		ki[i].Put.ConditionExpression = nil
	}
	return s.transact(ctx, ki)
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
	k.Hash, k.ID = hash, KeyID(hash)
	return k, err
}

// APIKeys lists the account's keys, revoked ones too (with the time of
// their revocation), oldest first. Accounts hold a handful of keys, so the
// list is one strongly consistent Query, without a cursor.
func (s *Store) APIKeys(ctx context.Context, account string) ([]domain.APIKey, error) {
	out := []domain.APIKey{}
	err := s.queryAll(ctx, keys.Account(account), keys.AccountAPIKeyPrefix, func(it map[string]types.AttributeValue) error {
		var k domain.APIKey
		if err := unmarshal(it, &k); err != nil {
			return err
		}
		out = append(out, k)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	slices.SortFunc(out, func(a, b domain.APIKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RevokeAPIKey revokes one of the account's keys: in one transaction its
// lookup item is deleted (so no request authenticates with it from then
// on) and its record is marked revoked. A key of another account, or none,
// is ErrNotFound; revoking a revoked key answers it as it is (idempotent).
func (s *Store) RevokeAPIKey(ctx context.Context, account, id string) (domain.APIKey, error) {
	var k domain.APIKey
	var hash struct {
		Hash string `json:"hash"`
	}
	pk, sk := keys.Account(account), keys.AccountAPIKey(id)
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return k, fmt.Errorf("get api key: %w", err)
	}
	if out.Item == nil {
		return k, fmt.Errorf("no such api key: %w", domain.ErrNotFound)
	}
	if err := unmarshal(out.Item, &k); err != nil {
		return k, err
	}
	if err := unmarshal(out.Item, &hash); err != nil {
		return k, err
	}
	if k.RevokedAt != nil {
		return k, nil
	}
	now := s.now()
	err = s.transact(ctx, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(pk, sk),
			UpdateExpression:          aws.String("SET revoked_at = :now"),
			ConditionExpression:       aws.String("attribute_exists(PK) AND attribute_not_exists(revoked_at)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": str(now.Format(time.RFC3339Nano))},
		}},
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(keys.APIKey(hash.Hash), keys.APIKeySK)}},
	})
	if err != nil {
		// A concurrent revocation won: answer what it wrote.
		var again domain.APIKey
		if gerr := s.get(ctx, pk, sk, &again); gerr == nil && again.RevokedAt != nil {
			return again, nil
		}
		return k, fmt.Errorf("revoke api key: %w", err)
	}
	k.RevokedAt = &now
	return k, nil
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
