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
// signature and the decryption flag, answers the names it holds and lists
// the others as InvalidParameters, as SSM does; it refuses more than ten.
func fakeSSM(t *testing.T, held map[string]string) (*httptest.Server, *[][]string) {
	var asked [][]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Names          []string
			WithDecryption bool
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &in)
		auth := r.Header.Get("Authorization")
		if r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameters" || !in.WithDecryption || len(in.Names) == 0 || len(in.Names) > 10 ||
			!strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(auth, "/ssm/aws4_request") {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"__type":"ValidationException","message":"bad request"}`))
			return
		}
		asked = append(asked, in.Names)
		params, invalid := []parameter{}, []string{}
		for _, n := range in.Names {
			if v, ok := held[n]; ok {
				params = append(params, parameter{Name: n, Value: v})
			} else {
				invalid = append(invalid, n)
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameters": params, "InvalidParameters": invalid})
	}))
	t.Cleanup(srv.Close)
	return srv, &asked
}

// A function asks for its own secrets and nothing else; a secret the
// environment already sets is not asked for; a missing one is no error.
func TestSecretParametersFillTheEnvironment(t *testing.T) {
	srv, asked := fakeSSM(t, map[string]string{
		"/igny8/dev/CURSOR_SECRET":  " cursor-secret-value \n",
		"/igny8/dev/OPENAI_API_KEY": "from-ssm",
		"/igny8/dev/SECRETS_KEY":    "not-asked-for",
	})
	t.Setenv("OPENAI_API_KEY", "from-env")
	t.Setenv("ANTHROPIC_API_KEY", "")
	t.Setenv("CURSOR_SECRET", "")
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), HTTPClient: srv.Client()}
	got := map[string]string{}
	names := []string{"CURSOR_SECRET", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"}
	err := applySecretParameters(context.Background(), ssmHTTP{cfg: cfg}, "/igny8/dev", names, func(k, v string) error { got[k] = v; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(*asked) != 1 || strings.Join((*asked)[0], ",") != "/igny8/dev/CURSOR_SECRET,/igny8/dev/ANTHROPIC_API_KEY" {
		t.Fatalf("asked for %v", *asked)
	}
	if len(got) != 1 || got["CURSOR_SECRET"] != "cursor-secret-value" {
		t.Errorf("set %v", got)
	}
	// A name that is no secret of ours is refused before any call.
	if err := applySecretParameters(context.Background(), ssmHTTP{cfg: cfg}, "/igny8/dev/", []string{"TABLE_NAME"}, func(string, string) error { return nil }); err == nil {
		t.Fatal("read a setting that is not a secret")
	}
}

// More than ten names go in calls of ten.
func TestSecretParametersInCallsOfTen(t *testing.T) {
	srv, asked := fakeSSM(t, map[string]string{})
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), HTTPClient: srv.Client()}
	var names []string
	for range 4 {
		for _, n := range SecretNames {
			t.Setenv(n, "")
			names = append(names, n)
		}
	}
	err := applySecretParameters(context.Background(), ssmHTTP{cfg: cfg}, "/p/", names, func(string, string) error { return nil })
	if err != nil || len(*asked) != (len(names)+9)/10 {
		t.Fatalf("%v; %d calls for %d names", err, len(*asked), len(names))
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
	ok := `{"Parameters":[{"Name":"/p/CURSOR_SECRET","Value":"v"}],"InvalidParameters":[]}`
	throttled := `{"__type":"ThrottlingException","message":"Rate exceeded"}`
	tests := []struct {
		name      string
		answers   []answer
		wantTries int
		wantErr   string
	}{
		{"throttled twice, then the answer", []answer{{400, throttled}, {400, throttled}, {200, ok}}, 3, ""},
		{"a 500 then the answer", []answer{{500, `{"__type":"InternalServerError"}`}, {200, ok}}, 2, ""},
		{"throttled every time: four tries", []answer{{400, throttled}}, ssmAttempts, "ThrottlingException"},
		{"access denied is not retried", []answer{{400, `{"__type":"AccessDeniedException","message":"no"}`}}, 1, "AccessDeniedException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			answers, tries = tc.answers, 0
			params, err := ssmHTTP{cfg: cfg}.GetParameters(context.Background(), []string{"/p/CURSOR_SECRET"})
			if tries != tc.wantTries || (tc.wantErr == "" && (err != nil || len(params) != 1)) || (tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr))) {
				t.Fatalf("%d tries, %v, %v", tries, params, err)
			}
		})
	}
}
