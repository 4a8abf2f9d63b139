package config

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/igny8/igny8-serverless/shared/catalog"
)

// SecretNames are the settings that may come from SSM Parameter Store in
// the cloud instead of the function's environment (which shows in the
// console and in CloudFormation).
var SecretNames = func() []string {
	var out []string
	for _, v := range catalog.Variables {
		if v.Source == catalog.FromParameterStore {
			out = append(out, v.Name)
		}
	}
	return out
}()

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

// ssmAttempts bounds the tries of one page: a throttled or failing SSM at a
// cold start is retried with backoff (as the SDK would) before the function
// gives up starting.
const ssmAttempts = 4

// ssmBackoff is the wait before the second try; it doubles, with full jitter.
var ssmBackoff = 100 * time.Millisecond

func (c ssmHTTP) GetParametersByPath(ctx context.Context, prefix, nextToken string) ([]parameter, string, error) {
	return c.page(ctx, prefix, nextToken)
}

// do makes an SSM call, retrying throttling, 5xx and network errors.
func (c ssmHTTP) do(ctx context.Context, action string, in, out any) error {
	for attempt := 1; ; attempt++ {
		err := c.call(ctx, action, in, out)
		var re retryable
		if err == nil || !errors.As(err, &re) || attempt == ssmAttempts {
			return err
		}
		wait := time.Duration(rand.Int64N(int64(ssmBackoff << (attempt - 1))))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
	}
}

// retryable marks an SSM failure worth another try: throttling, a 5xx, a
// network error.
type retryable struct{ error }

func (r retryable) Unwrap() error { return r.error }

// ssmEndpoint is SSM's endpoint in the region's partition (or the one the
// AWS_ENDPOINT_URL(_SSM) variables name, as the SDK honours them).
func ssmEndpoint(region string) string {
	for _, v := range []string{"AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL"} {
		if e := os.Getenv(v); e != "" {
			return e
		}
	}
	suffix := "amazonaws.com"
	switch {
	case strings.HasPrefix(region, "cn-"):
		suffix = "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-isob-"):
		suffix = "sc2s.sgov.gov"
	case strings.HasPrefix(region, "us-iso-"):
		suffix = "c2s.ic.gov"
	}
	return "https://ssm." + region + "." + suffix
}

func (c ssmHTTP) page(ctx context.Context, prefix, nextToken string) ([]parameter, string, error) {
	in := map[string]any{"Path": prefix, "WithDecryption": true, "Recursive": false}
	if nextToken != "" {
		in["NextToken"] = nextToken
	}
	var out struct {
		Parameters []parameter `json:"Parameters"`
		NextToken  string      `json:"NextToken"`
	}
	if err := c.do(ctx, "GetParametersByPath", in, &out); err != nil {
		return nil, "", err
	}
	return out.Parameters, out.NextToken, nil
}

// ssmError is an error SSM answered, with its exception name (__type).
type ssmError struct {
	Action, Type, Message string
	Status                int
}

func (e *ssmError) Error() string {
	return fmt.Sprintf("ssm %s: %d %s %s", e.Action, e.Status, e.Type, e.Message)
}

// call makes one SSM API call over its JSON protocol, signed with Signature
// V4; throttling, 5xx and network errors come back retryable.
func (c ssmHTTP) call(ctx context.Context, action string, in, out any) error {
	body, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(ssmEndpoint(c.cfg.Region), "/")+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM."+action)
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", c.cfg.Region, time.Now().UTC()); err != nil {
		return err
	}
	hc := c.cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return retryable{err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return retryable{err}
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		se := &ssmError{Action: action, Status: resp.StatusCode, Type: e.Type[strings.LastIndex(e.Type, "#")+1:], Message: e.Message}
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || strings.HasSuffix(se.Type, "ThrottlingException") {
			return retryable{se}
		}
		return se
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("ssm %s: %w", action, err)
	}
	return nil
}
