// Command op-generate-images generates and stores images (a state machine step).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/igny8/igny8-serverless/shared/aiproviders"
	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/stepfn"
)

func main() {
	deps, err := config.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	deps.Providers = aiproviders.FromEnv()
	lambda.Start(stepfn.Lambda(deps.Runner().Handler(domain.OperationImageGeneration)))
}
