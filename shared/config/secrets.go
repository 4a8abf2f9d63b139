package config

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/igny8/igny8-serverless/shared/awsenv"
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

// ssmHTTP calls SSM over its JSON protocol (awsenv.Caller: signed, retried
// with backoff). It stands in for the SSM SDK client, which would add about
// 0.6 MiB and 1.4 ms of start-up to every function for one call.
type ssmHTTP struct{ cfg aws.Config }

// ssmAttempts bounds the tries of one call: a throttled or failing SSM at a
// cold start is retried (as the SDK would) before the function gives up
// starting.
const ssmAttempts = 4

// ssmBackoff is the wait before the second try; it doubles, with full jitter.
var ssmBackoff = 100 * time.Millisecond

func (c ssmHTTP) GetParametersByPath(ctx context.Context, prefix, nextToken string) ([]parameter, string, error) {
	in := map[string]any{"Path": prefix, "WithDecryption": true, "Recursive": false}
	if nextToken != "" {
		in["NextToken"] = nextToken
	}
	var out struct {
		Parameters []parameter `json:"Parameters"`
		NextToken  string      `json:"NextToken"`
	}
	if err := c.do(ctx, "AmazonSSM.GetParametersByPath", in, &out); err != nil {
		return nil, "", err
	}
	return out.Parameters, out.NextToken, nil
}

// do makes one SSM call (target: "AmazonSSM.GetParameter", a constant).
func (c ssmHTTP) do(ctx context.Context, target string, in, out any) error {
	ssm := awsenv.Caller{Config: c.cfg, ServiceID: "SSM", Prefix: "ssm", Attempts: ssmAttempts, Backoff: ssmBackoff}
	return ssm.JSON(ctx, "1.1", target, in, out)
}
