package openai

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/aitest"
)

const testKey = "sk-test-0123456789abcdefABCDEF"

// completion is a Chat Completions response body as OpenAI sends it.
func completion(content, finish string, in, out int) string {
	c, _ := json.Marshal(content)
	return `{
  "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
  "object": "chat.completion",
  "created": 1741569952,
  "model": "gpt-4o-mini-2024-07-18",
  "choices": [{
    "index": 0,
    "message": {"role": "assistant", "content": ` + string(c) + `, "refusal": null, "annotations": []},
    "logprobs": null,
    "finish_reason": "` + finish + `"
  }],
  "usage": {
    "prompt_tokens": ` + itoa(in) + `, "completion_tokens": ` + itoa(out) + `, "total_tokens": ` + itoa(in+out) + `,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
  },
  "service_tier": "default",
  "system_fingerprint": "fp_06737a9306"
}`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func openAIError(message, typ, code string) string {
	c := "null"
	if code != "" {
		c = `"` + code + `"`
	}
	m, _ := json.Marshal(message)
	return `{"error": {"message": ` + string(m) + `, "type": "` + typ + `", "param": null, "code": ` + c + `}}`
}

var jsonReq = ai.TextRequest{
	Model: "gpt-4o-mini", System: "You are an SEO strategist.", Prompt: "Cluster these keywords.",
	MaxTokens: 500, JSON: true, Operation: ai.OpClustering,
}

func TestComplete(t *testing.T) {
	cases := []struct {
		name    string
		req     ai.TextRequest
		respond http.HandlerFunc
		timeout time.Duration // http.Client timeout
		// success
		wantText    string
		wantIn      int64
		wantOut     int64
		checkReq    func(t *testing.T, r aitest.Request)
		wantKind    ai.Kind
		wantStatus  int
		wantRetry   time.Duration
		wantIs      error
		wantMsg     string // substring of err.Error()
		wantResultT int64  // tokens carried on the error (Result.OutputTokens)
	}{
		{
			name: "json success", req: jsonReq,
			respond:  aitest.JSON(200, completion(`{"clusters":[{"name":"Trail Running Shoes","description":"d","keywords":["trail shoes"]}]}`, "stop", 120, 45)),
			wantText: `{"clusters":[{"name":"Trail Running Shoes","description":"d","keywords":["trail shoes"]}]}`, wantIn: 120, wantOut: 45,
			checkReq: func(t *testing.T, r aitest.Request) {
				if r.Method != "POST" || r.Path != "/v1/chat/completions" {
					t.Errorf("request %s %s, want POST /v1/chat/completions", r.Method, r.Path)
				}
				if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
					t.Errorf("Authorization %q", got)
				}
				if r.Body["model"] != "gpt-4o-mini" {
					t.Errorf("model %v", r.Body["model"])
				}
				if r.Body["max_completion_tokens"] != float64(500) || r.Body["max_tokens"] != nil {
					t.Errorf("max_completion_tokens %v, max_tokens %v", r.Body["max_completion_tokens"], r.Body["max_tokens"])
				}
				rf, _ := r.Body["response_format"].(map[string]any)
				if rf["type"] != "json_object" {
					t.Errorf("response_format %v", r.Body["response_format"])
				}
				msgs, _ := r.Body["messages"].([]any)
				if len(msgs) != 2 {
					t.Fatalf("messages %v", r.Body["messages"])
				}
				m0, m1 := msgs[0].(map[string]any), msgs[1].(map[string]any)
				if m0["role"] != "system" || m0["content"] != jsonReq.System || m1["role"] != "user" || m1["content"] != jsonReq.Prompt {
					t.Errorf("messages %v", msgs)
				}
			},
		},
		{
			name:     "text success without system or JSON mode",
			req:      ai.TextRequest{Model: "gpt-4.1", Prompt: "Say hello."},
			respond:  aitest.JSON(200, completion("Hello there!", "stop", 9, 3)),
			wantText: "Hello there!", wantIn: 9, wantOut: 3,
			checkReq: func(t *testing.T, r aitest.Request) {
				msgs, _ := r.Body["messages"].([]any)
				if len(msgs) != 1 || msgs[0].(map[string]any)["role"] != "user" {
					t.Errorf("messages %v", r.Body["messages"])
				}
				if _, ok := r.Body["response_format"]; ok {
					t.Errorf("response_format sent without JSON mode")
				}
				if _, ok := r.Body["max_completion_tokens"]; ok {
					t.Errorf("max_completion_tokens sent for MaxTokens 0")
				}
			},
		},
		{
			name: "json in a code fence is extracted", req: jsonReq,
			respond:  aitest.JSON(200, completion("Here you go:\n```json\n{\"clusters\": []}\n```", "stop", 10, 8)),
			wantText: `{"clusters": []}`, wantIn: 10, wantOut: 8,
		},
		{
			name: "429 with Retry-After seconds", req: jsonReq,
			respond: aitest.JSON(429, openAIError("Rate limit reached for gpt-4o-mini in organization org-abc on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.", "requests", "rate_limit_exceeded"),
				"Retry-After", "7", "x-ratelimit-reset-requests", "120ms"),
			wantKind: ai.RateLimited, wantStatus: 429, wantRetry: 7 * time.Second, wantMsg: "Provider.RateLimited",
		},
		{
			name: "429 with x-ratelimit-reset only", req: jsonReq,
			respond: aitest.JSON(429, openAIError("Rate limit reached for gpt-4o-mini on tokens per min (TPM).", "tokens", "rate_limit_exceeded"),
				"x-ratelimit-reset-requests", "1.5s", "x-ratelimit-reset-tokens", "6m0s"),
			wantKind: ai.RateLimited, wantStatus: 429, wantRetry: 6 * time.Minute,
		},
		{
			name: "429 insufficient_quota is permanent", req: jsonReq,
			respond:  aitest.JSON(429, openAIError("You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "insufficient_quota")),
			wantKind: ai.Permanent, wantStatus: 429, wantMsg: "quota",
		},
		{
			name: "500 is transient", req: jsonReq,
			respond:  aitest.JSON(500, openAIError("The server had an error while processing your request. Sorry about that!", "server_error", "")),
			wantKind: ai.Transient, wantStatus: 500,
		},
		{
			name: "502 with an HTML body is transient", req: jsonReq,
			respond: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
			},
			wantKind: ai.Transient, wantStatus: 502,
		},
		{
			name: "401 is permanent and says the key is wrong", req: jsonReq,
			respond:  aitest.JSON(401, openAIError("Incorrect API key provided: sk-test-********************CDEF. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key")),
			wantKind: ai.Permanent, wantStatus: 401, wantMsg: "API key is missing, wrong or revoked",
		},
		{
			name: "403 is permanent and says the key lacks permission", req: jsonReq,
			respond:  aitest.JSON(403, openAIError("You have insufficient permissions for this operation. Missing scopes: model.request.", "invalid_request_error", "")),
			wantKind: ai.Permanent, wantStatus: 403, wantMsg: "lacks permission",
		},
		{
			name: "404 unknown model is permanent", req: jsonReq,
			respond:  aitest.JSON(404, openAIError("The model `gpt-9` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found")),
			wantKind: ai.Permanent, wantStatus: 404, wantMsg: "does not exist",
		},
		{
			name: "timeout is transient", req: jsonReq, timeout: 200 * time.Millisecond,
			respond:  aitest.Hang,
			wantKind: ai.Transient, wantMsg: "timed out",
		},
		{
			name: "malformed JSON body is transient", req: jsonReq,
			respond:  aitest.JSON(200, `{"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assist`),
			wantKind: ai.Transient, wantStatus: 200, wantMsg: "unreadable response body",
		},
		{
			name: "finish_reason length is malformed (truncated)", req: jsonReq,
			respond:  aitest.JSON(200, completion(`{"clusters":[{"name":"Trail Run`, "length", 120, 500)),
			wantKind: ai.Malformed, wantIs: ai.ErrTruncated, wantMsg: "max tokens 500", wantResultT: 500,
		},
		{
			name: "JSON mode answer that is not JSON is malformed", req: jsonReq,
			respond:  aitest.JSON(200, completion("Sure! Here are the clusters: trail shoes, bread.", "stop", 120, 12)),
			wantKind: ai.Malformed, wantIs: ai.ErrNotJSON, wantResultT: 12,
		},
		{
			name: "empty answer is malformed", req: jsonReq,
			respond:  aitest.JSON(200, completion("", "stop", 120, 0)),
			wantKind: ai.Malformed, wantIs: ai.ErrEmpty,
		},
		{
			name: "content_filter is refused", req: jsonReq,
			respond:  aitest.JSON(200, completion("", "content_filter", 120, 0)),
			wantKind: ai.Refused,
		},
		{
			name: "refusal message is refused", req: jsonReq,
			respond: aitest.JSON(200, `{"id":"chatcmpl-2","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini-2024-07-18",
"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I'm sorry, I can't help with that."},"logprobs":null,"finish_reason":"stop"}],
"usage":{"prompt_tokens":50,"completion_tokens":9,"total_tokens":59}}`),
			wantKind: ai.Refused, wantMsg: "can't help", wantResultT: 9,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, rc := aitest.Server(t, tc.respond)
			hc := &http.Client{Timeout: 5 * time.Second}
			if tc.timeout > 0 {
				hc.Timeout = tc.timeout
			}
			p := New(testKey, srv.URL+"/v1", hc, Options{})
			res, err := p.Complete(context.Background(), tc.req)
			if rc.Count() != 1 {
				t.Fatalf("%d requests, want exactly 1 (the SDK must not retry)", rc.Count())
			}
			if tc.checkReq != nil {
				tc.checkReq(t, rc.Last(t))
			}
			if tc.wantKind == 0 {
				aitest.CheckText(t, res, err, ai.TextResult{Provider: "openai", Model: tc.req.Model, Text: tc.wantText, InputTokens: tc.wantIn, OutputTokens: tc.wantOut})
				return
			}
			checkErr(t, err, tc.wantKind, tc.wantStatus, tc.wantRetry, tc.wantIs, tc.wantMsg)
			if tc.wantResultT > 0 {
				var e *ai.Error
				errors.As(err, &e)
				if e.Result == nil || e.Result.OutputTokens != tc.wantResultT || e.Result.InputTokens == 0 {
					t.Fatalf("error should carry the billed usage, got %+v", e.Result)
				}
			}
		})
	}
}

