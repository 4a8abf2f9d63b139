// Package cursor seals list positions into opaque strings. A cursor is the
// query's last evaluated key encrypted with AES-GCM, with the account and the
// list's filter as additional data: a cursor used by another account or with
// another filter fails to open, and a client cannot read or forge one.
package cursor

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
)

// ErrInvalid means the cursor was not made by this codec for this account and
// filter (or was tampered with).
var ErrInvalid = errors.New("invalid cursor")

// Codec seals and opens cursors with a key derived from a server secret.
type Codec struct{ aead cipher.AEAD }

// New derives the AES-256 key from secret (any length; keep it private).
func New(secret string) *Codec {
	k := sha256.Sum256([]byte("igny8-cursor\x00" + secret))
	block, _ := aes.NewCipher(k[:]) // a 32-byte key never fails
	aead, _ := cipher.NewGCM(block)
	return &Codec{aead: aead}
}

// Seal returns the opaque cursor for position pos.
func (c *Codec) Seal(account, filter string, pos map[string]string) string {
	plain, _ := json.Marshal(pos)
	nonce := make([]byte, c.aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := c.aead.Seal(nonce, nonce, plain, aad(account, filter))
	return base64.RawURLEncoding.EncodeToString(sealed)
}

// Open returns the position sealed in s, or ErrInvalid.
func (c *Codec) Open(account, filter, s string) (map[string]string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < c.aead.NonceSize() {
		return nil, ErrInvalid
	}
	n := c.aead.NonceSize()
	plain, err := c.aead.Open(nil, raw[:n], raw[n:], aad(account, filter))
	if err != nil {
		return nil, ErrInvalid
	}
	var pos map[string]string
	if err := json.Unmarshal(plain, &pos); err != nil || len(pos) == 0 {
		return nil, ErrInvalid
	}
	return pos, nil
}

func aad(account, filter string) []byte { return []byte(account + "\x00" + filter) }
