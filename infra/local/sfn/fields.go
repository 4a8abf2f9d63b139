package sfn

import (
	"fmt"
	"math/big"
)

// fields reads the fields of one state; its errors name the state and its
// type, and the field.
type fields struct {
	obj       map[string]any
	name, typ string
}

func (f fields) bad(format string, a ...any) error {
	return fmt.Errorf("sfn: state %q (%s): %s", f.name, f.typ, fmt.Sprintf(format, a...))
}

func (f fields) has(field string) bool {
	_, ok := f.obj[field]
	return ok
}

// exclusive refuses a state that sets both fields.
func (f fields) exclusive(a, b string) error {
	if f.has(a) && f.has(b) {
		return f.bad("%s and %s cannot both be set", a, b)
	}
	return nil
}

// optPath reads InputPath, OutputPath or ResultPath (ref: a Reference Path).
func (f fields) optPath(field string, ref bool) (optPath, error) {
	v, ok := f.obj[field]
	if !ok {
		return optPath{}, nil
	}
	p, err := readOptPath(field, v, ref)
	if err != nil {
		return optPath{}, f.bad("%v", err)
	}
	return p, nil
}

// readOptPath reads a path field that may be null and cannot refer to the
// context object (a state's InputPath, OutputPath, ResultPath; a catcher's
// ResultPath).
func readOptPath(field string, v any, ref bool) (optPath, error) {
	if v == nil {
		return optPath{set: true, null: true}, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return optPath{}, fmt.Errorf("%s must be a path string or null", field)
	}
	parse := parsePath
	if ref {
		parse = parseRefPath
	}
	jp, err := parse(s)
	if err != nil {
		return optPath{}, fmt.Errorf("%s: %v", field, err)
	}
	if jp.context {
		return optPath{}, fmt.Errorf("%s cannot refer to the context object ($$)", field)
	}
	return optPath{set: true, path: jp}, nil
}

// refPath reads a Reference Path field (ItemsPath and the *Path variants of
// numbers and timestamps); nil when the field is absent.
func (f fields) refPath(field string) (*jsonPath, error) {
	v, ok := f.obj[field]
	if !ok {
		return nil, nil
	}
	jp, err := readRefPath(field, v)
	if err != nil {
		return nil, f.bad("%v", err)
	}
	return jp, nil
}

// readRefPath reads the value of a field that holds a Reference Path.
func readRefPath(field string, v any) (*jsonPath, error) {
	s, isStr := v.(string)
	if !isStr {
		return nil, fmt.Errorf("%s must be a Reference Path", field)
	}
	jp, err := parseRefPath(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", field, err)
	}
	return jp, nil
}

// template reads a payload template (Parameters, ResultSelector,
// ItemSelector); nil when the field is absent.
func (f fields) template(field string) (*template, error) {
	v, ok := f.obj[field]
	if !ok {
		return nil, nil
	}
	if _, isObj := v.(map[string]any); !isObj {
		return nil, f.bad("%s must be a JSON object (a payload template)", field)
	}
	t, err := compileTemplate(v, field)
	if err != nil {
		return nil, f.bad("%v", err)
	}
	return t, nil
}

// noMax is integer's hi for a field with no upper bound.
const noMax = -1

// integer reads an integer field in [lo, hi]; nil when the field is absent.
func (f fields) integer(field string, lo, hi int64) (*int64, error) {
	v, ok := f.obj[field]
	if !ok {
		return nil, nil
	}
	n, isInt := asInt(v)
	if !isInt || n < lo || (hi != noMax && n > hi) {
		if hi == noMax {
			return nil, f.bad("%s must be a non-negative integer, got %s", field, encodeString(v))
		}
		return nil, f.bad("%s must be an integer from %d to %d, got %s", field, lo, hi, encodeString(v))
	}
	return &n, nil
}

// nonNegative is an integer ≥ 0 (MaxConcurrency, ToleratedFailureCount and
// the values their *Path fields select).
func nonNegative(v any) (int64, bool) {
	n, isInt := asInt(v)
	return n, isInt && n >= 0
}

// percentage is a number from 0 to 100 (ToleratedFailurePercentage and the
// value its Path field selects).
func percentage(v any) (*big.Rat, bool) {
	r, isNum := numRat(v)
	return r, isNum && r.Sign() >= 0 && r.Cmp(big.NewRat(100, 1)) <= 0
}
