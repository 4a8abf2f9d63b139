// Command hello is the cold-start floor: the smallest Go Lambda, built with
// the same flags as the functions, so the bench can compare their init time
// and zip size against it. It lives under testdata so ./... skips it.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) (map[string]string, error) {
		return map[string]string{"hello": "world"}, nil
	})
}
