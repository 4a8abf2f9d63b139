package config

import (
	"context"
	"net/http"
	"os"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/anthropic"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/ai/openai"
	"github.com/igny8/igny8-serverless/shared/ai/runware"
	"github.com/igny8/igny8-serverless/shared/blob"
	"github.com/igny8/igny8-serverless/shared/ops"
)

// providerTimeout bounds one provider call; Step Functions retries after it.
const providerTimeout = 5 * time.Minute

// providers builds an adapter for every provider that has a key (or, for an
// OpenAI-compatible server, a base URL). The offline provider is always
// there: models fall back to it when their provider has no key.
func (c Config) providers() (ops.Providers, error) {
	hc := &http.Client{Timeout: providerTimeout}
	off := offline.New()
	p := ops.Providers{
		Text:  map[string]ai.TextProvider{ai.ProviderOffline: off},
		Image: map[string]ai.ImageProvider{ai.ProviderOffline: off},
	}
	if key := os.Getenv("OPENAI_API_KEY"); key != "" {
		o := openai.New(key, os.Getenv("OPENAI_BASE_URL"), hc, openai.Options{})
		p.Text[ai.ProviderOpenAI], p.Image[ai.ProviderOpenAI] = o, o
	}
	if base := os.Getenv("OPENAI_COMPATIBLE_BASE_URL"); base != "" {
		p.Text[ai.ProviderOpenAICompatible] = openai.NewCompatible(os.Getenv("OPENAI_COMPATIBLE_API_KEY"), base, hc, openai.Options{})
	}
	if key := os.Getenv("ANTHROPIC_API_KEY"); key != "" {
		p.Text[ai.ProviderAnthropic] = anthropic.New(key, os.Getenv("ANTHROPIC_BASE_URL"), hc, anthropic.Options{})
	}
	if key := os.Getenv("RUNWARE_API_KEY"); key != "" {
		p.Image[ai.ProviderRunware] = runware.New(key, os.Getenv("RUNWARE_BASE_URL"), hc, runware.Options{})
	}
	return p, nil
}

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
