// Command bootstrap makes a deployed stage usable; `make deploy` runs it
// around `cdk deploy` (scripts/cdk-deploy.sh), and running it again changes
// nothing:
//
//	go run ./infra/bootstrap -stage dev secrets
//	    before the deployment: creates /igny8/dev/CURSOR_SECRET and
//	    SECRETS_KEY when missing (every function needs them to start);
//	go run ./infra/bootstrap -stage dev -outputs .local/cdk-outputs.json data
//	    after it: seeds the default models and billing in the stack's table
//	    (TableName from cdk deploy's --outputs-file, or -table) and creates
//	    the first admin API key, stored as its hash, the key itself in the
//	    SecureString parameter /igny8-admin/dev/ADMIN_API_KEY.
//
// It uses your AWS credentials and region, as the aws CLI does.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/igny8/igny8-serverless/shared/awsenv"
	"github.com/igny8/igny8-serverless/shared/bootstrap"
	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/ddb"
	"github.com/igny8/igny8-serverless/shared/store"
)

func main() {
	stage := flag.String("stage", "dev", "the stage (the stack's `stage` context)")
	table := flag.String("table", "", "the stack's TableName output (data)")
	outputs := flag.String("outputs", "", "cdk deploy's --outputs-file, to read TableName from (data)")
	flag.Parse()
	if err := run(context.Background(), *stage, *table, *outputs, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "bootstrap:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, stage, table, outputs, step string) error {
	endpoint := config.DynamoDBEndpoint()
	cfg, err := loadAWS(ctx, endpoint)
	if err != nil {
		return err
	}
	b := bootstrap.Bootstrap{Stage: stage, Params: config.NewParameterStore(cfg),
		NewKey: func() string { k, _ := store.NewAPIKey(); return k }}
	switch step {
	case "secrets":
		created, err := b.Secrets(ctx)
		for _, n := range created {
			fmt.Println("bootstrap: created", n)
		}
		return err
	case "data":
		if table == "" {
			if table, err = tableFrom(outputs); err != nil {
				return err
			}
		}
		// Only the configuration and a key are written: nothing lists, so
		// the cursor secret is never used.
		b.Store = store.New(ddb.FromConfig(cfg, endpoint), table, "bootstrap-never-lists-anything")
		parameter, created, err := b.Data(ctx)
		if err != nil {
			return err
		}
		state := "exists"
		if created {
			state = "created"
		}
		fmt.Printf("bootstrap: models and billing seeded in %s; the admin API key %s in %s. Read it once:\n"+
			"  aws ssm get-parameter --with-decryption --name %s --query Parameter.Value --output text\n", table, state, parameter, parameter)
		return nil
	}
	return errors.New("say which step: secrets (before cdk deploy) or data (after)")
}

// tableFrom reads TableName from cdk deploy's outputs file
// ({"<stack>": {"TableName": "..."}}).
func tableFrom(path string) (string, error) {
	if path == "" {
		return "", errors.New("give -table or -outputs")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var stacks map[string]map[string]string
	if err := json.Unmarshal(b, &stacks); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	for _, out := range stacks {
		if t := out["TableName"]; t != "" {
			return t, nil
		}
	}
	return "", fmt.Errorf("%s has no TableName output", path)
}

// loadAWS is the operator's AWS configuration, as the aws CLI finds it
// (AWS_PROFILE, SSO, the shared files); with a DynamoDB Local endpoint (the
// tests) the functions' own (awsenv).
func loadAWS(ctx context.Context, endpoint string) (aws.Config, error) {
	if endpoint != "" {
		return awsenv.Load(endpoint)
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws config: %w", err)
	}
	return cfg, nil
}
