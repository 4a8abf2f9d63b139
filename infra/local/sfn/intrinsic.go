package sfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Intrinsic functions (JSONPath query language), as documented by AWS:
// https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
//
// Arguments are string literals in single quotes (escapes \' \{ \} \\ and no
// other: an open backslash is an error), numbers, true, false, null, paths
// ($… or $$…) and nested calls (at most 10 levels). A failure while
// evaluating is reported as States.Runtime, which neither Retry nor Catch
// (not even States.ALL) can handle, like AWS.

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
	for p.i < len(p.s) && isNameByte(p.s[p.i]) {
		p.i++
	}
	name := p.s[start:p.i]
	fn, ok := intrinsics[name]
	if !ok {
		return nil, fmt.Errorf("unknown intrinsic function %q (implemented: %s)", name, strings.Join(intrinsicNames(), ", "))
	}
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		return nil, fmt.Errorf("expected ( after %s", name)
	}
	p.i++
	c := &iCall{name: name}
	var err error
	if c.args, err = p.args(name, depth); err != nil {
		return nil, err
	}
	if err := fn.arity(name, len(c.args)); err != nil {
		return nil, err
	}
	c.src = p.s[start:p.i]
	if fn.check != nil {
		if err := fn.check(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func isNameByte(c byte) bool {
	return c == '.' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// args reads the arguments of a call up to and including its ")".
func (p *iparser) args(name string, depth int) ([]iArg, error) {
	var args []iArg
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
		return args, nil
	}
	for {
		p.space()
		a, err := p.arg(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		p.space()
		if p.i >= len(p.s) {
			return nil, fmt.Errorf("unterminated call to %s", name)
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ')':
			p.i++
			return args, nil
		default:
			return nil, fmt.Errorf("unexpected %q in the arguments of %s", p.s[p.i:], name)
		}
	}
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
		return p.pathArg()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.numberArg()
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

// pathArg reads a path argument: up to the "," or ")" that is outside
// quotes, brackets and parentheses.
func (p *iparser) pathArg() (iArg, error) {
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
}

func (p *iparser) numberArg() (iArg, error) {
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
		p.i++
	}
	v, err := decodeJSON([]byte(p.s[start:p.i]))
	if _, isNum := v.(json.Number); err != nil || !isNum {
		return iArg{}, fmt.Errorf("invalid number %q", p.s[start:p.i])
	}
	return iArg{kind: argLit, lit: v}, nil
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
	fn, ok := intrinsics[c.name]
	if !ok {
		return nil, fmt.Errorf("intrinsic %s is not implemented", c.name)
	}
	return fn.call(c, args, env)
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
