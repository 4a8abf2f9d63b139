// Package bootstrap makes a freshly deployed stack usable: the secrets every
// function needs, the default AI models and billing, and a first admin API
// key, stored in the table only as its hash and handed to the operator once
// through a SecureString parameter. Every step is idempotent: `make deploy`
// runs it after each deployment and a second run changes nothing.
package bootstrap

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/domain"
)

// Parameters are the SecureString parameters it reads and creates
// (config.ParameterStore).
type Parameters interface {
	Get(ctx context.Context, name string) (value string, found bool, err error)
	PutNew(ctx context.Context, name, value, description string) (created bool, err error)
}

// Store is what it writes to the table (*store.Store).
type Store interface {
	SeedConfig(ctx context.Context) error
	PutAPIKey(ctx context.Context, plain string, role domain.Role, account string) error
}

// generated are the secrets it creates when missing: random, 32 bytes.
var generated = []struct{ name, description string }{
	{"CURSOR_SECRET", "IGNY8: seals list cursors (every function needs it)"},
	{"SECRETS_KEY", "IGNY8: seals the site credentials users connect"},
}

// Bootstrap bootstraps one stage.
type Bootstrap struct {
	Stage  string
	Params Parameters
	Store  Store         // Data only
	NewKey func() string // a new API key (store.NewAPIKey); Data only
}

// Secrets creates the secrets every function needs under the stage's
// SecretsPath, unless they exist; it answers the names it created. Run it
// before the stack is deployed: a function will not start without them.
func (b Bootstrap) Secrets(ctx context.Context) ([]string, error) {
	var created []string
	for _, g := range generated {
		name := catalog.SecretsPath(b.Stage) + g.name
		ok, err := b.Params.PutNew(ctx, name, randomHex(32), g.description)
		if err != nil {
			return created, fmt.Errorf("create %s: %w", name, err)
		}
		if ok {
			created = append(created, name)
		}
	}
	return created, nil
}

// Data seeds the default models and billing (what an admin has changed
// stays) and makes sure the admin key in AdminKeyParameter exists and opens
// the API: a new key the first time, the same one after. It answers the
// parameter's name and whether the key is new.
func (b Bootstrap) Data(ctx context.Context) (parameter string, created bool, err error) {
	if err := b.Store.SeedConfig(ctx); err != nil {
		return "", false, err
	}
	parameter = catalog.AdminKeyParameter(b.Stage)
	key, found, err := b.Params.Get(ctx, parameter)
	if err != nil {
		return parameter, false, fmt.Errorf("read %s: %w", parameter, err)
	}
	if !found {
		key = b.NewKey()
		if created, err = b.Params.PutNew(ctx, parameter, key, "IGNY8: the first admin API key (read it once, then create your own)"); err != nil {
			return parameter, false, fmt.Errorf("create %s: %w", parameter, err)
		}
		if !created { // another run created it meanwhile: use that one
			if key, _, err = b.Params.Get(ctx, parameter); err != nil {
				return parameter, false, err
			}
		}
	}
	// Putting the hash again is harmless and heals a run that stopped
	// between the parameter and the table.
	if err := b.Store.PutAPIKey(ctx, key, domain.RoleAdmin, ""); err != nil {
		return parameter, created, fmt.Errorf("store the admin key: %w", err)
	}
	return parameter, created, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
