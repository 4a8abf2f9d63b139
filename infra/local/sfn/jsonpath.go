package sfn

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// JSONPath as Step Functions uses it (AWS runs Jayway JsonPath):
//
//   - "$" is the state's input, "$$" the context object.
//   - .name, ['name'], ["name"], ['a','b'] (union), [0], [-1], [0,2] (union),
//     [*] and .* (wildcards), [start:end:step] (slices), ..name / ..* / ..[…]
//     (deep scan) and [?(<filter>)] with @-relative paths, the comparisons
//     == != < <= > >=, &&, ||, ! and parentheses, literals 'str', "str",
//     numbers, true, false, null; a bare path in a filter tests existence.
//   - A path with no wildcard, slice, union, filter or deep scan is
//     "definite": it selects one value, and selecting nothing is an error.
//     Any other path is "indefinite" and yields an array of all matches
//     (possibly empty), as Jayway does.
//   - A Reference Path (ResultPath, ItemsPath, Variable, the *Path fields) is
//     a definite path made only of names and non-negative indexes.
//
// Jayway functions such as .length() are not implemented and are refused.

type segKind int

const (
	segName segKind = iota
	segIndex
	segWildcard
	segSlice
	segFilter
	segDeep
)

type pathSeg struct {
	kind              segKind
	names             []string
	idxs              []int
	start, end        *int
	step              int
	filter            *fnode
	sub               *pathSeg // segDeep: the selector applied at every depth
	hasStart, hasStop bool
}

type jsonPath struct {
	src     string
	context bool // starts with $$
	segs    []pathSeg
}

func (jp *jsonPath) String() string { return jp.src }

