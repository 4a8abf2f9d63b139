package sfn

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// Intrinsic functions (JSONPath query language), as documented by AWS:
// https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
//
// Arguments are string literals in single quotes (escapes \' \{ \} \\ and no
// other: an open backslash is an error), numbers, true, false, null, paths
// ($… or $$…) and nested calls (at most 10 levels). A failure while
// evaluating is reported as States.Runtime, which neither Retry nor Catch
// (not even States.ALL) can handle, like AWS.

type intrinsicSpec struct{ min, max int } // max -1: variadic

var intrinsicSpecs = map[string]intrinsicSpec{
	"States.Format":         {1, -1},
	"States.StringToJson":   {1, 1},
	"States.JsonToString":   {1, 1},
	"States.Array":          {0, -1},
	"States.ArrayPartition": {2, 2},
	"States.ArrayContains":  {2, 2},
	"States.ArrayRange":     {3, 3},
	"States.ArrayGetItem":   {2, 2},
	"States.ArrayLength":    {1, 1},
	"States.ArrayUnique":    {1, 1},
	"States.Base64Encode":   {1, 1},
	"States.Base64Decode":   {1, 1},
	"States.Hash":           {2, 2},
	"States.JsonMerge":      {3, 3},
	"States.MathRandom":     {2, 3},
	"States.MathAdd":        {2, 2},
	"States.StringSplit":    {2, 2},
	"States.UUID":           {0, 0},
}

const maxIntrinsicDepth = 10

type argKind int

const (
	argLit argKind = iota
	argPath
	argCall
)

type iArg struct {
	kind argKind
	lit  any
	raw  string // string literals: the text between the quotes, escapes kept
	path *jsonPath
	call *iCall
}

type iCall struct {
	name string
	args []iArg
	src  string
}

// isIntrinsic tells a ".$" value holding a function call from a path.
func isIntrinsic(s string) bool {
	return strings.HasPrefix(strings.TrimSpace(s), "States.")
}

func parseIntrinsic(s string) (*iCall, error) {
	p := &iparser{s: s}
	p.space()
	c, err := p.call(1)
	if err != nil {
		return nil, fmt.Errorf("intrinsic function %q: %v", s, err)
	}
	p.space()
	if p.i != len(s) {
		return nil, fmt.Errorf("intrinsic function %q: unexpected %q after the call", s, s[p.i:])
	}
	return c, nil
}

type iparser struct {
	s string
	i int
}

