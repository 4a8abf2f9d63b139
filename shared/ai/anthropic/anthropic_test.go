package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/aitest"
)

const testKey = "sk-ant-api03-test0123456789abcdefghij"

// writeJSON answers as Anthropic does, with its request-id header.
func writeJSON(w http.ResponseWriter, status int, body string, headers ...string) {
	aitest.WriteJSON(w, status, body, append(headers, "request-id", "req_011CSHoEeqs5C35K2UUqR7Fy")...)
}

// answer is a handler that always answers writeJSON(status, body, headers...).
func answer(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, status, body, headers...) }
}

// message is a Messages API response body as Anthropic sends it.
func message(text, stop string, in, out int) string {
	t, _ := json.Marshal(text)
	return `{
  "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
  "type": "message",
  "role": "assistant",
  "model": "claude-sonnet-4-5-20250929",
  "content": [{"type": "text", "text": ` + string(t) + `}],
  "stop_reason": "` + stop + `",
  "stop_sequence": null,
  "usage": {"input_tokens": ` + itoa(in) + `, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": ` + itoa(out) + `, "service_tier": "standard"}
}`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func apiError(typ, msg string) string {
	m, _ := json.Marshal(msg)
	return `{"type": "error", "error": {"type": "` + typ + `", "message": ` + string(m) + `}, "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"}`
}

var jsonReq = ai.TextRequest{
	Model: "claude-sonnet-4-5", System: "You write SEO articles.", Prompt: "Write the article as JSON.",
	MaxTokens: 3000, JSON: true, Operation: ai.OpContentGeneration,
}

func TestComplete(t *testing.T) {
	cases := []struct {
		name       string
		req        ai.TextRequest
		respond    http.HandlerFunc
		timeout    time.Duration
		wantText   string
		wantIn     int64
		wantOut    int64
		checkReq   func(t *testing.T, r aitest.Request)
		wantKind   ai.Kind
		wantStatus int
		wantRetry  time.Duration
		wantIs     error
		wantMsg    string
		wantUsage  bool // the error carries the billed usage
	}{
		{
			name: "json success", req: jsonReq,
			respond:  answer(200, message(`{"title":"T","meta_title":"M","meta_description":"D","html":"<p>x</p>"}`, "end_turn", 2095, 503)),
			wantText: `{"title":"T","meta_title":"M","meta_description":"D","html":"<p>x</p>"}`, wantIn: 2095, wantOut: 503,
			checkReq: func(t *testing.T, r aitest.Request) {
				if r.Method != "POST" || r.Path != "/v1/messages" {
					t.Errorf("request %s %s", r.Method, r.Path)
				}
				if r.Header.Get("X-Api-Key") != testKey || r.Header.Get("Authorization") != "" {
					t.Errorf("x-api-key %q authorization %q", r.Header.Get("X-Api-Key"), r.Header.Get("Authorization"))
				}
				if r.Header.Get("Anthropic-Version") != "2023-06-01" {
					t.Errorf("anthropic-version %q", r.Header.Get("Anthropic-Version"))
				}
				if r.Body["model"] != "claude-sonnet-4-5" || r.Body["max_tokens"] != float64(3000) {
					t.Errorf("model %v max_tokens %v", r.Body["model"], r.Body["max_tokens"])
				}
				sys, _ := r.Body["system"].([]any)
				if len(sys) != 1 {
					t.Fatalf("system %v", r.Body["system"])
				}
				st := sys[0].(map[string]any)
				if st["type"] != "text" || !strings.HasPrefix(st["text"].(string), jsonReq.System) || !strings.Contains(st["text"].(string), "single JSON object") {
					t.Errorf("system %v", st)
				}
				msgs, _ := r.Body["messages"].([]any)
				if len(msgs) != 1 {
					t.Fatalf("messages %v", r.Body["messages"])
				}
				m := msgs[0].(map[string]any)
				content, _ := m["content"].([]any)
				if m["role"] != "user" || len(content) != 1 || content[0].(map[string]any)["text"] != jsonReq.Prompt {
					t.Errorf("message %v", m)
				}
			},
		},
		{
			name:     "text success uses the default max_tokens and no system",
			req:      ai.TextRequest{Model: "claude-haiku-4-5", Prompt: "Say hello."},
			respond:  answer(200, message("Hello!", "end_turn", 10, 4)),
			wantText: "Hello!", wantIn: 10, wantOut: 4,
			checkReq: func(t *testing.T, r aitest.Request) {
				if r.Body["max_tokens"] != float64(DefaultMaxTokens) {
					t.Errorf("max_tokens %v", r.Body["max_tokens"])
				}
				if _, ok := r.Body["system"]; ok {
					t.Errorf("system sent without one")
				}
			},
		},
		{
			name: "json wrapped in a fence is unwrapped", req: jsonReq,
			respond:  answer(200, message("```json\n{\"featured\": \"a photo\", \"in_article\": []}\n```", "end_turn", 50, 20)),
			wantText: `{"featured": "a photo", "in_article": []}`, wantIn: 50, wantOut: 20,
		},
		{
			name: "429 with retry-after", req: jsonReq,
			respond: answer(429, apiError("rate_limit_error", "This request would exceed the rate limit for your organization of 50 requests per minute."),
				"retry-after", "12", "anthropic-ratelimit-requests-remaining", "0"),
			wantKind: ai.RateLimited, wantStatus: 429, wantRetry: 12 * time.Second, wantMsg: "rate limit",
		},
		{
			name: "529 overloaded is transient", req: jsonReq,
			respond:  answer(529, apiError("overloaded_error", "Overloaded")),
			wantKind: ai.Transient, wantStatus: 529, wantMsg: "Overloaded",
		},
		{
			name: "500 is transient", req: jsonReq,
			respond:  answer(500, apiError("api_error", "Internal server error")),
			wantKind: ai.Transient, wantStatus: 500,
		},
		{
			name: "401 is permanent and says the key is wrong", req: jsonReq,
			respond:  answer(401, apiError("authentication_error", "invalid x-api-key")),
			wantKind: ai.Permanent, wantStatus: 401, wantMsg: "API key is missing, wrong or revoked",
		},
		{
			name: "403 is permanent and says permission", req: jsonReq,
			respond:  answer(403, apiError("permission_error", "Your API key does not have permission to use the specified resource.")),
			wantKind: ai.Permanent, wantStatus: 403, wantMsg: "lacks permission",
		},
		{
			name: "400 low credit balance is permanent", req: jsonReq,
			respond:  answer(400, apiError("invalid_request_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.")),
			wantKind: ai.Permanent, wantStatus: 400, wantMsg: "credit balance is too low",
		},
		{
			name: "timeout is transient", req: jsonReq, timeout: 200 * time.Millisecond,
			respond:  aitest.Hang,
			wantKind: ai.Transient, wantMsg: "timed out",
		},
		{
			name: "malformed JSON body is transient", req: jsonReq,
			respond:  answer(200, `{"id": "msg_01", "type": "message", "content": [{"type": "text", "text": "{\"tit`),
			wantKind: ai.Transient, wantStatus: 200, wantMsg: "unreadable response body",
		},
		{
			name: "stop_reason max_tokens is malformed (truncated)", req: jsonReq,
			respond:  answer(200, message(`{"title":"T","html":"<p>Lorem`, "max_tokens", 2095, 3000)),
			wantKind: ai.Malformed, wantIs: ai.ErrTruncated, wantMsg: "max tokens 3000", wantUsage: true,
		},
		{
			name: "JSON mode answer that is not JSON is malformed", req: jsonReq,
			respond:  answer(200, message("I'd be happy to help! Here is the article: Title: ...", "end_turn", 2095, 40)),
			wantKind: ai.Malformed, wantIs: ai.ErrNotJSON, wantUsage: true,
		},
		{
			name: "stop_reason refusal is refused", req: jsonReq,
			respond: answer(200, `{"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],
"stop_reason":"refusal","stop_sequence":null,"stop_details":{"type":"refusal","category":"general_harms","explanation":"The request asks for harmful content."},
"usage":{"input_tokens":120,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}`),
			wantKind: ai.Refused, wantMsg: "refused", wantUsage: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, rc := aitest.Server(t, tc.respond)
			hc := &http.Client{Timeout: 5 * time.Second}
			if tc.timeout > 0 {
				hc.Timeout = tc.timeout
			}
			p := New(testKey, srv.URL, hc, Options{})
			res, err := p.Complete(context.Background(), tc.req)
			got := rc.All()
			if len(got) != 1 {
				t.Fatalf("%d requests, want exactly 1 (the SDK must not retry)", len(got))
			}
			if tc.checkReq != nil {
				tc.checkReq(t, got[0])
			}
			if tc.wantKind == 0 {
				aitest.CheckText(t, res, err, ai.TextResult{Provider: "anthropic", Model: tc.req.Model, Text: tc.wantText, InputTokens: tc.wantIn, OutputTokens: tc.wantOut})
				return
			}
			e := aitest.CheckError(t, err, aitest.Want{Kind: tc.wantKind, Provider: "anthropic", Status: tc.wantStatus, Retry: tc.wantRetry,
				Is: tc.wantIs, Msg: tc.wantMsg, Secrets: []string{testKey, "sk-ant"}})
			if tc.wantUsage && (e.Result == nil || e.Result.InputTokens == 0 || e.Result.OutputTokens == 0) {
				t.Errorf("the error should carry the billed usage, got %+v", e.Result)
			}
		})
	}
}

func TestEnvironmentIsIgnored(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-from-env-must-not-be-used")
	t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1")
	srv, rc := aitest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, message("ok", "end_turn", 1, 1))
	})
	if _, err := New(testKey, srv.URL, nil, Options{Timeout: 2 * time.Second}).Complete(context.Background(), ai.TextRequest{Model: "claude-haiku-4-5", Prompt: "hi"}); err != nil {
		t.Fatal(err)
	}
	if got := rc.All()[0].Header.Get("X-Api-Key"); got != testKey {
		t.Fatalf("x-api-key %q", got)
	}
}

func TestContextDeadline(t *testing.T) {
	srv, _ := aitest.Server(t, aitest.Hang)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err := New(testKey, srv.URL, nil, Options{}).Complete(ctx, jsonReq)
	var e *ai.Error
	if !errors.As(err, &e) || e.Kind != ai.Transient || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want Transient wrapping DeadlineExceeded, got %v", err)
	}
}
