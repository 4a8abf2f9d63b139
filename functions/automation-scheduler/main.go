// Command automation-scheduler starts the scheduled automation runs that are due (a scheduled rule).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/sfnstart"
)

func main() {
	ctx := context.Background()
	deps, err := config.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	operations, runs, tokens, err := sfnstart.Cloud(deps.AWS)
	if err != nil {
		log.Fatal(err)
	}
	svc := deps.Automation(operations, runs, tokens)
	lambda.Start(func(ctx context.Context) (any, error) { return svc.StartDue(ctx, deps.Now()) })
}
