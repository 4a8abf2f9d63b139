package lambdarie

import (
	"os/exec"
	"strings"
	"testing"
)

// heavyForColdStart are packages whose start-up the user-facing functions
// must not pay (make bench measures what is left): the SDK's config loader
// and the credential clients it links (awsenv reads Lambda's environment
// instead), the Lambda, Step Functions and S3 clients (lambdainvoke,
// sfnstart and s3link sign their few calls by hand), and the
// SDK's schema-based serializers, whose package init alone costs about 3.7
// ms (go.mod holds dynamodb and dynamodbstreams at their last versions
// before them; raising either past that fails here).
var heavyForColdStart = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc",
	"github.com/aws/aws-sdk-go-v2/service/signin",
	"github.com/aws/aws-sdk-go-v2/service/lambda",
	"github.com/aws/aws-sdk-go-v2/service/sfn",
	"github.com/aws/aws-sdk-go-v2/service/s3",
	"/schemas",
}

func TestColdPathStaysLight(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"api", "api-authorizer"} {
		cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "./functions/"+fn)
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", fn, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 50 {
			t.Fatalf("%s: only %d packages listed", fn, len(deps))
		}
		for _, d := range deps {
			for _, h := range heavyForColdStart {
				if d == h || strings.HasPrefix(d, h+"/") || (strings.HasPrefix(h, "/") && strings.Contains(d, h)) {
					t.Errorf("%s links %s", fn, d)
				}
			}
		}
	}
}
