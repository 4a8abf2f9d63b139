package config

import (
	"context"
	"fmt"
	"os"
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

// parametersAPI reads named parameters, decrypted; missing names are left
// out of the answer.
type parametersAPI interface {
	GetParameters(ctx context.Context, names []string) ([]parameter, error)
}

// loadSecretParameters reads the function's secrets (names, each a
// SecureString SECRETS_PARAMETER_PATH/<name>, e.g. /igny8/prod/CURSOR_SECRET)
// once at start-up; each sets its setting unless the environment already
// has it. Its role may read those parameters and no other (the stack grants
// ssm:GetParameters on each: catalog.Function.Secrets). Without the
// variable nothing is read (the local stack).
//
// It is the one place that sets environment variables: the AI provider
// keys are read from the environment by shared/aiproviders (and by
// ops.Configured), so a secret kept in SSM must land there before they run.
func loadSecretParameters(ctx context.Context, cfg aws.Config, names []string) error {
	p := os.Getenv("SECRETS_PARAMETER_PATH")
	if p == "" {
		return nil
	}
	return applySecretParameters(ctx, ssmHTTP{cfg: cfg}, p, names, os.Setenv)
}

// getParametersMax is how many names one GetParameters call takes.
const getParametersMax = 10

func applySecretParameters(ctx context.Context, api parametersAPI, prefix string, names []string, setenv func(string, string) error) error {
	known := map[string]bool{}
	for _, n := range SecretNames {
		known[n] = true
	}
	prefix = strings.TrimSuffix(prefix, "/") + "/"
	var want []string
	for _, n := range names {
		if !known[n] {
			return fmt.Errorf("secret %s: not one of %v", n, SecretNames)
		}
		if os.Getenv(n) == "" {
			want = append(want, prefix+n)
		}
	}
	for len(want) > 0 {
		batch := want[:min(len(want), getParametersMax)]
		want = want[len(batch):]
		params, err := api.GetParameters(ctx, batch)
		if err != nil {
			return fmt.Errorf("read secrets under %s: %w", prefix, err)
		}
		for _, prm := range params {
			name, ok := strings.CutPrefix(prm.Name, prefix)
			if !ok || !known[name] {
				continue
			}
			if err := setenv(name, strings.TrimSpace(prm.Value)); err != nil {
				return err
			}
		}
	}
	return nil
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

func (c ssmHTTP) GetParameters(ctx context.Context, names []string) ([]parameter, error) {
	var out struct {
		Parameters []parameter `json:"Parameters"`
	}
	in := map[string]any{"Names": names, "WithDecryption": true}
	if err := c.do(ctx, "AmazonSSM.GetParameters", in, &out); err != nil {
		return nil, err
	}
	return out.Parameters, nil
}

// do makes one SSM call (target: "AmazonSSM.GetParameter", a constant).
func (c ssmHTTP) do(ctx context.Context, target string, in, out any) error {
	ssm := awsenv.Caller{Config: c.cfg, ServiceID: "SSM", Prefix: "ssm", Attempts: ssmAttempts, Backoff: ssmBackoff}
	return ssm.JSON(ctx, "1.1", target, in, out)
}
