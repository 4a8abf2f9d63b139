// Package runware is the Runware adapter of the ai provider layer: images
// through Runware's HTTP API (POST https://api.runware.ai/v1, a JSON array of
// tasks: an authentication task, then one imageInference task).
//
// Request:
//
//	[{"taskType":"authentication","apiKey":"…"},
//	 {"taskType":"imageInference","taskUUID":"<uuid v4>","positivePrompt":"…","model":"runware:101@1",
//	  "width":1024,"height":1024,"numberResults":1,"outputType":"base64Data","outputFormat":"PNG","includeCost":true}]
//
// Response: {"data":[{"taskType":"imageInference","taskUUID":"…","imageUUID":"…",
// "imageBase64Data"|"imageURL":"…","NSFWContent":false,"cost":0.0013}]}; failures
// {"errors":[{"code":"invalidApiKey","message":"…","parameter":"apiKey","taskType":"authentication","taskUUID":"…"}]}
// with an HTTP status (400, 401, 402, 403, 429, 5xx) or, for task-scoped
// failures, beside a 200.
package runware

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// DefaultBaseURL is Runware's REST endpoint.
const DefaultBaseURL = "https://api.runware.ai/v1"

// DefaultModel is used when a request names no model.
const DefaultModel = "runware:101@1"

// Output types.
const (
	OutputBase64 = "base64Data"
	OutputURL    = "URL"
)

// Dimension limits. Runware's classic models take sides that are multiples
// of 64 between 128 and 2048.
const (
	MinSide = 128
	MaxSide = 2048
)

// maxPromptRunes is Runware's limit on positivePrompt.
const maxPromptRunes = 3000

// maxBody bounds the response read: a base64 PNG at 2048×2048 fits easily.
const maxBody = 64 << 20

// Options tune a Provider. The zero value is ready to use.
type Options struct {
	// Timeout bounds each call (0: only ctx and the http.Client).
	Timeout time.Duration
	// OutputType is OutputBase64 (default: the image comes back in the
	// response) or OutputURL (the image is then downloaded from Runware's CDN).
	OutputType string
	// OutputFormat is "PNG" (default), "JPG" or "WEBP".
	OutputFormat string
}

// Provider implements ai.ImageProvider.
type Provider struct {
	apiKey, baseURL string
	hc              *http.Client
	opts            Options
}

var _ ai.ImageProvider = (*Provider)(nil)

// New returns the Runware provider ("runware"). baseURL "" means
// DefaultBaseURL; hc nil means http.DefaultClient.
func New(apiKey, baseURL string, hc *http.Client, opts Options) *Provider {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	if opts.OutputType == "" {
		opts.OutputType = OutputBase64
	}
	if opts.OutputFormat == "" {
		opts.OutputFormat = "PNG"
	}
	return &Provider{apiKey: apiKey, baseURL: baseURL, hc: hc, opts: opts}
}

// Name is the provider name recorded on results: "runware".
func (p *Provider) Name() string { return ai.ProviderRunware }

// Side rounds a requested width or height to what Runware accepts: the
// nearest multiple of 64 (halves round up), clamped to [MinSide, MaxSide];
// 0 or less means 1024. Sizes are rounded rather than rejected because they
// come from layout settings (1000×563 for 16:9): the nearest valid size is
// what the caller wants, and failing a whole automation stage over a few
// pixels would not help anyone. The image that comes back has the rounded size.
func Side(v int) int {
	if v <= 0 {
		return 1024
	}
	r := (v + 32) / 64 * 64
	return min(MaxSide, max(MinSide, r))
}

type authTask struct {
	TaskType string `json:"taskType"`
	APIKey   string `json:"apiKey"`
}

type inferenceTask struct {
	TaskType       string `json:"taskType"`
	TaskUUID       string `json:"taskUUID"`
	PositivePrompt string `json:"positivePrompt"`
	Model          string `json:"model"`
	Width          int    `json:"width"`
	Height         int    `json:"height"`
	NumberResults  int    `json:"numberResults"`
	OutputType     string `json:"outputType"`
	OutputFormat   string `json:"outputFormat"`
	IncludeCost    bool   `json:"includeCost"`
}

