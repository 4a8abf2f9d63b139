// Package awsenv builds a function's AWS configuration from its environment,
// as Lambda provides it (AWS_REGION and the execution role's credentials in
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; SAM local and
// the Runtime Interface Emulator pass them the same way), and makes the few
// AWS calls that do not deserve an SDK client, signed with Signature V4.
//
// It stands in for the SDK's config package in the functions: that package
// links the SSO, SSO OIDC, sign-in and STS clients for credential sources a
// Lambda never uses, and reads shared config files; together about 3 ms of
// every cold start. The operator's tools (infra/bootstrap), which need
// profiles, keep the SDK's loader.
package awsenv

import (
	"errors"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// LocalRegion is the region of the local stack and the tests (DynamoDB
// Local and the emulators accept any).
const LocalRegion = "us-east-1"

// ErrNoCredentials is an environment without the credentials Lambda sets.
var ErrNoCredentials = errors.New("AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them from the function's role)")

// ErrNoRegion is an environment without AWS_REGION (Lambda sets it).
var ErrNoRegion = errors.New("AWS region: AWS_REGION must be set (Lambda sets it)")

// Load is the AWS configuration every client of the function is built from.
// With a DynamoDB Local endpoint (the local stack, the tests) it uses the
// local region and dummy credentials, whatever the environment says.
// The clients fill in the rest (HTTP client, standard retryer) as the SDK's
// loader would.
func Load(dynamoDBEndpoint string) (aws.Config, error) {
	region := firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	token := os.Getenv("AWS_SESSION_TOKEN")
	if dynamoDBEndpoint != "" {
		// Always the same: DynamoDB Local keeps a database per key and
		// region (and refuses keys that are not alphanumeric).
		region, id, secret, token = LocalRegion, "local", "local", ""
	}
	if region == "" {
		return aws.Config{}, ErrNoRegion
	}
	if id == "" || secret == "" {
		return aws.Config{}, ErrNoCredentials
	}
	return aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(id, secret, token)}, nil
}

// Endpoint is the endpoint the environment sets for a service, as the SDK
// reads it: AWS_ENDPOINT_URL_<SERVICE ID> (upper case, spaces as
// underscores: SFN, LAMBDA, S3, SSM, DYNAMODB), else AWS_ENDPOINT_URL; empty
// for the service's own endpoint. Each client sets it as its BaseEndpoint.
func Endpoint(serviceID string) string {
	id := strings.ToUpper(strings.ReplaceAll(serviceID, " ", "_"))
	return firstEnv("AWS_ENDPOINT_URL_"+id, "AWS_ENDPOINT_URL")
}

// BaseEndpoint is Endpoint as a client option's value (nil: the service's own).
func BaseEndpoint(serviceID string) *string {
	if e := Endpoint(serviceID); e != "" {
		return aws.String(e)
	}
	return nil
}

// ServiceURL is where to call a service (by its endpoint prefix: ssm,
// lambda) in a region: the environment's endpoint, else the service's
// endpoint in the region's partition.
func ServiceURL(serviceID, prefix, region string) string {
	if e := Endpoint(serviceID); e != "" {
		return strings.TrimSuffix(e, "/")
	}
	suffix := "amazonaws.com"
	switch {
	case strings.HasPrefix(region, "cn-"):
		suffix = "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-isob-"):
		suffix = "sc2s.sgov.gov"
	case strings.HasPrefix(region, "us-iso-"):
		suffix = "c2s.ic.gov"
	}
	return "https://" + prefix + "." + region + "." + suffix
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}
