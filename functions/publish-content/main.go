// Command publish-content publishes one claimed content item to its site, exactly once (invoked asynchronously by publish-scheduler and the API).
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
	lambda.Start(deps.Publishing(nil).Publish)
}
