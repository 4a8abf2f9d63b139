// Command automation-prepare-stage finds a stage's waiting items and splits them into batches.
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("automation-prepare-stage") }
