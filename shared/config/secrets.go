package config

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SecretNames are the settings that may come from SSM Parameter Store in
// the cloud instead of the function's environment (which shows in the
// console and in CloudFormation).
var SecretNames = []string{"CURSOR_SECRET", "SECRETS_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "RUNWARE_API_KEY", "OPENAI_COMPATIBLE_API_KEY"}

// parameter is one SSM parameter.
type parameter struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// parametersAPI reads one page of the parameters under a path, decrypted.
type parametersAPI interface {
	GetParametersByPath(ctx context.Context, path, nextToken string) ([]parameter, string, error)
}

// loadSecretParameters reads the SecureString parameters under
// SECRETS_PARAMETER_PATH (e.g. /igny8/prod/) once at start-up; a parameter
// named like one of SecretNames sets that setting unless the environment
// already has it. Without the variable nothing is read (the local stack).
//
// It is the one place that sets environment variables: the AI provider
// keys are read from the environment by shared/aiproviders (and by
// ops.Configured), so a secret kept in SSM must land there before they run.
func loadSecretParameters(ctx context.Context, cfg aws.Config) error {
	p := os.Getenv("SECRETS_PARAMETER_PATH")
	if p == "" {
		return nil
	}
	return applySecretParameters(ctx, ssmHTTP{cfg: cfg}, p, os.Setenv)
}

func applySecretParameters(ctx context.Context, api parametersAPI, prefix string, setenv func(string, string) error) error {
	known := map[string]bool{}
	for _, n := range SecretNames {
		known[n] = true
	}
	token := ""
	for page := 0; page < 20; page++ {
		params, next, err := api.GetParametersByPath(ctx, prefix, token)
		if err != nil {
			return fmt.Errorf("read secrets under %s: %w", prefix, err)
		}
		for _, prm := range params {
			name := path.Base(prm.Name)
			if !known[name] || os.Getenv(name) != "" {
				continue
			}
			if err := setenv(name, strings.TrimSpace(prm.Value)); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		token = next
	}
	return fmt.Errorf("read secrets under %s: more than 20 pages", prefix)
}

// ssmHTTP calls SSM's GetParametersByPath over its JSON protocol, signed
// with Signature V4. It stands in for the SSM SDK client, which would add
// about 0.6 MiB and 1.4 ms of start-up to every function for one call.
type ssmHTTP struct{ cfg aws.Config }

func (c ssmHTTP) GetParametersByPath(ctx context.Context, prefix, nextToken string) ([]parameter, string, error) {
	in := map[string]any{"Path": prefix, "WithDecryption": true, "Recursive": false}
	if nextToken != "" {
		in["NextToken"] = nextToken
	}
	body, _ := json.Marshal(in)
	endpoint := os.Getenv("AWS_ENDPOINT_URL_SSM")
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	if endpoint == "" {
		endpoint = "https://ssm." + c.cfg.Region + ".amazonaws.com"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParametersByPath")
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", c.cfg.Region, time.Now().UTC()); err != nil {
		return nil, "", err
	}
	hc := c.cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		return nil, "", fmt.Errorf("ssm GetParametersByPath: %d %s %s", resp.StatusCode, e.Type, e.Message)
	}
	var out struct {
		Parameters []parameter `json:"Parameters"`
		NextToken  string      `json:"NextToken"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, "", fmt.Errorf("ssm GetParametersByPath: %w", err)
	}
	return out.Parameters, out.NextToken, nil
}
