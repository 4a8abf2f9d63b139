package ai

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// ExtractJSONObject returns the one JSON object in a model's answer. Models
// without a JSON mode (and some with) wrap the object in a ```json fence or a
// sentence; this accepts, in order: the whole text, the inside of the first
// code fence, and the span from the first '{' to the last '}'. The second
// result is false when none of them is a JSON object.
func ExtractJSONObject(text string) (string, bool) {
	t := strings.TrimSpace(text)
	if isObject(t) {
		return t, true
	}
	if i := strings.Index(t, "```"); i >= 0 {
		rest := t[i+3:]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 && !strings.Contains(rest[:nl], "{") {
			rest = rest[nl+1:] // drop the fence's language tag ("json")
		}
		if j := strings.Index(rest, "```"); j >= 0 {
			rest = rest[:j]
		}
		if c := strings.TrimSpace(rest); isObject(c) {
			return c, true
		}
	}
	if i, j := strings.IndexByte(t, '{'), strings.LastIndexByte(t, '}'); i >= 0 && j > i {
		if c := t[i : j+1]; isObject(c) {
			return c, true
		}
	}
	return "", false
}

func isObject(s string) bool {
	if !strings.HasPrefix(s, "{") || !json.Valid([]byte(s)) {
		return false
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	var v map[string]json.RawMessage
	return d.Decode(&v) == nil
}

// CheckText applies the output checks every text adapter shares, after the
// vendor's own stop reasons have been looked at: an empty answer is Malformed
// (ErrEmpty); with req.JSON the answer must contain one JSON object
// (ErrNotJSON), and res.Text is replaced by just that object. The returned
// error is a *Error carrying res.
func CheckText(req TextRequest, res TextResult) (TextResult, error) {
	if strings.TrimSpace(res.Text) == "" {
		return res, &Error{Kind: Malformed, Provider: res.Provider, Message: "the model returned an empty answer", Err: ErrEmpty, Result: &res}
	}
	if req.JSON {
		obj, ok := ExtractJSONObject(res.Text)
		if !ok {
			return res, &Error{Kind: Malformed, Provider: res.Provider,
				Message: "JSON mode was requested but the answer is not a JSON object", Err: ErrNotJSON, Result: &res}
		}
		res.Text = obj
	}
	return res, nil
}

// Truncated returns the Malformed error for an answer cut off at the token
// limit; res (text so far and usage) travels with it.
func Truncated(res TextResult, maxTokens int) *Error {
	msg := "the answer was cut off at the output token limit"
	if maxTokens > 0 {
		msg += " (max tokens " + strconv.Itoa(maxTokens) + "): raise MaxTokens or shorten the task"
	}
	return &Error{Kind: Malformed, Provider: res.Provider, Message: msg, Err: ErrTruncated, Result: &res}
}
