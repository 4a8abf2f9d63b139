// Package config reads the settings every function shares from the
// environment, with defaults that suit the local stack.
package config

import (
	"errors"
	"log/slog"
	"os"
	"strings"

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
}

// FromEnv reads the configuration. A missing CURSOR_SECRET is an error: a
// per-instance random one would make cursors fail across Lambda instances.
func FromEnv() (Config, error) {
	c := Config{
		Table:            os.Getenv("TABLE_NAME"),
		DynamoDBEndpoint: os.Getenv("DYNAMODB_ENDPOINT"),
		CursorSecret:     os.Getenv("CURSOR_SECRET"),
		Brand:            os.Getenv("BRAND_NAME"),
		SecretsKey:       os.Getenv("SECRETS_KEY"),
	}
	if c.Table == "" {
		c.Table = tabledef.DefaultName
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

// secretsKey is SECRETS_KEY, or one derived from CURSOR_SECRET when unset.
func (c Config) secretsKey() string {
	if c.SecretsKey != "" {
		return c.SecretsKey
	}
	return "derived-from-cursor-secret\x00" + c.CursorSecret
}

// Logger returns the structured JSON logger every function uses.
func (c Config) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: c.LogLevel}))
}
