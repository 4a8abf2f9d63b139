package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// Body limits. A bulk add of 1000 keywords is well under MaxBulkBody.
const (
	MaxBody     = 64 << 10
	MaxBulkBody = 1 << 20
)

// decodeJSON reads exactly one JSON value into v, refusing unknown fields,
// wrong types, trailing data and bodies over limit, with a message that names
// the field.
func decodeJSON(r *http.Request, limit int64, v any) error {
	if err := mediaType(r, "application/json"); err != nil {
		return err
	}
	body, err := readLimited(r, limit)
	if err != nil {
		return err
	}
	return decodeBytes(body, v)
}

// decodeOptionalJSON is decodeJSON for a route whose body may be left out
// (however it is sent: no Content-Length, chunked); a body that is there is
// checked like any other.
func decodeOptionalJSON(r *http.Request, limit int64, v any) error {
	body, err := readLimited(r, limit)
	if err != nil || len(strings.TrimSpace(string(body))) == 0 {
		return err
	}
	if err := mediaType(r, "application/json"); err != nil {
		return err
	}
	return decodeBytes(body, v)
}

// decodeBytes is the validation half of decodeJSON, separate for fuzzing.
func decodeBytes(body []byte, v any) error {
	if !utf8.Valid(body) {
		// Decoded anyway, invalid bytes would turn into U+FFFD unseen.
		return domain.Invalid("", "the body is not valid UTF-8: send JSON encoded as UTF-8")
	}
	text := strings.TrimSpace(string(body))
	if len(text) == 0 {
		return domain.Invalid("", "request body is empty: send a JSON object")
	}
	// encoding/json takes null as "leave v alone", which would make null an
	// empty request.
	if text == "null" {
		return domain.Invalid("", "body must be a JSON %s, not null", kind(v))
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return domain.Invalid("", "malformed JSON at byte %d: %v", se.Offset, se.Error())
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				return domain.Invalid("", "body must be a JSON %s, not %s", kind(v), te.Value)
			}
			return domain.Invalid(field, "must be %s, not %s", typeName(te.Type.Kind().String()), te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return domain.Invalid(name, "unknown field")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return domain.Invalid("", "malformed JSON: the body ends too early")
		}
		return domain.Invalid("", "malformed JSON: %v", err)
	}
	// dec.More is false before a stray '}' or ']', so read one more token.
	if _, err := dec.Token(); err != io.EOF {
		return domain.Invalid("", "body must hold one JSON value, found more after it")
	}
	return nil
}

func kind(v any) string {
	s := fmt.Sprintf("%T", v)
	if strings.HasPrefix(s, "*[]") {
		return "array"
	}
	return "object"
}

func typeName(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"):
		return "an integer"
	case k == "float64":
		return "a number"
	case k == "slice":
		return "an array"
	case k == "struct", k == "map":
		return "an object"
	case k == "bool":
		return "true or false"
	}
	return "a " + k
}

// mediaType refuses a body declared as anything but want in UTF-8 (an
// undeclared body, or one without a charset, is taken as want in UTF-8):
// we read every body as UTF-8, so another charset would be misread.
func mediaType(r *http.Request, want string) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	// A parameter that does not parse could hide a charset, so it is refused.
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != want {
		return fmt.Errorf("send Content-Type: %s, not %q: %w", want, ct, errUnsupportedMedia)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return fmt.Errorf("send the body in UTF-8 (Content-Type: %s; charset=utf-8), not %q: %w", want, cs, errUnsupportedMedia)
	}
	return nil
}

func readLimited(r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, domain.Invalid("", "could not read the request body: %v", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("the body is over %d bytes: %w", limit, errTooLarge)
	}
	return body, nil
}

// pageRequest reads limit and cursor from the query string.
func pageRequest(r *http.Request) (store.PageRequest, error) {
	q := r.URL.Query()
	pr := store.PageRequest{Cursor: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > store.MaxPageSize {
			return pr, domain.Invalid("limit", "must be an integer between 1 and %d", store.MaxPageSize)
		}
		pr.Limit = n
	}
	return pr, nil
}
