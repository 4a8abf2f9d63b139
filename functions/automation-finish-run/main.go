// Command automation-finish-run ends a run and frees the site's run lock.
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("automation-finish-run") }
