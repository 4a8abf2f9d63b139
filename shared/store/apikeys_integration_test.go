package store

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
)

// An account's keys are listed from its own partition; revoking one deletes
// its lookup item (it authenticates no more) and marks its record, once,
// however many revocations race; another account's key is not found.
func TestIntegrationAPIKeyRevocation(t *testing.T) {
	db, table := ddblocal.NewTable(t)
	s := New(db, table, "secret-for-tests-0123456789")
	ctx := context.Background()
	acct, first, err := s.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	other, otherKey, err := s.CreateAccount(ctx, "Other")
	if err != nil {
		t.Fatal(err)
	}
	second, _ := NewAPIKey()
	if err := s.PutAPIKey(ctx, second, domain.RoleUser, acct.ID); err != nil {
		t.Fatal(err)
	}
	// Seeding is idempotent: no second record.
	if err := s.PutAPIKey(ctx, second, domain.RoleUser, acct.ID); err != nil {
		t.Fatal(err)
	}
	admin, _ := NewAPIKey()
	if err := s.PutAPIKey(ctx, admin, domain.RoleAdmin, ""); err != nil {
		t.Fatal(err)
	}
	firstID, secondID, otherID := KeyID(HashAPIKey(first)), KeyID(HashAPIKey(second)), KeyID(HashAPIKey(otherKey))

	ks, err := s.APIKeys(ctx, acct.ID)
	if err != nil || len(ks) != 2 || ks[0].ID != firstID || ks[1].ID != secondID {
		t.Fatalf("keys %+v %v, want %s then %s", ks, err, firstID, secondID)
	}
	for _, k := range ks {
		if k.AccountID != acct.ID || k.Role != domain.RoleUser || k.RevokedAt != nil || k.Prefix == "" || k.CreatedAt.IsZero() {
			t.Fatalf("key %+v", k)
		}
	}
	if k, err := s.LookupAPIKey(ctx, second); err != nil || k.ID != secondID || k.AccountID != acct.ID {
		t.Fatalf("lookup %+v %v", k, err)
	}

	tests := []struct {
		name, account, id string
		wantErr           error
	}{
		{"another account's key", acct.ID, otherID, domain.ErrNotFound},
		{"a key that never was", acct.ID, "0123456789abcdef01234567", domain.ErrNotFound},
		{"an account that never was", "01nobody", firstID, domain.ErrNotFound},
		{"an admin key (no account)", "", KeyID(HashAPIKey(admin)), domain.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.RevokeAPIKey(ctx, tc.account, tc.id); !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
		})
	}
	if _, err := s.LookupAPIKey(ctx, otherKey); err != nil {
		t.Fatalf("the other account's key stopped working: %v", err)
	}
	if ks, _ := s.APIKeys(ctx, other.ID); len(ks) != 1 || ks[0].RevokedAt != nil {
		t.Fatalf("the other account's keys: %+v", ks)
	}

	// Eight revocations at once: one writes, all answer the same time.
	var wg sync.WaitGroup
	got := make([]domain.APIKey, 8)
	errs := make([]error, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = s.RevokeAPIKey(ctx, acct.ID, secondID)
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i].RevokedAt == nil || got[i].ID != secondID {
			t.Fatalf("revocation %d: %+v %v", i, got[i], errs[i])
		}
	}
	again, err := s.RevokeAPIKey(ctx, acct.ID, secondID)
	if err != nil || again.RevokedAt == nil {
		t.Fatalf("revoke again: %+v %v", again, err)
	}
	for i := range got {
		if !got[i].RevokedAt.Equal(*again.RevokedAt) {
			t.Fatalf("revoked at %v and %v: more than one revocation was written", got[i].RevokedAt, again.RevokedAt)
		}
	}
	if _, err := s.LookupAPIKey(ctx, second); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("a revoked key still authenticates: %v", err)
	}
	if _, err := s.LookupAPIKey(ctx, first); err != nil {
		t.Fatalf("the other key of the account stopped working: %v", err)
	}
	ks, _ = s.APIKeys(ctx, acct.ID)
	if len(ks) != 2 || ks[0].RevokedAt != nil || ks[1].RevokedAt == nil || !ks[1].RevokedAt.Equal(*again.RevokedAt) {
		t.Fatalf("keys after revocation: %+v", ks)
	}
}