func (p *iparser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *iparser) call(depth int) (*iCall, error) {
	if depth > maxIntrinsicDepth {
		return nil, fmt.Errorf("more than %d nested intrinsic functions", maxIntrinsicDepth)
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '.' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			p.i++
			continue
		}
		break
	}
	name := p.s[start:p.i]
	spec, ok := intrinsicSpecs[name]
	if !ok {
		return nil, fmt.Errorf("unknown intrinsic function %q (implemented: %s)", name, strings.Join(intrinsicNames(), ", "))
	}
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		return nil, fmt.Errorf("expected ( after %s", name)
	}
	p.i++
	c := &iCall{name: name}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
	} else {
		for {
			p.space()
			a, err := p.arg(depth)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.space()
			if p.i >= len(p.s) {
				return nil, fmt.Errorf("unterminated call to %s", name)
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == ')' {
				p.i++
				break
			}
			return nil, fmt.Errorf("unexpected %q in the arguments of %s", p.s[p.i:], name)
		}
	}
	if len(c.args) < spec.min || (spec.max >= 0 && len(c.args) > spec.max) {
		want := fmt.Sprint(spec.min)
		if spec.max < 0 {
			want = fmt.Sprintf("at least %d", spec.min)
		} else if spec.max != spec.min {
			want = fmt.Sprintf("%d to %d", spec.min, spec.max)
		}
		return nil, fmt.Errorf("%s takes %s argument(s), got %d", name, want, len(c.args))
	}
	c.src = p.s[start:p.i]
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// check validates what can be known before running.
func (c *iCall) check() error {
	switch c.name {
	case "States.JsonMerge":
		if a := c.args[2]; a.kind == argLit {
			if b, ok := a.lit.(bool); !ok || b {
				return errors.New("States.JsonMerge: the third argument must be false (Step Functions only supports shallow merging)")
			}
		}
	case "States.Format":
		if a := c.args[0]; a.kind == argLit {
			if _, ok := a.lit.(string); !ok {
				return errors.New("States.Format: the first argument must be a string")
			}
			if n := countPlaceholders(a.raw); a.kind == argLit && n != len(c.args)-1 {
				return fmt.Errorf("States.Format: %d {} placeholder(s) but %d value argument(s)", n, len(c.args)-1)
			}
		}
	}
	return nil
}

func (p *iparser) arg(depth int) (iArg, error) {
	if p.i >= len(p.s) {
		return iArg{}, errors.New("missing argument")
	}
	rest := p.s[p.i:]
	c := p.s[p.i]
	switch {
	case c == '\'':
		return p.stringLit()
	case c == '$':
		start, nest := p.i, 0
		var quote byte
		for p.i < len(p.s) {
			ch := p.s[p.i]
			if quote != 0 {
				if ch == '\\' {
					p.i++
				} else if ch == quote {
					quote = 0
				}
			} else if ch == '\'' || ch == '"' {
				quote = ch
			} else if ch == '[' || ch == '(' {
				nest++
			} else if ch == ']' || (ch == ')' && nest > 0) {
				nest--
			} else if nest == 0 && (ch == ',' || ch == ')') {
				break
			}
			p.i++
		}
		jp, err := parsePath(strings.TrimSpace(p.s[start:p.i]))
		if err != nil {
			return iArg{}, err
		}
		return iArg{kind: argPath, path: jp}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.i
		for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
			p.i++
		}
		v, err := decodeJSON([]byte(p.s[start:p.i]))
		if _, isNum := v.(json.Number); err != nil || !isNum {
			return iArg{}, fmt.Errorf("invalid number %q", p.s[start:p.i])
		}
		return iArg{kind: argLit, lit: v}, nil
	case strings.HasPrefix(rest, "States."):
		call, err := p.call(depth + 1)
		if err != nil {
			return iArg{}, err
		}
		return iArg{kind: argCall, call: call}, nil
	}
	for _, w := range []struct {
		s string
		v any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(rest, w.s) {
			p.i += len(w.s)
			return iArg{kind: argLit, lit: w.v}, nil
		}
	}
	return iArg{}, fmt.Errorf("invalid argument %q", rest)
}

