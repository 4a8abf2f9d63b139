// Command op-generate-images generates and stores images (a state machine step).
package main

import (
	"github.com/igny8/igny8-serverless/shared/aiproviders"
	"github.com/igny8/igny8-serverless/shared/app"
	"github.com/igny8/igny8-serverless/shared/blob/s3blob"
)

func main() {
	app.Start("op-generate-images", app.WithProviders(aiproviders.FromEnv), app.WithBucket(s3blob.FromEnv))
}
