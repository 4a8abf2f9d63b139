package sfn

import (
	"fmt"
	"sort"
	"strings"
)

// evalEnv is what paths, templates and intrinsics are evaluated against:
// the input ($) and the context object ($$).
type evalEnv struct {
	input  any
	ctxObj map[string]any
	rt     *Runtime
}

func (e *evalEnv) rootFor(jp *jsonPath) any {
	if jp.context {
		return e.ctxObj
	}
	return e.input
}

// resolve applies a path in payload-template style (definite → the value,
// indefinite → an array of matches).
func (e *evalEnv) resolve(jp *jsonPath) (any, bool) {
	return jp.value(e.rootFor(jp))
}

// template is a compiled Payload Template (Parameters, ItemSelector,
// ResultSelector): a JSON value whose object keys ending in ".$" take their
// value from a path, a context path or an intrinsic function, at any depth
// (inside nested objects and arrays too).
type template struct {
	lit    any // the whole value when nothing in it is dynamic
	static bool

	fields []tmplField // object
	elems  []*template // array
	isObj  bool
	isArr  bool
}

type tmplField struct {
	key  string // without ".$"
	src  string // the original key
	val  *template
	path *jsonPath
	call *iCall
}

// compileTemplate compiles v; where names the field for error messages.
func compileTemplate(v any, where string) (*template, error) {
	switch x := v.(type) {
	case map[string]any:
		t := &template{isObj: true}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		dynamic := false
		seen := map[string]string{}
		for _, k := range keys {
			name := k
			f := tmplField{src: k}
			if strings.HasSuffix(k, ".$") {
				name = strings.TrimSuffix(k, ".$")
				s, ok := x[k].(string)
				if !ok {
					return nil, fmt.Errorf("%s: the value of %q must be a string (a path or an intrinsic function)", where, k)
				}
				switch {
				case isIntrinsic(s):
					call, err := parseIntrinsic(s)
					if err != nil {
						return nil, fmt.Errorf("%s: field %q: %v", where, k, err)
					}
					f.call = call
				case strings.HasPrefix(s, "$"):
					jp, err := parsePath(s)
					if err != nil {
						return nil, fmt.Errorf("%s: field %q: %v", where, k, err)
					}
					f.path = jp
				default:
					return nil, fmt.Errorf("%s: field %q: %q is neither a path ($… or $$…) nor an intrinsic function (States.…)", where, k, s)
				}
				dynamic = true
			} else {
				sub, err := compileTemplate(x[k], where+"."+k)
				if err != nil {
					return nil, err
				}
				f.val = sub
				if !sub.static {
					dynamic = true
				}
			}
			if prev, dup := seen[name]; dup {
				return nil, fmt.Errorf("%s: fields %q and %q both set %q", where, prev, k, name)
			}
			seen[name] = k
			f.key = name
			t.fields = append(t.fields, f)
		}
		if !dynamic {
			return &template{lit: v, static: true}, nil
		}
		return t, nil
	case []any:
		t := &template{isArr: true}
		dynamic := false
		for i, e := range x {
			sub, err := compileTemplate(e, fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			if !sub.static {
				dynamic = true
			}
			t.elems = append(t.elems, sub)
		}
		if !dynamic {
			return &template{lit: v, static: true}, nil
		}
		return t, nil
	}
	return &template{lit: v, static: true}, nil
}

// mentions reports whether some ".$" value of the template contains s.
func (t *template) mentions(s string) bool {
	if t == nil || t.static {
		return false
	}
	for _, f := range t.fields {
		switch {
		case f.path != nil && strings.Contains(f.path.src, s):
			return true
		case f.call != nil && strings.Contains(f.call.src, s):
			return true
		case f.val != nil && f.val.mentions(s):
			return true
		}
	}
	for _, e := range t.elems {
		if e.mentions(s) {
			return true
		}
	}
	return false
}

func (t *template) eval(env *evalEnv) (any, error) {
	if t.static {
		return t.lit, nil
	}
	if t.isArr {
		out := make([]any, len(t.elems))
		for i, e := range t.elems {
			v, err := e.eval(env)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	out := make(map[string]any, len(t.fields))
	for _, f := range t.fields {
		switch {
		case f.val != nil:
			v, err := f.val.eval(env)
			if err != nil {
				return nil, err
			}
			out[f.key] = v
		case f.path != nil:
			v, ok := env.resolve(f.path)
			if !ok {
				return nil, runtimeErr("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", f.path.src, f.src, encodeString(env.rootFor(f.path)))
			}
			out[f.key] = v
		case f.call != nil:
			v, err := f.call.eval(env)
			if err != nil {
				return nil, err
			}
			out[f.key] = v
		}
	}
	return out, nil
}
