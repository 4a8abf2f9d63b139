package runware

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/aitest"
)

const testKey = "rw0123456789abcdefghijABCDEFGHIJ"

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// task is one decoded task of a request the fake Runware server received.
type task map[string]any

// fakeRunware decodes each request (a JSON array of tasks) and hands the
// imageInference task to respond.
func fakeRunware(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, tasks []task, srvURL string)) (*httptest.Server, func() [][]task) {
	t.Helper()
	var mu sync.Mutex
	var got [][]task
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet { // image downloads (outputType URL)
			respond(w, r, nil, srv.URL)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var tasks []task
		if err := json.Unmarshal(b, &tasks); err != nil {
			t.Errorf("request body is not a JSON array of tasks: %s", b)
		}
		mu.Lock()
		got = append(got, tasks)
		mu.Unlock()
		respond(w, r, tasks, srv.URL)
	}))
	t.Cleanup(srv.Close)
	return srv, func() [][]task { mu.Lock(); defer mu.Unlock(); return append([][]task(nil), got...) }
}

func uuidOf(tasks []task) string {
	if len(tasks) < 2 {
		return ""
	}
	s, _ := tasks[1]["taskUUID"].(string)
	return s
}

func success(uuid, field, value string) string {
	return `{"data": [{"taskType": "imageInference", "imageUUID": "b7db282d-2943-4f12-992f-77df3ad3ec71", "taskUUID": "` + uuid +
		`", "seed": 6707413, "` + field + `": "` + value + `", "NSFWContent": false, "cost": 0.0013}]}`
}

