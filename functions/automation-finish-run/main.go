// Command automation-finish-run ends a run and frees the site's run lock.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/sfnstart"
	"github.com/igny8/igny8-serverless/shared/stepfn"
)

func main() {
	ctx := context.Background()
	deps, err := config.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(stepfn.Lambda(deps.AutomationSteps(sfnstart.CloudTokens(deps.AWS)).FinishRun))
}
