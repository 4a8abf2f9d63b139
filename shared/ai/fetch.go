package ai

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/igny8/igny8-serverless/shared/netguard"
)

// MaxImageBytes bounds an image download (FetchImage) and a decoded image.
const MaxImageBytes = 32 << 20

// FetchImage downloads the image a vendor returned as a URL (DALL·E's
// url response, Runware's outputType "URL") so callers always get bytes.
// No credentials are sent: these URLs are pre-signed. Failures are
// classified like any provider call (a 403 from an expired link is
// Permanent, 5xx Transient).
func FetchImage(ctx context.Context, hc *http.Client, provider, rawURL string) ([]byte, string, error) {
	if hc == nil {
		// The URL comes from a provider's answer: never fetch it unguarded.
		hc = netguard.NewClient(netguard.Policy{}, netguard.Options{MaxResponseBytes: MaxImageBytes + 1})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", &Error{Kind: Permanent, Provider: provider, Message: "invalid image URL in the response", Err: err}
	}
	res, err := hc.Do(req)
	if err != nil {
		e := Classify(err)
		e.Provider = provider
		e.Message = "downloading the generated image: " + e.Message
		return nil, "", e
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		// The body is not quoted: the URL came from an answer, not from us.
		e := FromStatus(provider, res.StatusCode, res.Header, "", fmt.Sprintf("downloading the generated image: %d %s", res.StatusCode, http.StatusText(res.StatusCode)))
		if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
			e.Message = fmt.Sprintf("downloading the generated image: the image URL was refused (%d): it may have expired", res.StatusCode)
		}
		return nil, "", e
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, MaxImageBytes+1))
	if err != nil {
		e := Classify(err)
		e.Provider = provider
		return nil, "", e
	}
	if len(data) > MaxImageBytes {
		return nil, "", &Error{Kind: Permanent, Provider: provider, Message: fmt.Sprintf("generated image is larger than %d bytes", MaxImageBytes)}
	}
	if len(data) == 0 {
		return nil, "", &Error{Kind: Transient, Provider: provider, Message: "downloaded image is empty", Err: ErrEmpty}
	}
	return data, ImageContentType(data, res.Header.Get("Content-Type")), nil
}

// ImageContentType sniffs the media type of image bytes, falling back to the
// declared type and then to application/octet-stream.
func ImageContentType(data []byte, declared string) string {
	if ct := http.DetectContentType(data); strings.HasPrefix(ct, "image/") {
		return ct
	}
	if strings.HasPrefix(declared, "image/") {
		return declared
	}
	return "application/octet-stream"
}

// DecodeImage decodes an image answered inline in standard base64; status
// is the answer's HTTP status, for the error.
func DecodeImage(provider string, status int, b64 string) ([]byte, string, error) {
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, "", &Error{Kind: Transient, Provider: provider, Status: status, Message: "the image is not valid base64", Err: err}
	}
	return data, ImageContentType(data, ""), nil
}