type taskError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Parameter string `json:"parameter"`
	TaskType  string `json:"taskType"`
	TaskUUID  string `json:"taskUUID"`
}

type result struct {
	TaskType        string   `json:"taskType"`
	TaskUUID        string   `json:"taskUUID"`
	ImageUUID       string   `json:"imageUUID"`
	ImageBase64Data string   `json:"imageBase64Data"`
	ImageDataURI    string   `json:"imageDataURI"`
	ImageURL        string   `json:"imageURL"`
	NSFWContent     bool     `json:"NSFWContent"`
	Cost            *float64 `json:"cost"`
}

type response struct {
	Data   []result    `json:"data"`
	Errors []taskError `json:"errors"`
}

// Generate runs one imageInference task and returns the image bytes.
func (p *Provider) Generate(ctx context.Context, req ai.ImageRequest) (ai.ImageResult, error) {
	model := req.Model
	if model == "" {
		model = DefaultModel
	}
	prompt := strings.TrimSpace(req.Prompt)
	if utf8.RuneCountInString(prompt) < 2 {
		return ai.ImageResult{}, &ai.Error{Kind: ai.Permanent, Provider: ai.ProviderRunware, Message: "the image prompt is empty"}
	}
	if utf8.RuneCountInString(prompt) > maxPromptRunes {
		prompt = string([]rune(prompt)[:maxPromptRunes])
	}
	taskUUID := newUUID()
	body, err := json.Marshal([]any{
		authTask{TaskType: "authentication", APIKey: p.apiKey},
		inferenceTask{
			TaskType: "imageInference", TaskUUID: taskUUID, PositivePrompt: prompt, Model: model,
			Width: Side(req.Width), Height: Side(req.Height), NumberResults: 1,
			OutputType: p.opts.OutputType, OutputFormat: p.opts.OutputFormat, IncludeCost: true,
		},
	})
	if err != nil {
		return ai.ImageResult{}, &ai.Error{Kind: ai.Permanent, Provider: ai.ProviderRunware, Message: "encoding the request", Err: err}
	}
	if p.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.opts.Timeout)
		defer cancel()
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, p.baseURL, bytes.NewReader(body))
	if err != nil {
		return ai.ImageResult{}, &ai.Error{Kind: ai.Permanent, Provider: ai.ProviderRunware, Message: "invalid base URL", Err: err}
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	res, err := p.hc.Do(hreq)
	if err != nil {
		return ai.ImageResult{}, p.transportError(err, 0)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return ai.ImageResult{}, p.transportError(err, res.StatusCode)
	}
	var out response
	decodeErr := json.Unmarshal(raw, &out)
	if res.StatusCode/100 != 2 {
		return ai.ImageResult{}, p.statusError(res, out.Errors)
	}
	if decodeErr != nil {
		return ai.ImageResult{}, &ai.Error{Kind: ai.Transient, Provider: ai.ProviderRunware, Status: res.StatusCode,
			Message: "unreadable response body: " + decodeErr.Error(), Err: decodeErr}
	}
	var item *result
	for i := range out.Data {
		d := &out.Data[i]
		if d.TaskType == "imageInference" && (d.TaskUUID == taskUUID || d.TaskUUID == "") {
			item = d
			break
		}
	}
	if item == nil {
		if len(out.Errors) > 0 {
			return ai.ImageResult{}, p.taskErrors(res, out.Errors)
		}
		return ai.ImageResult{}, &ai.Error{Kind: ai.Transient, Provider: ai.ProviderRunware, Status: res.StatusCode,
			Message: "the response has no result for the imageInference task", Err: ai.ErrEmpty}
	}
	if item.NSFWContent {
		return ai.ImageResult{}, &ai.Error{Kind: ai.Refused, Provider: ai.ProviderRunware, Status: res.StatusCode, Code: "NSFWContent",
			Message: "the generated image was flagged as NSFW by the provider's safety check"}
	}
	img := ai.ImageResult{Provider: ai.ProviderRunware, Model: model}
	if item.Cost != nil && *item.Cost > 0 {
		img.CostMicroUSD = int64(math.Round(*item.Cost * 1e6))
	}
	switch {
	case item.ImageBase64Data != "" || item.ImageDataURI != "":
		s := item.ImageBase64Data
		if s == "" {
			s = item.ImageDataURI
		}
		if i := strings.Index(s, ";base64,"); strings.HasPrefix(s, "data:") && i >= 0 {
			s = s[i+len(";base64,"):]
		}
		data, ct, err := ai.DecodeImage(ai.ProviderRunware, res.StatusCode, s)
		if err != nil {
			return ai.ImageResult{}, err
		}
		img.Data, img.ContentType = data, ct
	case item.ImageURL != "":
		data, ct, err := ai.FetchImage(ctx, p.hc, ai.ProviderRunware, item.ImageURL)
		if err != nil {
			return ai.ImageResult{}, err
		}
		img.Data, img.ContentType = data, ct
	default:
		return ai.ImageResult{}, &ai.Error{Kind: ai.Transient, Provider: ai.ProviderRunware, Status: res.StatusCode,
			Message: "the result has neither imageBase64Data nor imageURL", Err: ai.ErrEmpty}
	}
	if len(img.Data) == 0 {
		return ai.ImageResult{}, &ai.Error{Kind: ai.Transient, Provider: ai.ProviderRunware, Status: res.StatusCode, Message: "the image is empty", Err: ai.ErrEmpty}
	}
	return img, nil
}

