// Package s3blob keeps generated files in a private S3 bucket. Only the
// functions that read or write images import it.
package s3blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/igny8/igny8-serverless/shared/awsenv"
	"github.com/igny8/igny8-serverless/shared/blob"
)

// S3API is the part of the S3 client the store uses.
type S3API interface {
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3 stores blobs in a private bucket and names them s3://bucket/key: the
// publisher reads the bytes back (and uploads them to the site), so the
// bucket never needs to be public. Users see them through presigned links
// (shared/blob/s3link).
type S3 struct {
	Client S3API
	Bucket string
}

// Put writes data under key; writing it again replaces it.
func (b S3) Put(ctx context.Context, key string, data []byte, contentType string) (string, error) {
	_, err := b.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.Bucket), Key: aws.String(key),
		Body: bytes.NewReader(data), ContentType: aws.String(contentType)})
	if err != nil {
		return "", fmt.Errorf("put s3://%s/%s: %w", b.Bucket, key, err)
	}
	return "s3://" + b.Bucket + "/" + key, nil
}

// Get reads a blob by the URL Put returned.
func (b S3) Get(ctx context.Context, url string) ([]byte, string, error) {
	key, ok := strings.CutPrefix(url, "s3://"+b.Bucket+"/")
	if !ok || key == "" {
		return nil, "", fmt.Errorf("blob %q is not in bucket %s", url, b.Bucket)
	}
	out, err := b.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, "", fmt.Errorf("get %s: %w", url, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	ct := aws.ToString(out.ContentType)
	if ct == "" {
		ct = blob.ContentType(key)
	}
	return data, ct, err
}

// Store is what a blob store does: write a file, read it back.
type Store interface {
	Put(ctx context.Context, key string, data []byte, contentType string) (string, error)
	Get(ctx context.Context, url string) ([]byte, string, error)
}

// FromEnv is the bucket BLOB_BUCKET with the client of cfg when set (the
// cloud), else local.
func FromEnv(cfg aws.Config, local Store) Store {
	if bucket := os.Getenv("BLOB_BUCKET"); bucket != "" {
		c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("S3") })
		return S3{Client: c, Bucket: bucket}
	}
	return local
}
