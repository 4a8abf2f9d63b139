package sfn

import (
	"errors"
	"fmt"
	"strings"
)

// Filters: the [?(<filter>)] expressions of JSONPath, parsed into a tree of
// fnode and evaluated against each candidate node (@) and the root ($).

type fnode struct {
	op   string // "||", "&&", "!", "cmp", "exists"
	l, r *fnode
	cmp  string
	a, b *foperand
}

type foperand struct {
	path  *jsonPath
	rel   bool // @-relative
	lit   any
	isLit bool
}

func (p *pathParser) filterOr() (*fnode, error) { return p.filterChain("||", p.filterAnd) }

func (p *pathParser) filterAnd() (*fnode, error) { return p.filterChain("&&", p.filterUnary) }

// filterChain parses operand (op operand)…, grouping to the left.
func (p *pathParser) filterChain(op string, operand func() (*fnode, error)) (*fnode, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if !strings.HasPrefix(p.s[p.i:], op) {
			return l, nil
		}
		p.i += len(op)
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = &fnode{op: op, l: l, r: r}
	}
}

func (p *pathParser) filterUnary() (*fnode, error) {
	p.skipSpace()
	if p.peek('!') && !strings.HasPrefix(p.s[p.i:], "!=") {
		p.i++
		x, err := p.filterUnary()
		if err != nil {
			return nil, err
		}
		return &fnode{op: "!", l: x}, nil
	}
	if p.peek('(') {
		p.i++
		x, err := p.filterOr()
		if err != nil {
			return nil, err
		}
		return x, p.expect(')')
	}
	a, err := p.operand()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		if strings.HasPrefix(p.s[p.i:], op) {
			p.i += len(op)
			b, err := p.operand()
			if err != nil {
				return nil, err
			}
			return &fnode{op: "cmp", cmp: op, a: a, b: b}, nil
		}
	}
	if a.isLit {
		return nil, fmt.Errorf("a filter needs a path or a comparison at offset %d", p.i)
	}
	return &fnode{op: "exists", a: a}, nil
}

func (p *pathParser) operand() (*foperand, error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, errors.New("unterminated filter")
	}
	c := p.s[p.i]
	switch {
	case c == '@' || c == '$':
		jp, err := p.rooted(c)
		if err != nil {
			return nil, err
		}
		if jp.context {
			return nil, errors.New("$$ cannot be used inside a filter")
		}
		return &foperand{path: jp, rel: c == '@'}, nil
	case c == '\'' || c == '"':
		s, err := p.quoted()
		if err != nil {
			return nil, err
		}
		return &foperand{lit: s, isLit: true}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.i
		p.i++
		for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
			p.i++
		}
		lit, err := decodeJSON([]byte(p.s[start:p.i]))
		if err != nil {
			return nil, fmt.Errorf("invalid number %q", p.s[start:p.i])
		}
		return &foperand{lit: lit, isLit: true}, nil
	}
	for _, w := range []struct {
		s string
		v any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(p.s[p.i:], w.s) {
			p.i += len(w.s)
			return &foperand{lit: w.v, isLit: true}, nil
		}
	}
	return nil, fmt.Errorf("unexpected %q in filter", p.s[p.i:])
}

type missing struct{}

func (o *foperand) value(cur, root any) any {
	if o.isLit {
		return o.lit
	}
	base := root
	if o.rel {
		base = cur
	}
	v, ok := o.path.value(base)
	if !ok {
		return missing{}
	}
	return v
}

func (f *fnode) eval(cur, root any) any {
	switch f.op {
	case "||":
		return truthy(f.l.eval(cur, root)) || truthy(f.r.eval(cur, root))
	case "&&":
		return truthy(f.l.eval(cur, root)) && truthy(f.r.eval(cur, root))
	case "!":
		return !truthy(f.l.eval(cur, root))
	case "exists":
		_, isMissing := f.a.value(cur, root).(missing)
		return !isMissing
	}
	a, b := f.a.value(cur, root), f.b.value(cur, root)
	_, am := a.(missing)
	_, bm := b.(missing)
	if am || bm {
		return f.cmp == "!="
	}
	switch f.cmp {
	case "==":
		return jsonEqual(a, b)
	case "!=":
		return !jsonEqual(a, b)
	}
	c, ok := compareOrdered(a, b)
	if !ok {
		return false
	}
	switch f.cmp {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	default:
		return c >= 0
	}
}

// compareOrdered compares two numbers or two strings.
func compareOrdered(a, b any) (int, bool) {
	if ra, ok := numRat(a); ok {
		rb, ok := numRat(b)
		if !ok {
			return 0, false
		}
		return ra.Cmp(rb), true
	}
	sa, ok1 := a.(string)
	sb, ok2 := b.(string)
	if ok1 && ok2 {
		return strings.Compare(sa, sb), true
	}
	return 0, false
}

func truthy(v any) bool {
	b, ok := v.(bool)
	return ok && b
}
