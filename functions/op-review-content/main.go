// Command op-review-content moves drafts to review, or approves them when the site auto-approves (automation stage 7).
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("op-review-content") }
