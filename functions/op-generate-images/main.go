// Command op-generate-images generates and stores images (a state machine step).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/igny8/igny8-serverless/shared/aiproviders"
	"github.com/igny8/igny8-serverless/shared/blob/s3blob"
	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/stepfn"
)

func main() {
	ctx := context.Background()
	deps, err := config.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	deps.Blobs = s3blob.FromEnv(deps.AWS, deps.Blobs)
	deps.Providers = aiproviders.FromEnv()
	lambda.Start(stepfn.Lambda(deps.Runner().Handler(domain.OperationImageGeneration)))
}