func (p *iparser) stringLit() (iArg, error) {
	p.i++ // opening quote
	start := p.i
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '\\':
			if p.i+1 >= len(p.s) || strings.IndexByte(`'{}\`, p.s[p.i+1]) < 0 {
				return iArg{}, fmt.Errorf("open escape backslash at offset %d (only \\' \\{ \\} \\\\ are escapes)", p.i)
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		case '\'':
			raw := p.s[start:p.i]
			p.i++
			return iArg{kind: argLit, lit: b.String(), raw: raw}, nil
		case '{', '}':
			if c == '{' && p.i+1 < len(p.s) && p.s[p.i+1] == '}' {
				b.WriteString("{}")
				p.i += 2
				continue
			}
			return iArg{}, fmt.Errorf("unescaped %q at offset %d in a string literal (write \\%s)", string(c), p.i, string(c))
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return iArg{}, errors.New("unterminated string literal")
}

func intrinsicNames() []string {
	return sortedKeys(func() map[string]any {
		m := map[string]any{}
		for k := range intrinsicSpecs {
			m[k] = nil
		}
		return m
	}())
}

// countPlaceholders counts the {} of a Format template as written in a
// literal (escaped braces do not count).
func countPlaceholders(raw string) int {
	n := 0
	for i := 0; i < len(raw); i++ {
		switch {
		case raw[i] == '\\':
			i++
		case raw[i] == '{' && i+1 < len(raw) && raw[i+1] == '}':
			n++
			i++
		}
	}
	return n
}

// ---- evaluation ----

func (c *iCall) eval(env *evalEnv) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		switch a.kind {
		case argLit:
			args[i] = a.lit
		case argPath:
			v, ok := env.resolve(a.path)
			if !ok {
				return nil, runtimeErr("The JSONPath '%s' in the intrinsic function '%s' could not be found in the input '%s'", a.path.src, c.src, encodeString(env.rootFor(a.path)))
			}
			args[i] = v
		case argCall:
			v, err := a.call.eval(env)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
	}
	v, err := c.apply(args, env)
	if err != nil {
		var se *StateError
		if errors.As(err, &se) {
			return nil, err
		}
		return nil, runtimeErr("The function '%s' had the following error: %v", c.src, err)
	}
	return v, nil
}

func (c *iCall) apply(args []any, env *evalEnv) (any, error) {
	switch c.name {
	case "States.Format":
		return c.format(args)
	case "States.StringToJson":
		s, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("expected a string, got %s", typeName(args[0]))
		}
		v, err := decodeJSON([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("the string is not valid JSON: %v", err)
		}
		return v, nil
	case "States.JsonToString":
		return encodeString(args[0]), nil
	case "States.Array":
		return append([]any{}, args...), nil
	case "States.ArrayPartition":
		arr, err := arrayArg(args[0])
		if err != nil {
			return nil, err
		}
		n, err := intArg(args[1])
		if err != nil || n <= 0 {
			return nil, errors.New("the chunk size must be a positive integer")
		}
		out := []any{}
		for i := 0; i < len(arr); i += int(n) {
			out = append(out, append([]any{}, arr[i:min(i+int(n), len(arr))]...))
		}
		return out, nil
	case "States.ArrayContains":
		arr, err := arrayArg(args[0])
		if err != nil {
			return nil, err
		}
		for _, v := range arr {
			if jsonEqual(v, args[1]) {
				return true, nil
			}
		}
		return false, nil
	case "States.ArrayRange":
		var n [3]int64
		for i := range n {
			v, err := intArg(args[i])
			if err != nil {
				return nil, err
			}
			n[i] = v
		}
		start, end, step := n[0], n[1], n[2]
		if step == 0 {
			return nil, errors.New("the step cannot be 0")
		}
		out := []any{}
		for x := start; (step > 0 && x <= end) || (step < 0 && x >= end); x += step {
			if len(out) == 1000 {
				return nil, errors.New("the range would have more than 1000 elements")
			}
			out = append(out, intNumber(x))
		}
		return out, nil
	case "States.ArrayGetItem":
		arr, err := arrayArg(args[0])
		if err != nil {
			return nil, err
		}
		i, err := intArg(args[1])
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= int64(len(arr)) {
			return nil, fmt.Errorf("index %d is out of bounds (length %d)", i, len(arr))
		}
		return arr[i], nil
	case "States.ArrayLength":
		arr, err := arrayArg(args[0])
		if err != nil {
			return nil, err
		}
		return intNumber(int64(len(arr))), nil
	case "States.ArrayUnique":
		arr, err := arrayArg(args[0])
		if err != nil {
			return nil, err
		}
		out := []any{}
	next:
		for _, v := range arr {
			for _, w := range out {
				if jsonEqual(v, w) {
					continue next
				}
			}
			out = append(out, v)
		}
		return out, nil
	case "States.Base64Encode":
		s, err := limitedString(args[0])
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "States.Base64Decode":
		s, err := limitedString(args[0])
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("invalid base64: %v", err)
		}
		if !utf8.Valid(b) {
			return nil, errors.New("the decoded data is not UTF-8 text")
		}
		return string(b), nil
	case "States.Hash":
		s, err := limitedString(args[0])
		if err != nil {
			return nil, err
		}
		alg, _ := args[1].(string)
		var h hash.Hash
		switch alg {
		case "MD5":
			h = md5.New()
		case "SHA-1":
			h = sha1.New()
		case "SHA-256":
			h = sha256.New()
		case "SHA-384":
			h = sha512.New384()
		case "SHA-512":
			h = sha512.New()
		default:
			return nil, fmt.Errorf("unknown hash algorithm %s (use MD5, SHA-1, SHA-256, SHA-384 or SHA-512)", encodeString(args[1]))
		}
		h.Write([]byte(s))
		return hex.EncodeToString(h.Sum(nil)), nil
	case "States.JsonMerge":
		a, ok1 := args[0].(map[string]any)
		b, ok2 := args[1].(map[string]any)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("both arguments must be JSON objects, got %s and %s", typeName(args[0]), typeName(args[1]))
		}
		if deep, ok := args[2].(bool); !ok || deep {
			return nil, errors.New("the third argument must be false (Step Functions only supports shallow merging)")
		}
		out := copyMap(a)
		for k, v := range b {
			out[k] = v
		}
		return out, nil
	case "States.MathRandom":
		start, err := intArg(args[0])
		if err != nil {
			return nil, err
		}
		end, err := intArg(args[1])
		if err != nil {
			return nil, err
		}
		if end <= start {
			return nil, fmt.Errorf("the end (%d) must be greater than the start (%d)", end, start)
		}
		var r uint64
		if len(args) == 3 {
			seed, err := intArg(args[2])
			if err != nil {
				return nil, err
			}
			r = rand.New(rand.NewPCG(uint64(seed), 0x5eed)).Uint64()
		} else {
			r = env.rt.randUint64()
		}
		return intNumber(start + int64(r%uint64(end-start))), nil
	case "States.MathAdd":
		a, err := intArg(args[0])
		if err != nil {
			return nil, err
		}
		b, err := intArg(args[1])
		if err != nil {
			return nil, err
		}
		return intNumber(a + b), nil
	case "States.StringSplit":
		s, ok1 := args[0].(string)
		d, ok2 := args[1].(string)
		if !ok1 || !ok2 {
			return nil, errors.New("both arguments must be strings")
		}
		out := []any{}
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(d, r) }) {
			out = append(out, part)
		}
		return out, nil
	case "States.UUID":
		return env.rt.uuid(), nil
	}
	return nil, fmt.Errorf("intrinsic %s is not implemented", c.name)
}

func (c *iCall) format(args []any) (any, error) {
	tmpl, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("the template must be a string, got %s", typeName(args[0]))
	}
	literal := c.args[0].kind == argLit
	if literal {
		tmpl = c.args[0].raw
	}
	var b strings.Builder
	n := 1
	for i := 0; i < len(tmpl); i++ {
		ch := tmpl[i]
		if literal && ch == '\\' && i+1 < len(tmpl) {
			b.WriteByte(tmpl[i+1])
			i++
			continue
		}
		if ch == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
			if n >= len(args) {
				return nil, errors.New("more {} placeholders than arguments")
			}
			b.WriteString(formatValue(args[n]))
			n++
			i++
			continue
		}
		b.WriteByte(ch)
	}
	if n != len(args) {
		return nil, errors.New("more arguments than {} placeholders")
	}
	return b.String(), nil
}

// formatValue renders a value the way the AWS (Java) implementation of
// States.Format does: strings as they are, scalars as JSON, and containers
// like Java's Map/List toString: {a=1, b=[x, y]}.
func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, k+"="+formatValue(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return encodeString(v)
}

func arrayArg(v any) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("expected an array, got %s", typeName(v))
	}
	return a, nil
}

// intArg accepts an integer, rounding a non-integral number half up like
// Java's Math.round (AWS documents rounding for MathAdd and MathRandom).
func intArg(v any) (int64, error) {
	r, ok := numRat(v)
	if !ok {
		return 0, fmt.Errorf("expected a number, got %s", typeName(v))
	}
	if r.IsInt() && r.Num().IsInt64() {
		return r.Num().Int64(), nil
	}
	f, _ := r.Float64()
	f = math.Floor(f + 0.5)
	if f > math.MaxInt64/2 || f < math.MinInt64/2 {
		return 0, errors.New("number out of range")
	}
	return int64(f), nil
}

const maxIntrinsicInput = 10000

func limitedString(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("expected a string, got %s", typeName(v))
	}
	if utf8.RuneCountInString(s) > maxIntrinsicInput {
		return "", fmt.Errorf("the input has more than %d characters", maxIntrinsicInput)
	}
	return s, nil
}
