// Command automation-scheduler starts the scheduled automation runs that are due (a scheduled rule).
package main

import (
	"github.com/igny8/igny8-serverless/shared/app"
	"github.com/igny8/igny8-serverless/shared/sfnstart"
)

func main() { app.Start("automation-scheduler", app.WithStateMachines(sfnstart.Cloud)) }