// definite reports whether the path selects at most one value.
func (jp *jsonPath) definite() bool {
	for _, s := range jp.segs {
		switch s.kind {
		case segName:
			if len(s.names) != 1 {
				return false
			}
		case segIndex:
			if len(s.idxs) != 1 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isReference reports whether the path is a Reference Path.
func (jp *jsonPath) isReference() bool {
	if !jp.definite() {
		return false
	}
	for _, s := range jp.segs {
		if s.kind == segIndex && s.idxs[0] < 0 {
			return false
		}
	}
	return true
}

// parsePath parses a path starting with $ (or $$).
func parsePath(src string) (*jsonPath, error) {
	p := &pathParser{s: src}
	jp, err := p.rooted('$')
	if err == nil && p.i != len(p.s) {
		err = fmt.Errorf("unexpected %q at offset %d", p.s[p.i:], p.i)
	}
	if err != nil {
		return nil, fmt.Errorf("invalid JSONPath %q: %v", src, err)
	}
	return jp, nil
}

// parseRefPath parses a Reference Path.
func parseRefPath(src string) (*jsonPath, error) {
	jp, err := parsePath(src)
	if err != nil {
		return nil, err
	}
	if !jp.isReference() {
		return nil, fmt.Errorf("%q is not a Reference Path (only names and non-negative indexes are allowed: no wildcard, slice, union, filter or deep scan)", src)
	}
	return jp, nil
}

type pathParser struct {
	s        string
	i        int
	inFilter bool
}

func (p *pathParser) peek(c byte) bool { return p.i < len(p.s) && p.s[p.i] == c }

func (p *pathParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func isFilterStop(c byte) bool {
	return strings.IndexByte(" \t\n\r=!<>&|),", c) >= 0
}

func (p *pathParser) rooted(root byte) (*jsonPath, error) {
	start := p.i
	if !p.peek(root) {
		return nil, fmt.Errorf("a path must start with %q", string(root))
	}
	p.i++
	jp := &jsonPath{}
	if root == '$' && p.peek('$') {
		jp.context = true
		p.i++
	}
	for p.i < len(p.s) {
		c := p.s[p.i]
		if p.inFilter && isFilterStop(c) {
			break
		}
		switch c {
		case '.':
			p.i++
			if p.peek('.') {
				p.i++
				sub, err := p.afterDot(true)
				if err != nil {
					return nil, err
				}
				jp.segs = append(jp.segs, pathSeg{kind: segDeep, sub: &sub})
				continue
			}
			seg, err := p.afterDot(false)
			if err != nil {
				return nil, err
			}
			jp.segs = append(jp.segs, seg)
		case '[':
			seg, err := p.bracket()
			if err != nil {
				return nil, err
			}
			jp.segs = append(jp.segs, seg)
		default:
			return nil, fmt.Errorf("unexpected %q at offset %d", string(c), p.i)
		}
	}
	jp.src = p.s[start:p.i]
	return jp, nil
}

func (p *pathParser) afterDot(allowBracket bool) (pathSeg, error) {
	if p.peek('*') {
		p.i++
		return pathSeg{kind: segWildcard}, nil
	}
	if allowBracket && p.peek('[') {
		return p.bracket()
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '.' || c == '[' || (p.inFilter && isFilterStop(c)) {
			break
		}
		if c == '(' || c == ')' {
			return pathSeg{}, fmt.Errorf("JSONPath functions are not supported (at offset %d)", p.i)
		}
		p.i++
	}
	if p.i == start {
		return pathSeg{}, fmt.Errorf("empty field name at offset %d", start)
	}
	return pathSeg{kind: segName, names: []string{p.s[start:p.i]}}, nil
}

func (p *pathParser) quoted() (string, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '\\' && p.i+1 < len(p.s) {
			b.WriteByte(p.s[p.i+1])
			p.i += 2
			continue
		}
		if c == q {
			p.i++
			return b.String(), nil
		}
		b.WriteByte(c)
		p.i++
	}
	return "", errors.New("unterminated quoted name")
}

func (p *pathParser) expect(c byte) error {
	p.skipSpace()
	if !p.peek(c) {
		return fmt.Errorf("expected %q at offset %d", string(c), p.i)
	}
	p.i++
	return nil
}

func (p *pathParser) bracket() (pathSeg, error) {
	p.i++ // [
	p.skipSpace()
	if p.i >= len(p.s) {
		return pathSeg{}, errors.New("unterminated [")
	}
	switch c := p.s[p.i]; {
	case c == '*':
		p.i++
		return pathSeg{kind: segWildcard}, p.expect(']')
	case c == '\'' || c == '"':
		var names []string
		for {
			p.skipSpace()
			if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
				return pathSeg{}, fmt.Errorf("expected a quoted name at offset %d", p.i)
			}
			n, err := p.quoted()
			if err != nil {
				return pathSeg{}, err
			}
			names = append(names, n)
			p.skipSpace()
			if p.peek(',') {
				p.i++
				continue
			}
			return pathSeg{kind: segName, names: names}, p.expect(']')
		}
	case c == '?':
		p.i++
		if err := p.expect('('); err != nil {
			return pathSeg{}, err
		}
		fp := &pathParser{s: p.s, i: p.i, inFilter: true}
		f, err := fp.filterOr()
		if err != nil {
			return pathSeg{}, err
		}
		p.i = fp.i
		if err := p.expect(')'); err != nil {
			return pathSeg{}, err
		}
		return pathSeg{kind: segFilter, filter: f}, p.expect(']')
	default:
		end := strings.IndexByte(p.s[p.i:], ']')
		if end < 0 {
			return pathSeg{}, errors.New("unterminated [")
		}
		body := strings.TrimSpace(p.s[p.i : p.i+end])
		p.i += end + 1
		if strings.Contains(body, ":") {
			return parseSlice(body)
		}
		var idxs []int
		for _, part := range strings.Split(body, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil {
				return pathSeg{}, fmt.Errorf("invalid index %q", part)
			}
			idxs = append(idxs, n)
		}
		return pathSeg{kind: segIndex, idxs: idxs}, nil
	}
}

func parseSlice(body string) (pathSeg, error) {
	parts := strings.Split(body, ":")
	if len(parts) > 3 {
		return pathSeg{}, fmt.Errorf("invalid slice %q", body)
	}
	seg := pathSeg{kind: segSlice, step: 1}
	num := func(s string) (*int, error) {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("invalid slice bound %q", s)
		}
		return &n, nil
	}
	var err error
	if seg.start, err = num(parts[0]); err != nil {
		return seg, err
	}
	if seg.end, err = num(parts[1]); err != nil {
		return seg, err
	}
	if len(parts) == 3 {
		st, err := num(parts[2])
		if err != nil {
			return seg, err
		}
		if st != nil {
			if *st == 0 {
				return seg, errors.New("slice step cannot be 0")
			}
			seg.step = *st
		}
	}
	return seg, nil
}

// eval returns every value the path selects in root.
func (jp *jsonPath) eval(root any) []any {
	cur := []any{root}
	for i := range jp.segs {
		cur = applySeg(&jp.segs[i], cur, root)
		if len(cur) == 0 {
			break
		}
	}
	return cur
}

// get returns the single value of a definite path.
func (jp *jsonPath) get(root any) (any, bool) {
	r := jp.eval(root)
	if len(r) != 1 {
		return nil, false
	}
	return r[0], true
}

// value applies the path the way Parameters, InputPath and OutputPath do: a
// definite path yields its value (or not found), an indefinite one an array.
func (jp *jsonPath) value(root any) (any, bool) {
	if jp.definite() {
		return jp.get(root)
	}
	r := jp.eval(root)
	if r == nil {
		r = []any{}
	}
	return r, true
}

func applySeg(seg *pathSeg, nodes []any, root any) []any {
	var out []any
	for _, n := range nodes {
		switch seg.kind {
		case segName:
			if m, ok := n.(map[string]any); ok {
				for _, name := range seg.names {
					if v, ok := m[name]; ok {
						out = append(out, v)
					}
				}
			}
		case segIndex:
			if a, ok := n.([]any); ok {
				for _, i := range seg.idxs {
					if i < 0 {
						i += len(a)
					}
					if i >= 0 && i < len(a) {
						out = append(out, a[i])
					}
				}
			}
		case segWildcard:
			out = append(out, children(n)...)
		case segSlice:
			if a, ok := n.([]any); ok {
				out = append(out, slice(a, seg)...)
			}
		case segFilter:
			switch x := n.(type) {
			case []any:
				for _, e := range x {
					if truthy(seg.filter.eval(e, root)) {
						out = append(out, e)
					}
				}
			case map[string]any:
				if truthy(seg.filter.eval(x, root)) {
					out = append(out, x)
				}
			}
		case segDeep:
			var walk func(v any)
			walk = func(v any) {
				out = append(out, applySeg(seg.sub, []any{v}, root)...)
				for _, c := range children(v) {
					walk(c)
				}
			}
			walk(n)
		}
	}
	return out
}

func children(n any) []any {
	switch x := n.(type) {
	case []any:
		return x
	case map[string]any:
		out := make([]any, 0, len(x))
		for _, k := range sortedKeys(x) {
			out = append(out, x[k])
		}
		return out
	}
	return nil
}

func slice(a []any, seg *pathSeg) []any {
	n := len(a)
	norm := func(p *int, def int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
		}
		return v
	}
	var out []any
	if seg.step > 0 {
		start, end := norm(seg.start, 0), norm(seg.end, n)
		start, end = max(start, 0), min(end, n)
		for i := start; i < end; i += seg.step {
			out = append(out, a[i])
		}
	} else {
		start, end := norm(seg.start, n-1), norm(seg.end, -1-n)
		start = min(start, n-1)
		end = max(end, -1)
		for i := start; i > end; i += seg.step {
			out = append(out, a[i])
		}
	}
	return out
}

