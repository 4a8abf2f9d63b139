// Command credit-sweeper voids expired credit holds (a scheduled rule).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/igny8/igny8-serverless/shared/config"
)

func main() {
	deps, err := config.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(deps.SweepHolds)
}
