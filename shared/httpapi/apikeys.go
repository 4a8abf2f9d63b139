package httpapi

import (
	"fmt"
	"net/http"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// apiKeyView is one of the account's keys as the API shows it: Current
// marks the key the request itself is signed with.
type apiKeyView struct {
	domain.APIKey
	Current bool `json:"current"`
}

type apiKeyList struct {
	Items []apiKeyView `json:"items"`
}

// issuedAPIKey is a new key: its record and, this once, the key itself.
type issuedAPIKey struct {
	Key    apiKeyView `json:"key"`
	APIKey string     `json:"api_key"`
}

// issueAPIKey gives the account a new key, shown once (to rotate: issue,
// move the clients, revoke the old one). Each call issues another key, as
// a cloud provider's "create access key" does; the account's bound
// (store.MaxActiveAPIKeys) keeps retries from piling them up.
func (a *API) issueAPIKey(w http.ResponseWriter, r *http.Request) error {
	k, plain, err := a.store.IssueAPIKey(r.Context(), who(r).account)
	return reply(w, http.StatusCreated, issuedAPIKey{Key: apiKeyView{APIKey: k}, APIKey: plain}, err)
}

func (a *API) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	p := who(r)
	ks, err := a.store.APIKeys(r.Context(), p.account)
	if err != nil {
		return err
	}
	out := apiKeyList{Items: make([]apiKeyView, 0, len(ks))}
	for _, k := range ks {
		out.Items = append(out.Items, apiKeyView{APIKey: k, Current: k.ID == p.keyID})
	}
	return reply(w, http.StatusOK, out, nil)
}

// revokeAPIKey revokes one of the account's own keys (another account's is
// 404, like every other ID). Revoking the key the request is signed with
// would lock the caller out at once, so it takes revoke_current=true; a
// revoked key is answered as it is, so a retry is harmless.
func (a *API) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	p := who(r)
	id := r.PathValue("key")
	current := false
	switch v := r.URL.Query().Get("revoke_current"); v {
	case "", "false":
	case "true":
		current = true
	default:
		return domain.Invalid("revoke_current", "must be true or false")
	}
	if id == p.keyID && !current {
		return fmt.Errorf("%w: this is the key the request is signed with; send revoke_current=true to revoke it", domain.ErrConflict)
	}
	k, err := a.store.RevokeAPIKey(r.Context(), p.account, id)
	return reply(w, http.StatusOK, apiKeyView{APIKey: k, Current: k.ID == p.keyID}, err)
}
