// Command op-review-content moves drafts to review, or approves them when the site auto-approves (automation stage 7).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

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
	lambda.Start(stepfn.Lambda(deps.Runner().Handler(domain.OperationReview)))
}
