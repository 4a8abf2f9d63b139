// Command publish-content publishes one claimed content item to its site, exactly once (invoked asynchronously by publish-scheduler and the API).
package main

import (
	"github.com/igny8/igny8-serverless/shared/app"
	"github.com/igny8/igny8-serverless/shared/blob/s3blob"
)

func main() { app.Start("publish-content", app.WithBucket(s3blob.FromEnv)) }
