// Command cdk is the CDK app of the IGNY8 stack (cdk.json at the repository
// root runs it). Context (cdk.json, or -c key=value):
//
//	stage               resource names and the secrets path: igny8-<stage>-…, /igny8/<stage>/ (default "dev")
//	deletionProtection  "false" turns the table's deletion protection off (default on)
//	alarmEmail          subscribe this address to the alarm topic
//	logLevel            LOG_LEVEL of every function (default "info")
//	brandName           BRAND_NAME of every function (default "IGNY8 AI")
//	logRetentionDays    days of function and state machine logs (default 30)
//
// The functions' code comes from bin/<name>/bootstrap (make build).
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/igny8/igny8-serverless/infra/cdk/stack"
	"github.com/igny8/igny8-serverless/shared/catalog"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cdk:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	// cdk.json's "go -C infra/cdk run ." starts us in infra/cdk, but the CLI
	// gives CDK_OUTDIR relative to the folder of cdk.json: work from there
	// (before the first jsii call starts node).
	if err := os.Chdir(root); err != nil {
		return err
	}
	defer jsii.Close()
	// Asset metadata (aws:asset:path) on every function is what lets
	// `sam local invoke -t cdk.out/Igny8Stack.template.json` find the code.
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"aws:cdk:enable-asset-metadata": true}})
	for _, f := range catalog.Functions {
		if _, err := os.Stat(filepath.Join(root, "bin", f.Name, "bootstrap")); err != nil {
			return fmt.Errorf("bin/%s/bootstrap is missing: run make build (make synth does)", f.Name)
		}
	}
	// No Env: the template is environment-agnostic (ARNs use
	// ${AWS::Region} and ${AWS::AccountId}); cdk deploy targets the account
	// and region of the credentials it runs with.
	props := stack.Props{
		Stage:              contextString(app, "stage", "dev"),
		Assets:             func(name string) string { return filepath.Join(root, "bin", name) },
		DeletionProtection: contextString(app, "deletionProtection", "true") != "false",
		AlarmEmail:         contextString(app, "alarmEmail", ""),
		LogLevel:           contextString(app, "logLevel", "info"),
		BrandName:          contextString(app, "brandName", "IGNY8 AI"),
	}
	retention, ok := retentions[contextString(app, "logRetentionDays", "30")]
	if !ok {
		return fmt.Errorf("logRetentionDays: one of 1, 3, 5, 7, 14, 30, 60, 90, 180, 365")
	}
	props.LogRetention = retention
	for _, l := range []struct {
		key string
		dst *float64
	}{{"apiRateLimit", &props.APIRateLimit}, {"apiBurstLimit", &props.APIBurstLimit}} {
		if v := contextString(app, l.key, ""); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("%s: a positive number of requests (per second for the rate)", l.key)
			}
			*l.dst = n
		}
	}
	if _, err := stack.New(app, stack.ID, props); err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}

var retentions = map[string]awslogs.RetentionDays{
	"1": awslogs.RetentionDays_ONE_DAY, "3": awslogs.RetentionDays_THREE_DAYS, "5": awslogs.RetentionDays_FIVE_DAYS,
	"7": awslogs.RetentionDays_ONE_WEEK, "14": awslogs.RetentionDays_TWO_WEEKS, "30": awslogs.RetentionDays_ONE_MONTH,
	"60": awslogs.RetentionDays_TWO_MONTHS, "90": awslogs.RetentionDays_THREE_MONTHS, "180": awslogs.RetentionDays_SIX_MONTHS,
	"365": awslogs.RetentionDays_ONE_YEAR,
}

func contextString(app awscdk.App, key, def string) string {
	v := app.Node().TryGetContext(jsii.String(key))
	if v == nil {
		return def
	}
	return fmt.Sprint(v)
}

// repoRoot is the nearest folder up from here holding cdk.json.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "cdk.json")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cdk.json not found in this folder or any parent")
		}
		dir = parent
	}
}
