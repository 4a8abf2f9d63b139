package lambdainvoke

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/igny8/igny8-serverless/shared/publishing"
)

// The job goes to Lambda's REST Invoke as an Event, signed for lambda; a
// throttled Invoke is tried again; a refusal comes back with its name.
func TestInvokeQueuesAnEvent(t *testing.T) {
	var statuses []int
	var got []*http.Request
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, bodies = append(got, r), append(bodies, b)
		s := statuses[min(len(got)-1, len(statuses)-1)]
		if s != http.StatusAccepted {
			w.Header().Set("X-Amzn-ErrorType", map[int]string{429: "TooManyRequestsException", 404: "ResourceNotFoundException"}[s])
		}
		w.WriteHeader(s)
		_, _ = w.Write([]byte(`{"Type":"User","message":"m"}`))
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", srv.URL)
	t.Setenv("PUBLISH_FUNCTION_NAME", "igny8-dev-publish-content")
	a, err := FromEnv(aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "s", "")})
	if err != nil {
		t.Fatal(err)
	}
	a.Lambda.Backoff = time.Millisecond
	job := publishing.Job{AccountID: "acc", SiteID: "s", ContentID: "c1", ClaimID: "k"}

	statuses = []int{429, 202}
	if err := a.Invoke(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d calls, want 2 (one retry)", len(got))
	}
	r := got[1]
	if r.Method != http.MethodPost || r.URL.Path != "/2015-03-31/functions/igny8-dev-publish-content/invocations" ||
		r.Header.Get("X-Amz-Invocation-Type") != "Event" || !strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/lambda/aws4_request") {
		t.Fatalf("request %s %s %v", r.Method, r.URL.Path, r.Header)
	}
	var sent publishing.Job
	if err := json.Unmarshal(bodies[1], &sent); err != nil || sent != job {
		t.Fatalf("payload %s: %v", bodies[1], err)
	}

	got, statuses = nil, []int{404}
	err = a.Invoke(context.Background(), job)
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") || len(got) != 1 {
		t.Fatalf("a refusal: %v after %d calls", err, len(got))
	}
}
