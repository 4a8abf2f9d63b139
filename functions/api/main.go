// Command api is the HTTP API Lambda (API Gateway HTTP API, payload 2.0).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/igny8/igny8-serverless/shared/apigw"
	"github.com/igny8/igny8-serverless/shared/config"
)

func main() {
	cfg, err := config.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	deps, err := cfg.Build(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(apigw.Handler(deps.API()))
}
