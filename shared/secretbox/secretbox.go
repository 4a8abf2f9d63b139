// Package secretbox encrypts the secrets users give us (WordPress application
// passwords, Shopify tokens, webhook signing secrets) before they reach the
// table. AES-256-GCM with the owner (account and site) as additional data: a
// sealed value copied onto another site's item does not open.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// ErrOpen means a sealed value was not made by this key for this owner.
var ErrOpen = errors.New("secretbox: cannot open: wrong key or owner, or tampered")

// Box seals and opens values with one key.
type Box struct{ aead cipher.AEAD }

// New derives the AES-256 key from secret (SECRETS_KEY: any length, at least
// 16 characters; the same on every instance, or stored secrets cannot be read).
func New(secret string) (*Box, error) {
	if len(secret) < 16 {
		return nil, errors.New("secretbox: the key must be at least 16 characters")
	}
	k := sha256.Sum256([]byte("igny8-secretbox\x00" + secret))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain for owner.
func (b *Box) Seal(owner string, plain []byte) string {
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return "v1." + base64.RawURLEncoding.EncodeToString(b.aead.Seal(nonce, nonce, plain, []byte(owner)))
}

// Open decrypts a value sealed for owner.
func (b *Box) Open(owner, sealed string) ([]byte, error) {
	if len(sealed) < 3 || sealed[:3] != "v1." {
		return nil, ErrOpen
	}
	raw, err := base64.RawURLEncoding.DecodeString(sealed[3:])
	n := b.aead.NonceSize()
	if err != nil || len(raw) < n {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(owner))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