func (p *Provider) transportError(err error, status int) *ai.Error {
	e := ai.Classify(err)
	e.Provider, e.Status = ai.ProviderRunware, status
	e.Message = ai.Redact(e.Message, p.apiKey)
	return e
}

// statusError classifies an HTTP error status, refined by the error code.
func (p *Provider) statusError(res *http.Response, errs []taskError) *ai.Error {
	code, msg := first(errs)
	e := ai.FromStatus(ai.ProviderRunware, res.StatusCode, res.Header, code, ai.Redact(msg, p.apiKey))
	refineByCode(e, code, ai.Redact(msg, p.apiKey))
	return e
}

// taskErrors classifies errors returned beside a 200 (task-scoped failures).
func (p *Provider) taskErrors(res *http.Response, errs []taskError) *ai.Error {
	code, msg := first(errs)
	msg = ai.Redact(msg, p.apiKey)
	e := &ai.Error{Kind: ai.Permanent, Provider: ai.ProviderRunware, Status: res.StatusCode, Code: code,
		Message: "the task failed: " + msg}
	refineByCode(e, code, msg)
	return e
}

func first(errs []taskError) (code, msg string) {
	if len(errs) == 0 {
		return "", ""
	}
	e := errs[0]
	msg = e.Message
	if e.Parameter != "" {
		msg += fmt.Sprintf(" (parameter %s)", e.Parameter)
	}
	return e.Code, msg
}

// refineByCode adjusts a classification by Runware's error code, which is
// more specific than the status (and the only signal beside a 200).
func refineByCode(e *ai.Error, code, msg string) {
	c := strings.ToLower(code)
	switch {
	case c == "":
	case strings.Contains(c, "apikey") || strings.Contains(c, "auth"):
		e.Kind, e.RetryAfter = ai.Permanent, 0
		e.Message = "the API key is missing, wrong or revoked: check the key configured for runware: " + msg
	case strings.Contains(c, "insufficient") || strings.Contains(c, "credit") || strings.Contains(c, "balance") || strings.Contains(c, "payment"):
		e.Kind, e.RetryAfter = ai.Permanent, 0
		e.Message = "the provider account balance is insufficient: top it up at runware: " + msg
	case strings.Contains(c, "nsfw") || strings.Contains(c, "safety") || strings.Contains(c, "moderat") ||
		strings.Contains(c, "policy") || strings.Contains(c, "inappropriate"):
		e.Kind, e.RetryAfter = ai.Refused, 0
		e.Message = "the provider's safety system refused the request: " + msg
	case strings.Contains(c, "ratelimit") || strings.Contains(c, "toomany"):
		e.Kind = ai.RateLimited
	case strings.Contains(c, "timeout") || strings.Contains(c, "unavailable") || strings.Contains(c, "overload") ||
		strings.Contains(c, "capacity") || strings.Contains(c, "internal") || strings.Contains(c, "server"):
		e.Kind = ai.Transient
	}
}

// newUUID returns a random UUID v4, as Runware asks for taskUUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
