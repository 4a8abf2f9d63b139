// Command publish-content publishes one claimed content item to its site, exactly once (invoked asynchronously by publish-scheduler and the API).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/igny8/igny8-serverless/shared/blob/s3blob"
	"github.com/igny8/igny8-serverless/shared/config"
)

func main() {
	ctx := context.Background()
	deps, err := config.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	deps.Blobs = s3blob.FromEnv(deps.AWS, deps.Blobs)
	lambda.Start(deps.Publishing(nil).Publish)
}
