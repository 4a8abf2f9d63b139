package config

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
)

// A fake SSM that speaks its JSON protocol: it checks the target, the
// signature and the decryption flag, and pages its answers.
func fakeSSM(t *testing.T, pages [][]parameter) (*httptest.Server, *int) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Path           string
			WithDecryption bool
			NextToken      string
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &in)
		auth := r.Header.Get("Authorization")
		if r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParametersByPath" || !in.WithDecryption || in.Path != "/igny8/dev/" ||
			!strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(auth, "/ssm/aws4_request") {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"__type":"ValidationException","message":"bad request"}`))
			return
		}
		i := calls
		calls++
		out := map[string]any{"Parameters": pages[i]}
		if i+1 < len(pages) {
			out["NextToken"] = "page-" + string(rune('a'+i))
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestSecretParametersFillTheEnvironment(t *testing.T) {
	srv, calls := fakeSSM(t, [][]parameter{
		{{Name: "/igny8/dev/CURSOR_SECRET", Value: " cursor-secret-value \n"}},
		{{Name: "/igny8/dev/OPENAI_API_KEY", Value: "from-ssm"}, {Name: "/igny8/dev/UNRELATED", Value: "x"}},
	})
	t.Setenv("OPENAI_API_KEY", "from-env")
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), HTTPClient: srv.Client()}
	got := map[string]string{}
	err := applySecretParameters(context.Background(), ssmHTTP{cfg: cfg}, "/igny8/dev/", func(k, v string) error { got[k] = v; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if *calls != 2 {
		t.Fatalf("pages read: %d", *calls)
	}
	if got["CURSOR_SECRET"] != "cursor-secret-value" {
		t.Errorf("CURSOR_SECRET = %q", got["CURSOR_SECRET"])
	}
	if _, ok := got["OPENAI_API_KEY"]; ok {
		t.Error("a parameter overrode a setting the environment already has")
	}
	if _, ok := got["UNRELATED"]; ok {
		t.Error("an unknown parameter was set")
	}
	// An error from SSM names itself.
	err = applySecretParameters(context.Background(), ssmHTTP{cfg: cfg}, "/other/", func(string, string) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "ValidationException") {
		t.Fatalf("error: %v", err)
	}
}

// A throttled or failing SSM is tried again with backoff; a refusal is not.
func TestSSMRetriesThrottlingAndServerErrors(t *testing.T) {
	ssmBackoff = time.Millisecond
	type answer struct {
		status int
		body   string
	}
	var answers []answer
	var tries int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answers[min(tries, len(answers)-1)]
		tries++
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), HTTPClient: srv.Client()}
	ok := `{"Parameters":[{"Name":"/p/CURSOR_SECRET","Value":"v"}]}`
	throttled := `{"__type":"ThrottlingException","message":"Rate exceeded"}`
	tests := []struct {
		name      string
		answers   []answer
		wantTries int
		wantErr   string
	}{
		{"throttled twice, then the page", []answer{{400, throttled}, {400, throttled}, {200, ok}}, 3, ""},
		{"a 500 then the page", []answer{{500, `{"__type":"InternalServerError"}`}, {200, ok}}, 2, ""},
		{"throttled every time: four tries", []answer{{400, throttled}}, ssmAttempts, "ThrottlingException"},
		{"access denied is not retried", []answer{{400, `{"__type":"AccessDeniedException","message":"no"}`}}, 1, "AccessDeniedException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			answers, tries = tc.answers, 0
			params, _, err := ssmHTTP{cfg: cfg}.GetParametersByPath(context.Background(), "/p/", "")
			if tries != tc.wantTries || (tc.wantErr == "" && (err != nil || len(params) != 1)) || (tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr))) {
				t.Fatalf("%d tries, %v, %v", tries, params, err)
			}
		})
	}
}
