package sfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
)

// JSON values inside the interpreter are the generic Go forms produced by
// encoding/json with UseNumber: nil, bool, string, json.Number, []any and
// map[string]any. They are treated as immutable: every transformation builds
// new containers (copy on write), so values can be shared between the
// goroutines of Map iterations and Parallel branches without locks.

// decodeJSON parses exactly one JSON value (numbers kept as json.Number).
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// encodeJSON renders a value compactly, without HTML escaping (as AWS does).
func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Values come from decodeJSON or from the interpreter itself; an
		// encoding failure is a programming error.
		panic(fmt.Sprintf("sfn: cannot encode %T: %v", v, err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func encodeString(v any) string { return string(encodeJSON(v)) }

// numRat returns a JSON number as an exact rational.
func numRat(v any) (*big.Rat, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(string(n))
	return r, ok
}

// asInt returns v as an int64 when it is a JSON number with an integral value.
func asInt(v any) (int64, bool) {
	r, ok := numRat(v)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

func intNumber(i int64) json.Number { return json.Number(fmt.Sprint(i)) }

// jsonEqual is deep equality with numbers compared by value (1 == 1.0).
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		ra, _ := numRat(x)
		rb, ok := numRat(b)
		return ok && ra != nil && ra.Cmp(rb) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// sortedKeys gives a deterministic order for wildcards over objects (Go maps
// do not keep the document order that AWS's Jackson-based engine keeps).
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// copyMap returns a shallow copy with room for one more key.
func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}
