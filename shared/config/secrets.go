package config

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// SecretNames are the settings that may come from SSM Parameter Store in
// the cloud instead of the function's environment (which shows in the
// console and in CloudFormation).
var SecretNames = []string{"CURSOR_SECRET", "SECRETS_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "RUNWARE_API_KEY", "OPENAI_COMPATIBLE_API_KEY"}

// ParametersAPI is the part of the SSM client used.
type ParametersAPI interface {
	GetParametersByPath(context.Context, *ssm.GetParametersByPathInput, ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error)
}

// loadSecretParameters reads the SecureString parameters under
// SECRETS_PARAMETER_PATH (e.g. /igny8/prod/) once at start-up; a parameter
// named like one of SecretNames sets that setting unless the environment
// already has it. Without the variable nothing is read (the local stack).
func loadSecretParameters(ctx context.Context) error {
	p := os.Getenv("SECRETS_PARAMETER_PATH")
	if p == "" {
		return nil
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	return applySecretParameters(ctx, ssm.NewFromConfig(cfg), p, os.Setenv)
}

func applySecretParameters(ctx context.Context, api ParametersAPI, prefix string, setenv func(string, string) error) error {
	known := map[string]bool{}
	for _, n := range SecretNames {
		known[n] = true
	}
	pg := ssm.NewGetParametersByPathPaginator(api, &ssm.GetParametersByPathInput{
		Path: aws.String(prefix), WithDecryption: aws.Bool(true), Recursive: aws.Bool(false)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("read secrets under %s: %w", prefix, err)
		}
		for _, prm := range out.Parameters {
			name := path.Base(aws.ToString(prm.Name))
			if !known[name] || os.Getenv(name) != "" {
				continue
			}
			if err := setenv(name, strings.TrimSpace(aws.ToString(prm.Value))); err != nil {
				return err
			}
		}
	}
	return nil
}
