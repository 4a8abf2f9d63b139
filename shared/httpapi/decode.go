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

// decodeBytes is the validation half of decodeJSON, separate for fuzzing.
func decodeBytes(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return domain.Invalid("", "request body is empty: send a JSON object")
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

// mediaType refuses a body declared as anything but want (an undeclared
// body is taken as want).
func mediaType(r *http.Request, want string) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != want {
			return fmt.Errorf("send Content-Type: %s, not %q: %w", want, ct, errUnsupportedMedia)
		}
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
