// Package config reads the settings every function shares: the environment
// (with defaults that suit the local stack) and, in the cloud, the secret
// parameters under SECRETS_PARAMETER_PATH. It builds nothing; shared/app
// wires the adapters and services from what it reads.
package config

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/igny8/igny8-serverless/shared/logctx"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// Config is what the functions need to start.
type Config struct {
	Table            string // TABLE_NAME, default "igny8"
	DynamoDBEndpoint string // DYNAMODB_ENDPOINT: DynamoDB Local; empty in AWS
	CursorSecret     string // CURSOR_SECRET: seals list cursors; the same for every instance
	Brand            string // BRAND_NAME: what users call the models ("IGNY8 AI" → "IGNY8 AI Basic")
	// SecretsKey (SECRETS_KEY) seals the secrets users give us (WordPress
	// application passwords, Shopify tokens, webhook signing secrets). When
	// unset, a key derived from CURSOR_SECRET is used.
	SecretsKey string
	LogLevel   slog.Level
	// BlobDir (BLOB_DIR, default .local/files) keeps generated images
	// where no bucket is configured, published at BlobBaseURL
	// (BLOB_BASE_URL; the local server serves .local/files at /files/).
	BlobDir     string
	BlobBaseURL string
}

// DefaultBlobDir is where generated images go when BLOB_DIR is unset.
const DefaultBlobDir = ".local/files"

// Load reads the configuration of a function: first its secret parameters
// (secrets: their names, catalog.Function.Secrets; with the AWS
// configuration cfg), then the environment they fill.
func Load(ctx context.Context, cfg aws.Config, secrets []string) (Config, error) {
	if err := loadSecretParameters(ctx, cfg, secrets); err != nil {
		return Config{}, err
	}
	return FromEnv()
}

// DynamoDBEndpoint is DYNAMODB_ENDPOINT, needed before the rest: the AWS
// configuration the secrets are read with depends on it.
func DynamoDBEndpoint() string { return os.Getenv("DYNAMODB_ENDPOINT") }

// FromEnv reads the configuration. A missing CURSOR_SECRET is an error: a
// per-instance random one would make cursors fail across Lambda instances.
func FromEnv() (Config, error) {
	c := Config{
		Table:            os.Getenv("TABLE_NAME"),
		DynamoDBEndpoint: DynamoDBEndpoint(),
		CursorSecret:     os.Getenv("CURSOR_SECRET"),
		Brand:            os.Getenv("BRAND_NAME"),
		SecretsKey:       os.Getenv("SECRETS_KEY"),
		BlobDir:          os.Getenv("BLOB_DIR"),
		BlobBaseURL:      os.Getenv("BLOB_BASE_URL"),
	}
	if c.Table == "" {
		c.Table = tabledef.DefaultName
	}
	if c.BlobDir == "" {
		c.BlobDir = DefaultBlobDir
	}
	if strings.EqualFold(os.Getenv("LOG_LEVEL"), "debug") {
		c.LogLevel = slog.LevelDebug
	}
	if len(c.CursorSecret) < 16 {
		return c, errors.New("CURSOR_SECRET must be set to at least 16 characters (the same value for every instance)")
	}
	if c.SecretsKey != "" && len(c.SecretsKey) < 16 {
		return c, errors.New("SECRETS_KEY must be at least 16 characters (the same value for every instance)")
	}
	return c, nil
}

// SealingKey is SECRETS_KEY, or one derived from CURSOR_SECRET when unset.
func (c Config) SealingKey() string {
	if c.SecretsKey != "" {
		return c.SecretsKey
	}
	return "derived-from-cursor-secret\x00" + c.CursorSecret
}

// Logger returns the structured JSON logger every function uses.
func (c Config) Logger() *slog.Logger {
	// Every line carries the IDs its context names (shared/logctx).
	return slog.New(logctx.Handler{Handler: slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: c.LogLevel})})
}
