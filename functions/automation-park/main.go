// Command automation-park keeps a paused batch's task token until the run resumes.
package main

import (
	"github.com/igny8/igny8-serverless/shared/app"
	"github.com/igny8/igny8-serverless/shared/sfnstart"
)

func main() { app.Start("automation-park", app.WithTokens(sfnstart.CloudTokens)) }
