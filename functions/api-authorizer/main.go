// Command api-authorizer is the HTTP API's Lambda authorizer (simple responses, payload 2.0).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/igny8/igny8-serverless/shared/authorizer"
	"github.com/igny8/igny8-serverless/shared/config"
)

func main() {
	deps, err := config.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(authorizer.Authorizer{Keys: deps.Store, Log: deps.Log}.Handle)
}
