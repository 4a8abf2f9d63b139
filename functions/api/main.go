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
	ctx := context.Background()
	deps, err := config.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	auto, err := deps.CloudAutomation(ctx)
	if err != nil {
		log.Fatal(err)
	}
	invoker, err := deps.CloudPublishInvoker(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(apigw.Handler(deps.API(auto.Ops.Starter, auto, deps.Publishing(invoker))))
}
