package config

import (
	"context"
	"os"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/igny8/igny8-serverless/shared/blob"
)

// blobs is where generated images go: the private bucket BLOB_BUCKET in
// the cloud; else BLOB_DIR, published at BLOB_BASE_URL (the local server
// serves .local/files at /files/).
func (c Config) blobs(ctx context.Context) (BlobStore, error) {
	if bucket := os.Getenv("BLOB_BUCKET"); bucket != "" {
		cfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		return blob.S3{Client: s3.NewFromConfig(cfg), Bucket: bucket}, nil
	}
	dir := os.Getenv("BLOB_DIR")
	if dir == "" {
		dir = ".local/files"
	}
	return blob.Dir{Root: dir, BaseURL: os.Getenv("BLOB_BASE_URL")}, nil
}
