// Command igny8-local runs the whole stack on this machine (make run).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/igny8/igny8-serverless/infra/local"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := local.Run(ctx, local.Options{
		Dir: ".local", Addr: "127.0.0.1:" + port,
		Endpoint: os.Getenv("DYNAMODB_ENDPOINT"), Table: os.Getenv("TABLE_NAME"),
		Console: "console/dist", // built by `make run` (scripts/console.sh)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "igny8-local:", err)
		os.Exit(1)
	}
}