func checkErr(t *testing.T, err error, kind ai.Kind, status int, retry time.Duration, is error, msg string) {
	t.Helper()
	aitest.CheckError(t, err, aitest.Want{Kind: kind, Status: status, Retry: retry, Is: is, Msg: msg, Secrets: []string{testKey, "sk-test"}})
}

func TestCompleteContextDeadlineAndConnectionRefused(t *testing.T) {
	srv, _ := aitest.Server(t, aitest.Hang)
	p := New(testKey, srv.URL+"/v1", nil, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err := p.Complete(ctx, jsonReq)
	checkErr(t, err, ai.Transient, 0, 0, context.DeadlineExceeded, "timed out")

	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	_, err = New(testKey, url+"/v1", nil, Options{}).Complete(context.Background(), jsonReq)
	checkErr(t, err, ai.Transient, 0, 0, nil, "connection")
}

func TestCompatibleSendsNoKeyAndMaxTokens(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-from-the-environment-must-not-leak")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/not-this-one")
	srv, rc := aitest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		aitest.WriteJSON(w, 200, completion(`{"ideas":[]}`, "stop", 30, 5))
	})
	p := NewCompatible("", srv.URL+"/v1", nil, Options{})
	res, err := p.Complete(context.Background(), ai.TextRequest{Model: "llama3.1:8b", Prompt: "ideas", MaxTokens: 256, JSON: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Provider != "openai_compatible" || p.Name() != "openai_compatible" || res.Text != `{"ideas":[]}` || res.InputTokens != 30 {
		t.Fatalf("result %+v", res)
	}
	r := rc.Last(t)
	if r.Header.Get("Authorization") != "" {
		t.Fatalf("compatible provider without a key sent Authorization %q", r.Header.Get("Authorization"))
	}
	if r.Body["max_tokens"] != float64(256) || r.Body["max_completion_tokens"] != nil || r.Body["model"] != "llama3.1:8b" {
		t.Fatalf("body %v", r.Body)
	}

	// The OpenAI provider with a configured key sends that key, not the environment's.
	_, _ = New(testKey, srv.URL+"/v1", nil, Options{Organization: "org-1"}).Complete(context.Background(), jsonReq)
	r = rc.Last(t)
	if r.Header.Get("Authorization") != "Bearer "+testKey || r.Header.Get("OpenAI-Organization") != "org-1" {
		t.Fatalf("headers %v", r.Header)
	}
}

func TestGenerate(t *testing.T) {
	pngBytes := aitest.PNG(8, 4)
	b64 := base64.StdEncoding.EncodeToString(pngBytes)
	cases := []struct {
		name     string
		req      ai.ImageRequest
		respond  func(srvURL string) http.HandlerFunc
		checkReq func(t *testing.T, r aitest.Request)
		wantKind ai.Kind
		wantMsg  string
	}{
		{
			name: "gpt-image-1 b64_json",
			req:  ai.ImageRequest{Model: "gpt-image-1", Prompt: "a lighthouse at dawn", Width: 1600, Height: 900},
			respond: func(string) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					aitest.WriteJSON(w, 200, `{"created": 1713833628, "background": "opaque", "output_format": "png", "quality": "high", "size": "1536x1024",
"data": [{"b64_json": "`+b64+`"}],
"usage": {"total_tokens": 100, "input_tokens": 50, "output_tokens": 50, "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}}}`)
				}
			},
			checkReq: func(t *testing.T, r aitest.Request) {
				if r.Path != "/v1/images/generations" || r.Header.Get("Authorization") != "Bearer "+testKey {
					t.Errorf("request %s auth %q", r.Path, r.Header.Get("Authorization"))
				}
				if r.Body["model"] != "gpt-image-1" || r.Body["prompt"] != "a lighthouse at dawn" || r.Body["size"] != "1536x1024" || r.Body["n"] != float64(1) {
					t.Errorf("body %v", r.Body)
				}
				if _, ok := r.Body["response_format"]; ok {
					t.Errorf("gpt-image-1 does not take response_format")
				}
			},
		},
		{
			name: "dall-e-3 url is downloaded",
			req:  ai.ImageRequest{Model: "dall-e-3", Prompt: "a cat", Width: 1024, Height: 1792},
			respond: func(srvURL string) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/files/img.png" {
						if r.Header.Get("Authorization") != "" {
							t.Errorf("the image download must not carry the API key")
						}
						w.Header().Set("Content-Type", "image/png")
						_, _ = w.Write(pngBytes)
						return
					}
					aitest.WriteJSON(w, 200, `{"created": 1713833628, "data": [{"url": "`+srvURL+`/files/img.png", "revised_prompt": "a cat sitting"}]}`)
				}
			},
			checkReq: func(t *testing.T, r aitest.Request) {
				if r.Path != "/files/img.png" {
					t.Errorf("last request %s, want the image download", r.Path)
				}
			},
		},
		{
			name: "content_policy_violation is refused",
			req:  ai.ImageRequest{Model: "dall-e-3", Prompt: "something not allowed"},
			respond: func(string) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					aitest.WriteJSON(w, 400, openAIError("Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.", "invalid_request_error", "content_policy_violation"))
				}
			},
			checkReq: func(t *testing.T, r aitest.Request) {
				if r.Body["response_format"] != "b64_json" || r.Body["size"] != "1024x1024" {
					t.Errorf("body %v", r.Body)
				}
			},
			wantKind: ai.Refused, wantMsg: "safety system",
		},
		{
			name: "moderation_blocked is refused",
			req:  ai.ImageRequest{Model: "gpt-image-1", Prompt: "x"},
			respond: func(string) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					aitest.WriteJSON(w, 400, openAIError("Your request was rejected by the safety system.", "image_generation_user_error", "moderation_blocked"))
				}
			},
			wantKind: ai.Refused,
		},
		{
			name: "expired image url is permanent",
			req:  ai.ImageRequest{Model: "dall-e-2", Prompt: "x", Width: 300, Height: 300},
			respond: func(srvURL string) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/files/gone.png" {
						w.WriteHeader(403)
						_, _ = io.WriteString(w, "<Error><Code>AuthenticationFailed</Code></Error>")
						return
					}
					aitest.WriteJSON(w, 200, `{"created": 1, "data": [{"url": "`+srvURL+`/files/gone.png"}]}`)
				}
			},
			wantKind: ai.Permanent, wantMsg: "expired",
		},
		{
			name: "429 on images",
			req:  ai.ImageRequest{Model: "gpt-image-1", Prompt: "x"},
			respond: func(string) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					aitest.WriteJSON(w, 429, openAIError("Rate limit exceeded for images per minute.", "requests", "rate_limit_exceeded"), "Retry-After", "20")
				}
			},
			wantKind: ai.RateLimited,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var srvURL string
			srv, rc := aitest.Server(t, func(w http.ResponseWriter, r *http.Request) { tc.respond(srvURL)(w, r) })
			srvURL = srv.URL
			p := New(testKey, srv.URL+"/v1", &http.Client{Timeout: 5 * time.Second}, Options{})
			res, err := p.Generate(context.Background(), tc.req)
			if tc.checkReq != nil {
				tc.checkReq(t, rc.Last(t))
			}
			if tc.wantKind != 0 {
				var e *ai.Error
				if !errors.As(err, &e) || e.Kind != tc.wantKind {
					t.Fatalf("want %v, got %v", tc.wantKind, err)
				}
				if !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("message %q lacks %q", err.Error(), tc.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(res.Data, pngBytes) || res.ContentType != "image/png" || res.Provider != "openai" || res.Model != tc.req.Model {
				t.Fatalf("result %d bytes %q %q %q", len(res.Data), res.ContentType, res.Provider, res.Model)
			}
		})
	}
}

func TestSize(t *testing.T) {
	cases := []struct {
		model string
		w, h  int
		want  string
	}{
		{"gpt-image-1", 0, 0, "1024x1024"},
		{"gpt-image-1", 1024, 1024, "1024x1024"},
		{"gpt-image-1", 1920, 1080, "1536x1024"},
		{"gpt-image-1", 800, 1200, "1024x1536"},
		{"gpt-image-1-mini", 1100, 1000, "1024x1024"},
		{"dall-e-3", 1920, 1080, "1792x1024"},
		{"dall-e-3", 1080, 1920, "1024x1792"},
		{"dall-e-2", 200, 100, "256x256"},
		{"dall-e-2", 500, 400, "512x512"},
		{"dall-e-2", 2000, 400, "1024x1024"},
		{"gpt-image-2", 1000, 563, "1008x560"},
		{"flux-schnell", 512, 0, "512x512"},
	}
	for _, c := range cases {
		if got := Size(c.model, c.w, c.h); got != c.want {
			t.Errorf("Size(%q, %d, %d) = %q, want %q", c.model, c.w, c.h, got, c.want)
		}
	}
}
