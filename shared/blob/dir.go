// Package blob stores generated files (images). Dir keeps them in a local
// folder that the local server publishes; the cloud stack uses S3.
package blob

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Dir stores blobs under Root and names them BaseURL + "/" + key.
type Dir struct {
	Root    string
	BaseURL string
}

// Put writes data under key (atomically, so a reader never sees half a file)
// and returns its URL. Writing the same key again replaces it, which keeps a
// retried step idempotent.
func (d Dir) Put(_ context.Context, key string, data []byte, _ string) (string, error) {
	clean := path.Clean("/" + key)[1:]
	if clean == "" || clean != key {
		return "", fmt.Errorf("blob key %q is not a relative path", key)
	}
	p := filepath.Join(d.Root, filepath.FromSlash(clean))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, p); err != nil {
		return "", err
	}
	return strings.TrimSuffix(d.BaseURL, "/") + "/" + clean, nil
}

// Get reads the blob stored under url (one that Put returned).
func (d Dir) Get(_ context.Context, url string) ([]byte, string, error) {
	base := strings.TrimSuffix(d.BaseURL, "/") + "/"
	key, ok := strings.CutPrefix(url, base)
	clean := path.Clean("/" + key)[1:]
	if !ok || clean == "" || clean != key {
		return nil, "", fmt.Errorf("blob %q is not under %s", url, base)
	}
	data, err := os.ReadFile(filepath.Join(d.Root, filepath.FromSlash(clean)))
	if err != nil {
		return nil, "", err
	}
	return data, ContentType(clean), nil
}

// ContentType names the media type of a blob key by its extension.
func ContentType(key string) string {
	switch strings.ToLower(path.Ext(key)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".webp":
		return "image/webp"
	default:
		return "application/octet-stream"
	}
}
