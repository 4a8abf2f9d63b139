// Command credit-release releases a failed operation's hold and records the failure (a state machine step).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/stepfn"
)

func main() {
	deps, err := config.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(stepfn.Lambda(deps.Credits().Fail))
}
