package config

import (
	"os"

	"github.com/igny8/igny8-serverless/shared/blob"
)

// blobs is where generated images go locally: BLOB_DIR, published at
// BLOB_BASE_URL (the local server serves .local/files at /files/). In the
// cloud the functions that handle images swap in s3blob.FromEnv.
func (c Config) blobs() BlobStore {
	dir := os.Getenv("BLOB_DIR")
	if dir == "" {
		dir = ".local/files"
	}
	return blob.Dir{Root: dir, BaseURL: os.Getenv("BLOB_BASE_URL")}
}
