// Command publish-scheduler claims the content whose publishing slot has come and hands each item to publish-content (an EventBridge rule runs it every minute).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/lambdainvoke"
	"github.com/igny8/igny8-serverless/shared/publishing"
)

func main() {
	ctx := context.Background()
	deps, err := config.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	invoker, err := lambdainvoke.FromEnv(deps.AWS)
	if err != nil {
		log.Fatal(err)
	}
	svc := deps.Publishing(invoker)
	lambda.Start(func(ctx context.Context) (publishing.TickResult, error) { return svc.Tick(ctx, deps.Now()) })
}