func TestGenerate(t *testing.T) {
	pngBytes := aitest.PNG(16, 8)
	b64 := base64.StdEncoding.EncodeToString(pngBytes)
	cases := []struct {
		name      string
		opts      Options
		req       ai.ImageRequest
		timeout   time.Duration
		respond   func(w http.ResponseWriter, r *http.Request, tasks []task, srvURL string)
		checkReq  func(t *testing.T, tasks []task)
		wantKind  ai.Kind
		wantRetry time.Duration
		wantMsg   string
		wantCost  int64
	}{
		{
			name: "base64 success",
			req:  ai.ImageRequest{Model: "runware:101@1", Prompt: "a cosy bakery at sunrise, warm light", Width: 1000, Height: 563},
			respond: func(w http.ResponseWriter, r *http.Request, tasks []task, _ string) {
				aitest.WriteJSON(w, 200, success(uuidOf(tasks), "imageBase64Data", b64))
			},
			checkReq: func(t *testing.T, tasks []task) {
				if len(tasks) != 2 {
					t.Fatalf("%d tasks, want authentication + imageInference", len(tasks))
				}
				if tasks[0]["taskType"] != "authentication" || tasks[0]["apiKey"] != testKey {
					t.Errorf("auth task %v", tasks[0])
				}
				it := tasks[1]
				want := map[string]any{
					"taskType": "imageInference", "positivePrompt": "a cosy bakery at sunrise, warm light", "model": "runware:101@1",
					"width": float64(1024), "height": float64(576), "numberResults": float64(1),
					"outputType": "base64Data", "outputFormat": "PNG", "includeCost": true,
				}
				for k, v := range want {
					if it[k] != v {
						t.Errorf("%s = %v, want %v", k, it[k], v)
					}
				}
				if !uuidV4.MatchString(uuidOf(tasks)) {
					t.Errorf("taskUUID %q is not a UUID v4", uuidOf(tasks))
				}
			},
			wantCost: 1300,
		},
		{
			name: "URL output is downloaded",
			opts: Options{OutputType: OutputURL},
			req:  ai.ImageRequest{Prompt: "a solar roof", Width: 0, Height: 3000},
			respond: func(w http.ResponseWriter, r *http.Request, tasks []task, srvURL string) {
				if r.Method == http.MethodGet {
					w.Header().Set("Content-Type", "image/png")
					_, _ = w.Write(pngBytes)
					return
				}
				aitest.WriteJSON(w, 200, success(uuidOf(tasks), "imageURL", srvURL+"/image/ws/2/ii/b7db282d.png"))
			},
			checkReq: func(t *testing.T, tasks []task) {
				it := tasks[1]
				if it["outputType"] != "URL" || it["model"] != DefaultModel || it["width"] != float64(1024) || it["height"] != float64(2048) {
					t.Errorf("task %v", it)
				}
			},
			wantCost: 1300,
		},
		{
			name: "401 invalidApiKey is permanent with a clear message",
			req:  ai.ImageRequest{Prompt: "a cat"},
			respond: func(w http.ResponseWriter, r *http.Request, tasks []task, _ string) {
				aitest.WriteJSON(w, 401, `{"errors": [{"code": "invalidApiKey", "message": "Invalid API key. Get one at https://my.runware.ai/signup", "parameter": "apiKey", "taskType": "authentication"}]}`)
			},
			wantKind: ai.Permanent, wantMsg: "API key is missing, wrong or revoked",
		},
		{
			name: "402 insufficient balance is permanent",
			req:  ai.ImageRequest{Prompt: "a cat"},
			respond: func(w http.ResponseWriter, r *http.Request, tasks []task, _ string) {
				aitest.WriteJSON(w, 402, `{"errors": [{"code": "insufficientCredits", "message": "Insufficient credits to process the request.", "taskType": "imageInference", "taskUUID": "`+uuidOf(tasks)+`"}]}`)
			},
			wantKind: ai.Permanent, wantMsg: "balance is insufficient",
		},
		{
			name: "429 with Retry-After is rate limited",
			req:  ai.ImageRequest{Prompt: "a cat"},
			respond: func(w http.ResponseWriter, r *http.Request, tasks []task, _ string) {
				aitest.WriteJSON(w, 429, `{"errors": [{"code": "tooManyRequests", "message": "Queue capacity exceeded, please retry.", "taskType": "imageInference", "taskUUID": "`+uuidOf(tasks)+`"}]}`,
					"Retry-After", "3")
			},
			wantKind: ai.RateLimited, wantRetry: 3 * time.Second,
		},
		{
			name: "500 is transient",
			req:  ai.ImageRequest{Prompt: "a cat"},
			respond: func(w http.ResponseWriter, r *http.Request, tasks []task, _ string) {
				aitest.WriteJSON(w, 500, `{"errors": [{"code": "internalServerError", "message": "An unexpected error occurred.", "taskType": "imageInference"}]}`)
			},
			wantKind: ai.Transient,
		},
		{
			name: "provider timeout beside a 200 is transient",
			req:  ai.ImageRequest{Prompt: "a cat"},
			respond: func(w http.ResponseWriter, r *http.Request, tasks []task, _ string) {
				aitest.WriteJSON(w, 200, `{"data": [], "errors": [{"code": "timeoutProvider", "message": "The provider did not answer in time.", "taskType": "imageInference", "taskUUID": "`+uuidOf(tasks)+`"}]}`)
			},
			wantKind: ai.Transient, wantMsg: "did not answer in time",
		},
		{
			name: "invalid parameter beside a 200 is permanent",
			req:  ai.ImageRequest{Prompt: "a cat"},
			respond: func(w http.ResponseWriter, r *http.Request, tasks []task, _ string) {
				aitest.WriteJSON(w, 200, `{"data": [], "errors": [{"code": "invalidModel", "message": "Invalid value for 'model' parameter.", "parameter": "model", "taskType": "imageInference", "taskUUID": "`+uuidOf(tasks)+`"}]}`)
			},
			wantKind: ai.Permanent, wantMsg: "parameter model",
		},
		{
			name: "NSFW result is refused",
			req:  ai.ImageRequest{Prompt: "a cat"},
			respond: func(w http.ResponseWriter, r *http.Request, tasks []task, _ string) {
				aitest.WriteJSON(w, 200, `{"data": [{"taskType": "imageInference", "taskUUID": "`+uuidOf(tasks)+`", "imageBase64Data": "`+b64+`", "NSFWContent": true}]}`)
			},
			wantKind: ai.Refused,
		},
		{
			name: "timeout is transient", timeout: 200 * time.Millisecond,
			req:      ai.ImageRequest{Prompt: "a cat"},
			respond:  func(w http.ResponseWriter, r *http.Request, _ []task, _ string) { aitest.Hang(w, r) },
			wantKind: ai.Transient, wantMsg: "timed out",
		},
		{
			name: "malformed JSON body is transient",
			req:  ai.ImageRequest{Prompt: "a cat"},
			respond: func(w http.ResponseWriter, r *http.Request, tasks []task, _ string) {
				aitest.WriteJSON(w, 200, `{"data": [{"taskType": "imageInference", "imageBase64Data": "iVBORw0`)
			},
			wantKind: ai.Transient, wantMsg: "unreadable response body",
		},
		{
			name: "a result for another task is not taken",
			req:  ai.ImageRequest{Prompt: "a cat"},
			respond: func(w http.ResponseWriter, r *http.Request, tasks []task, _ string) {
				aitest.WriteJSON(w, 200, success("00000000-0000-4000-8000-000000000000", "imageBase64Data", b64))
			},
			wantKind: ai.Transient, wantMsg: "no result",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, reqs := fakeRunware(t, tc.respond)
			hc := &http.Client{Timeout: 5 * time.Second}
			if tc.timeout > 0 {
				hc.Timeout = tc.timeout
			}
			p := New(testKey, srv.URL+"/v1", hc, tc.opts)
			res, err := p.Generate(context.Background(), tc.req)
			got := reqs()
			if len(got) != 1 {
				t.Fatalf("%d task requests, want 1", len(got))
			}
			if tc.checkReq != nil {
				tc.checkReq(t, got[0])
			}
			if tc.wantKind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(res.Data, pngBytes) || res.ContentType != "image/png" || res.Provider != "runware" || res.CostMicroUSD != tc.wantCost {
					t.Fatalf("result %d bytes %q %q cost %d", len(res.Data), res.ContentType, res.Provider, res.CostMicroUSD)
				}
				if _, err := png.Decode(bytes.NewReader(res.Data)); err != nil {
					t.Fatalf("not a PNG: %v", err)
				}
				return
			}
			var e *ai.Error
			if !errors.As(err, &e) || e.Kind != tc.wantKind || e.Provider != "runware" {
				t.Fatalf("want %v from runware, got %v", tc.wantKind, err)
			}
			if e.RetryAfter != tc.wantRetry {
				t.Errorf("retry after %v, want %v", e.RetryAfter, tc.wantRetry)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("message %q lacks %q", err.Error(), tc.wantMsg)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("message leaks the key: %q", err.Error())
			}
		})
	}
}

func TestSide(t *testing.T) {
	for in, want := range map[int]int{0: 1024, -5: 1024, 1: 128, 100: 128, 512: 512, 563: 576, 1000: 1024, 1023: 1024, 1056: 1088, 1055: 1024, 2048: 2048, 5000: 2048} {
		if got := Side(in); got != want {
			t.Errorf("Side(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestEmptyPromptIsPermanentWithoutACall(t *testing.T) {
	srv, reqs := fakeRunware(t, func(w http.ResponseWriter, r *http.Request, tasks []task, _ string) {})
	_, err := New(testKey, srv.URL, nil, Options{}).Generate(context.Background(), ai.ImageRequest{Prompt: " "})
	var e *ai.Error
	if !errors.As(err, &e) || e.Kind != ai.Permanent || len(reqs()) != 0 {
		t.Fatalf("got %v after %d calls", err, len(reqs()))
	}
}
