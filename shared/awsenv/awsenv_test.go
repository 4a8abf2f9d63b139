package awsenv

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestServiceURLIsThePartitions(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_SSM", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	for region, want := range map[string]string{
		"eu-west-1":      "https://ssm.eu-west-1.amazonaws.com",
		"cn-north-1":     "https://ssm.cn-north-1.amazonaws.com.cn",
		"us-gov-west-1":  "https://ssm.us-gov-west-1.amazonaws.com",
		"us-iso-east-1":  "https://ssm.us-iso-east-1.c2s.ic.gov",
		"us-isob-east-1": "https://ssm.us-isob-east-1.sc2s.sgov.gov",
	} {
		if got := ServiceURL("SSM", "ssm", region); got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/")
	if got := ServiceURL("SSM", "ssm", "eu-west-1"); got != "http://127.0.0.1:4566" {
		t.Errorf("with AWS_ENDPOINT_URL: %s", got)
	}
	t.Setenv("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9000")
	if got := ServiceURL("SSM", "ssm", "eu-west-1"); got != "http://127.0.0.1:9000" {
		t.Errorf("the service's own variable wins: %s", got)
	}
	if got := Endpoint("Lambda"); got != "http://127.0.0.1:4566/" {
		t.Errorf("another service takes AWS_ENDPOINT_URL: %s", got)
	}
}

func TestLoad(t *testing.T) {
	for _, v := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		t.Setenv(v, "")
	}
	if _, err := Load(""); !errors.Is(err, ErrNoRegion) {
		t.Fatalf("no region: %v", err)
	}
	t.Setenv("AWS_REGION", "eu-west-1")
	if _, err := Load(""); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("no credentials: %v", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "rie-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	local, err := Load("http://127.0.0.1:8000")
	if err != nil || local.Region != LocalRegion {
		t.Fatalf("local: %v %v", local.Region, err)
	}
	if c, _ := local.Credentials.Retrieve(context.Background()); c.AccessKeyID != "local" {
		t.Fatalf("local credentials: %+v", c)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "ASIATEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "token")
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "ASIATEST" || c.SecretAccessKey != "secret" || c.SessionToken != "token" || cfg.Region != "eu-west-1" {
		t.Fatalf("the role's credentials: %+v %v", c, err)
	}
}

// A call is signed for its service and region; throttling and 5xx are
// tried again, a refusal is not, and the exception's name comes back from
// either JSON protocol's __type or the REST header.
func TestCallerSignsAndRetries(t *testing.T) {
	type answer struct {
		status int
		header string
		body   string
	}
	var answers []answer
	var tries int
	var auth, target string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, target = r.Header.Get("Authorization"), r.Header.Get("X-Amz-Target")
		a := answers[min(tries, len(answers)-1)]
		tries++
		if a.header != "" {
			w.Header().Set("X-Amzn-ErrorType", a.header)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	c := Caller{Config: cfg, ServiceID: "SSM", Prefix: "ssm", Backoff: time.Millisecond}
	throttled := answer{400, "", `{"__type":"com.amazonaws#ThrottlingException","message":"Rate exceeded"}`}
	tests := []struct {
		name      string
		answers   []answer
		wantTries int
		wantType  string
	}{
		{"throttled twice, then the answer", []answer{throttled, throttled, {200, "", `{"V":"x"}`}}, 3, ""},
		{"a 503 then the answer", []answer{{503, "", ``}, {200, "", `{"V":"x"}`}}, 2, ""},
		{"throttled every time: four tries", []answer{throttled}, 4, "ThrottlingException"},
		{"a REST protocol's 429", []answer{{429, "TooManyRequestsException:http://internal", `{"Message":"slow down"}`}}, 4, "TooManyRequestsException"},
		{"access denied is not retried", []answer{{400, "", `{"__type":"AccessDeniedException","message":"no"}`}}, 1, "AccessDeniedException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			answers, tries = tc.answers, 0
			var out struct{ V string }
			err := c.JSON(context.Background(), "1.1", "AmazonSSM.GetParameter", map[string]string{"Name": "n"}, &out)
			if tries != tc.wantTries {
				t.Fatalf("%d tries, want %d (%v)", tries, tc.wantTries, err)
			}
			if tc.wantType == "" {
				if err != nil || out.V != "x" {
					t.Fatalf("%v %+v", err, out)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Type != tc.wantType || ae.Message == "" {
				t.Fatalf("error %#v", err)
			}
		})
	}
	if !strings.Contains(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(auth, "/eu-west-1/ssm/aws4_request") || target != "AmazonSSM.GetParameter" {
		t.Fatalf("signature %q, target %q", auth, target)
	}
}
