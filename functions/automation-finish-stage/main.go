// Command automation-finish-stage marks a stage completed and says whether the run goes on.
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("automation-finish-stage") }
