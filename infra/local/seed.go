// Package local is the local runtime: it plays API Gateway (HTTP on
// localhost) over the same handler the API Lambda serves, on DynamoDB Local.
package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/igny8/igny8-serverless/shared/app"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// State is what the local stack keeps between restarts (in .local/state.json,
// which is git-ignored): the secrets and the demo account it seeded.
type State struct {
	CursorSecret string `json:"cursor_secret"`
	SecretsKey   string `json:"secrets_key"`
	AdminAPIKey  string `json:"admin_api_key"`
	DemoAPIKey   string `json:"demo_api_key"`
	DemoAccount  string `json:"demo_account_id"`
	DemoSite     string `json:"demo_site_id"`
}

// DemoCredits is the demo account's starting balance.
const DemoCredits = 10_000

func loadState(path string) (State, error) {
	var st State
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(b, &st)
}

func saveState(path string, st State) error {
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ensureSecrets fills in the cursor secret and admin key on first start.
func ensureSecrets(st *State) {
	if st.CursorSecret == "" {
		st.CursorSecret = randomHex(32)
	}
	if st.SecretsKey == "" {
		st.SecretsKey = randomHex(32)
	}
	if st.AdminAPIKey == "" {
		st.AdminAPIKey, _ = store.NewAPIKey()
	}
}

// seed makes sure the configuration, the admin key and the demo account with
// credits and a demo site exist. Every step is idempotent, so a restart (or a
// wiped database under an old state file) ends in the same place.
func seed(ctx context.Context, deps *app.App, st *State) error {
	s := deps.Store
	if err := s.SeedConfig(ctx); err != nil {
		return err
	}
	if err := s.PutAPIKey(ctx, st.AdminAPIKey, domain.RoleAdmin, ""); err != nil {
		return fmt.Errorf("seed admin key: %w", err)
	}
	if st.DemoAccount != "" {
		if _, err := s.GetAccount(ctx, st.DemoAccount); errors.Is(err, domain.ErrNotFound) {
			*st = State{CursorSecret: st.CursorSecret, SecretsKey: st.SecretsKey, AdminAPIKey: st.AdminAPIKey}
		} else if err != nil {
			return err
		}
	}
	if st.DemoAccount == "" {
		acct, key, err := s.CreateAccount(ctx, "Demo account")
		if err != nil {
			return fmt.Errorf("seed demo account: %w", err)
		}
		st.DemoAccount, st.DemoAPIKey = acct.ID, key
	}
	if _, err := deps.Ledger.Grant(ctx, st.DemoAccount, DemoCredits, "demo-seed", "demo credits"); err != nil {
		return fmt.Errorf("seed demo credits: %w", err)
	}
	if st.DemoSite == "" {
		site, err := s.CreateSite(ctx, st.DemoAccount, domain.NewSite{Name: "Demo site", URL: "https://demo.example.com", TimeZone: "Europe/Berlin"})
		if err != nil {
			return fmt.Errorf("seed demo site: %w", err)
		}
		st.DemoSite = site.ID
	}
	return nil
}
