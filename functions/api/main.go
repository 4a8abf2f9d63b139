// Command api is the HTTP API Lambda (API Gateway HTTP API, payload 2.0).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/igny8/igny8-serverless/shared/apigw"
	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/lambdainvoke"
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
	invoker, err := lambdainvoke.FromEnv(deps.AWS)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(apigw.Handler(deps.API(operations, deps.Automation(operations, runs, tokens), deps.Publishing(invoker))))
}