// setPath returns a copy of node with val stored at the Reference Path
// segments; missing intermediate objects are created (ResultPath semantics).
func setPath(node any, segs []pathSeg, val any) (any, error) {
	if len(segs) == 0 {
		return val, nil
	}
	seg := segs[0]
	switch seg.kind {
	case segName:
		name := seg.names[0]
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("cannot set field %q on a value of type %s", name, typeName(node))
		}
		child, exists := m[name]
		if !exists && len(segs) > 1 {
			if segs[1].kind != segName {
				return nil, fmt.Errorf("field %q does not exist, so it cannot be indexed", name)
			}
			child = map[string]any{}
		}
		nv, err := setPath(child, segs[1:], val)
		if err != nil {
			return nil, err
		}
		c := copyMap(m)
		c[name] = nv
		return c, nil
	case segIndex:
		i := seg.idxs[0]
		a, ok := node.([]any)
		if !ok {
			return nil, fmt.Errorf("cannot set index %d on a value of type %s", i, typeName(node))
		}
		if i < 0 || i >= len(a) {
			return nil, fmt.Errorf("index %d is out of bounds (length %d)", i, len(a))
		}
		nv, err := setPath(a[i], segs[1:], val)
		if err != nil {
			return nil, err
		}
		c := append([]any(nil), a...)
		c[i] = nv
		return c, nil
	}
	return nil, errors.New("not a Reference Path")
}
