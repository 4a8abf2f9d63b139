package shopifytest

// A small GraphQL front end for the fake: it parses an executable document
// (one operation; fields with aliases and arguments, inline fragments,
// variables), and projects resolved objects through the selection sets, so
// the fake answers what was asked for and an unknown field is an error, as
// on Shopify. Fragment definitions, fragment spreads and directives are not
// supported (the adapter does not use them) and answer a parse error.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// operation is a parsed GraphQL operation.
type operation struct {
	Type      string // "query" or "mutation"
	Name      string
	Vars      map[string]varDef
	Selection []selection
}

type varDef struct {
	Type    string // as written, e.g. "[ID!]!"
	NonNull bool
	Default any
	HasDef  bool
}

// selection is a field or an inline fragment (On != "").
type selection struct {
	Alias, Name string
	Args        map[string]value
	On          string
	Sub         []selection
	Line, Col   int
}

func (s selection) key() string {
	if s.Alias != "" {
		return s.Alias
	}
	return s.Name
}

// value is an argument value as written: a literal, a variable reference
// (Var), a list or an object of values.
type value struct {
	Var    string
	Lit    any
	List   []value
	Object map[string]value
	Kind   byte // 'v' variable, 'l' literal, '[' list, '{' object
}

// gqlError is an error as Shopify's GraphQL answers it.
type gqlError struct {
	Message    string         `json:"message"`
	Locations  []location     `json:"locations,omitempty"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

type location struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// --- lexer ---

type token struct {
	kind      byte // 'n' name, 'i' int, 'f' float, 's' string, 'p' punctuator, 0 end
	text      string
	line, col int
}

type lexer struct {
	src       string
	pos       int
	line, col int
}

func (l *lexer) errorf(format string, a ...any) error {
	return fmt.Errorf("Parse error at [%d, %d]: %s", l.line, l.col, fmt.Sprintf(format, a...))
}

func (l *lexer) advance(n int) {
	for i := 0; i < n && l.pos < len(l.src); i++ {
		if l.src[l.pos] == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
		l.pos++
	}
}

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			l.advance(1)
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.advance(1)
			}
		case strings.HasPrefix(l.src[l.pos:], "\ufeff"):
			l.pos += 3
		default:
			goto tok
		}
	}
	return token{line: l.line, col: l.col}, nil
tok:
	t := token{line: l.line, col: l.col}
	c := l.src[l.pos]
	switch {
	case strings.HasPrefix(l.src[l.pos:], "..."):
		t.kind, t.text = 'p', "..."
		l.advance(3)
	case strings.ContainsRune("!$():=@[]{}|&", rune(c)):
		t.kind, t.text = 'p', string(c)
		l.advance(1)
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		i := l.pos
		for i < len(l.src) && (l.src[i] == '_' || l.src[i] >= 'a' && l.src[i] <= 'z' || l.src[i] >= 'A' && l.src[i] <= 'Z' || l.src[i] >= '0' && l.src[i] <= '9') {
			i++
		}
		t.kind, t.text = 'n', l.src[l.pos:i]
		l.advance(i - l.pos)
	case c == '-' || c >= '0' && c <= '9':
		i := l.pos + 1
		float := false
		for i < len(l.src) && strings.IndexByte("0123456789.eE+-", l.src[i]) >= 0 {
			if l.src[i] == '.' || l.src[i] == 'e' || l.src[i] == 'E' {
				float = true
			}
			i++
		}
		t.kind, t.text = 'i', l.src[l.pos:i]
		if float {
			t.kind = 'f'
		}
		l.advance(i - l.pos)
	case strings.HasPrefix(l.src[l.pos:], `"""`):
		end := strings.Index(l.src[l.pos+3:], `"""`)
		if end < 0 {
			return t, l.errorf("unterminated block string")
		}
		t.kind, t.text = 's', l.src[l.pos+3:l.pos+3+end]
		l.advance(end + 6)
	case c == '"':
		var b strings.Builder
		i := l.pos + 1
		for {
			if i >= len(l.src) || l.src[i] == '\n' {
				return t, l.errorf("unterminated string")
			}
			if l.src[i] == '"' {
				break
			}
			if l.src[i] == '\\' && i+1 < len(l.src) {
				switch e := l.src[i+1]; e {
				case '"', '\\', '/':
					b.WriteByte(e)
				case 'b':
					b.WriteByte('\b')
				case 'f':
					b.WriteByte('\f')
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				case 'u':
					if i+6 > len(l.src) {
						return t, l.errorf("bad unicode escape")
					}
					n, err := strconv.ParseUint(l.src[i+2:i+6], 16, 32)
					if err != nil {
						return t, l.errorf("bad unicode escape")
					}
					b.WriteRune(rune(n))
					i += 4
				default:
					return t, l.errorf("bad escape \\%c", e)
				}
				i += 2
				continue
			}
			r, n := utf8.DecodeRuneInString(l.src[i:])
			b.WriteRune(r)
			i += n
		}
		t.kind, t.text = 's', b.String()
		l.advance(i + 1 - l.pos)
	default:
		return t, l.errorf("unexpected character %q", c)
	}
	return t, nil
}

// --- parser ---

type parser struct {
	lx  lexer
	tok token
}

func parse(src string) (*operation, error) {
	p := &parser{lx: lexer{src: src, line: 1, col: 1}}
	if err := p.read(); err != nil {
		return nil, err
	}
	op := &operation{Type: "query", Vars: map[string]varDef{}}
	if p.tok.kind == 'n' {
		switch p.tok.text {
		case "query", "mutation":
			op.Type = p.tok.text
		case "fragment", "subscription":
			return nil, p.errorf("%s definitions are not supported by the fake", p.tok.text)
		default:
			return nil, p.errorf("unexpected %q", p.tok.text)
		}
		if err := p.read(); err != nil {
			return nil, err
		}
		if p.tok.kind == 'n' {
			op.Name = p.tok.text
			if err := p.read(); err != nil {
				return nil, err
			}
		}
		if p.is("(") {
			if err := p.varDefs(op); err != nil {
				return nil, err
			}
		}
		if p.is("@") {
			return nil, p.errorf("directives are not supported by the fake")
		}
	}
	sel, err := p.selectionSet()
	if err != nil {
		return nil, err
	}
	op.Selection = sel
	if p.tok.kind != 0 {
		return nil, p.errorf("only one operation per document is supported by the fake (found %q)", p.tok.text)
	}
	return op, nil
}

func (p *parser) errorf(format string, a ...any) error {
	return fmt.Errorf("Parse error on %q at [%d, %d]: %s", p.tok.text, p.tok.line, p.tok.col, fmt.Sprintf(format, a...))
}

func (p *parser) read() error {
	t, err := p.lx.next()
	p.tok = t
	return err
}

func (p *parser) is(punct string) bool { return p.tok.kind == 'p' && p.tok.text == punct }

func (p *parser) expect(punct string) error {
	if !p.is(punct) {
		return p.errorf("expected %q", punct)
	}
	return p.read()
}

func (p *parser) name() (string, error) {
	if p.tok.kind != 'n' {
		return "", p.errorf("expected a name")
	}
	n := p.tok.text
	return n, p.read()
}

func (p *parser) varDefs(op *operation) error {
	if err := p.expect("("); err != nil {
		return err
	}
	for !p.is(")") {
		if err := p.expect("$"); err != nil {
			return err
		}
		n, err := p.name()
		if err != nil {
			return err
		}
		if err := p.expect(":"); err != nil {
			return err
		}
		typ, err := p.typeRef()
		if err != nil {
			return err
		}
		d := varDef{Type: typ, NonNull: strings.HasSuffix(typ, "!")}
		if p.is("=") {
			if err := p.read(); err != nil {
				return err
			}
			v, err := p.value(true)
			if err != nil {
				return err
			}
			d.Default, d.HasDef = v.Lit, true
		}
		if _, dup := op.Vars[n]; dup {
			return p.errorf("variable $%s is defined twice", n)
		}
		op.Vars[n] = d
	}
	return p.read()
}

func (p *parser) typeRef() (string, error) {
	var t string
	if p.is("[") {
		if err := p.read(); err != nil {
			return "", err
		}
		in, err := p.typeRef()
		if err != nil {
			return "", err
		}
		if err := p.expect("]"); err != nil {
			return "", err
		}
		t = "[" + in + "]"
	} else {
		n, err := p.name()
		if err != nil {
			return "", err
		}
		t = n
	}
	if p.is("!") {
		t += "!"
		if err := p.read(); err != nil {
			return "", err
		}
	}
	return t, nil
}

func (p *parser) selectionSet() ([]selection, error) {
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	var out []selection
	for !p.is("}") {
		if p.tok.kind == 0 {
			return nil, p.errorf("unexpected end of document")
		}
		s := selection{Line: p.tok.line, Col: p.tok.col}
		if p.is("...") {
			if err := p.read(); err != nil {
				return nil, err
			}
			if p.tok.kind != 'n' || p.tok.text != "on" {
				return nil, p.errorf("fragment spreads are not supported by the fake")
			}
			if err := p.read(); err != nil {
				return nil, err
			}
			on, err := p.name()
			if err != nil {
				return nil, err
			}
			s.On = on
			if s.Sub, err = p.selectionSet(); err != nil {
				return nil, err
			}
			out = append(out, s)
			continue
		}
		n, err := p.name()
		if err != nil {
			return nil, err
		}
		if p.is(":") {
			if err := p.read(); err != nil {
				return nil, err
			}
			s.Alias = n
			if n, err = p.name(); err != nil {
				return nil, err
			}
		}
		s.Name = n
		if p.is("(") {
			if err := p.read(); err != nil {
				return nil, err
			}
			s.Args = map[string]value{}
			for !p.is(")") {
				an, err := p.name()
				if err != nil {
					return nil, err
				}
				if err := p.expect(":"); err != nil {
					return nil, err
				}
				v, err := p.value(false)
				if err != nil {
					return nil, err
				}
				s.Args[an] = v
			}
			if err := p.read(); err != nil {
				return nil, err
			}
		}
		if p.is("@") {
			return nil, p.errorf("directives are not supported by the fake")
		}
		if p.is("{") {
			if s.Sub, err = p.selectionSet(); err != nil {
				return nil, err
			}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, p.errorf("a selection set may not be empty")
	}
	return out, p.read()
}

func (p *parser) value(constant bool) (value, error) {
	t := p.tok
	switch {
	case p.is("$"):
		if constant {
			return value{}, p.errorf("a variable in a constant value")
		}
		if err := p.read(); err != nil {
			return value{}, err
		}
		n, err := p.name()
		return value{Kind: 'v', Var: n}, err
	case p.is("["):
		if err := p.read(); err != nil {
			return value{}, err
		}
		v := value{Kind: '[', List: []value{}}
		for !p.is("]") {
			e, err := p.value(constant)
			if err != nil {
				return value{}, err
			}
			v.List = append(v.List, e)
		}
		return v, p.read()
	case p.is("{"):
		if err := p.read(); err != nil {
			return value{}, err
		}
		v := value{Kind: '{', Object: map[string]value{}}
		for !p.is("}") {
			n, err := p.name()
			if err != nil {
				return value{}, err
			}
			if err := p.expect(":"); err != nil {
				return value{}, err
			}
			if v.Object[n], err = p.value(constant); err != nil {
				return value{}, err
			}
		}
		return v, p.read()
	case t.kind == 's':
		return value{Kind: 'l', Lit: t.text}, p.read()
	case t.kind == 'i':
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return value{}, p.errorf("bad int")
		}
		return value{Kind: 'l', Lit: float64(n)}, p.read()
	case t.kind == 'f':
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return value{}, p.errorf("bad float")
		}
		return value{Kind: 'l', Lit: f}, p.read()
	case t.kind == 'n':
		var lit any = t.text // an enum value
		switch t.text {
		case "true":
			lit = true
		case "false":
			lit = false
		case "null":
			lit = nil
		}
		return value{Kind: 'l', Lit: lit}, p.read()
	}
	return value{}, p.errorf("expected a value")
}

// --- execution ---

// resolve is a value with its variables replaced, as JSON decodes: string,
// float64, bool, nil, []any, map[string]any.
func (v value) resolve(vars map[string]any) any {
	switch v.Kind {
	case 'v':
		return vars[v.Var]
	case '[':
		out := make([]any, len(v.List))
		for i, e := range v.List {
			out[i] = e.resolve(vars)
		}
		return out
	case '{':
		out := map[string]any{}
		for k, e := range v.Object {
			out[k] = e.resolve(vars)
		}
		return out
	}
	return v.Lit
}

// usedVars lists the variables the selections refer to.
func usedVars(sel []selection, into map[string]bool) {
	var walk func(v value)
	walk = func(v value) {
		switch v.Kind {
		case 'v':
			into[v.Var] = true
		case '[':
			for _, e := range v.List {
				walk(e)
			}
		case '{':
			for _, e := range v.Object {
				walk(e)
			}
		}
	}
	for _, s := range sel {
		for _, a := range s.Args {
			walk(a)
		}
		usedVars(s.Sub, into)
	}
}

// bindVars checks the variables sent against the operation's definitions and
// returns their values (defaults applied).
func (op *operation) bindVars(sent map[string]any) (map[string]any, []gqlError) {
	var errs []gqlError
	used := map[string]bool{}
	usedVars(op.Selection, used)
	for n := range used {
		if _, ok := op.Vars[n]; !ok {
			errs = append(errs, gqlError{Message: fmt.Sprintf("Variable $%s is used by %s but not declared", n, opName(op)),
				Extensions: map[string]any{"code": "variableNotDefined", "variableName": n}})
		}
	}
	out := map[string]any{}
	for n, d := range op.Vars {
		v, ok := sent[n]
		if !ok && d.HasDef {
			v, ok = d.Default, true
		}
		if (!ok || v == nil) && d.NonNull {
			errs = append(errs, gqlError{Message: fmt.Sprintf("Variable $%s of type %s was provided invalid value", n, d.Type),
				Extensions: map[string]any{"value": nil, "problems": []any{map[string]any{"path": []any{}, "explanation": "Expected value to not be null"}}}})
			continue
		}
		if !used[n] {
			errs = append(errs, gqlError{Message: fmt.Sprintf("Variable $%s is declared by %s but not used", n, opName(op)),
				Extensions: map[string]any{"code": "variableNotUsed", "variableName": n}})
		}
		out[n] = v
	}
	return out, errs
}

func opName(op *operation) string {
	if op.Name != "" {
		return op.Name
	}
	return "anonymous " + op.Type
}

// resolver is a field whose value depends on its arguments.
type resolver func(args map[string]any) (any, *gqlError)

// object is a GraphQL object: its fields (values, nested objects, lists, or
// resolvers), "__typename" and, optionally, "__implements" (the interfaces
// an inline fragment may name).
type object = map[string]any

// project builds the answer for sel from v; path is where v sits.
func project(v any, s selection, vars map[string]any, path []any) (any, []gqlError) {
	if r, ok := v.(resolver); ok {
		args := map[string]any{}
		for k, a := range s.Args {
			args[k] = a.resolve(vars)
		}
		out, gerr := r(args)
		if gerr != nil {
			gerr.Path = path
			gerr.Locations = []location{{s.Line, s.Col}}
			return nil, []gqlError{*gerr}
		}
		v = out
	} else if len(s.Args) > 0 {
		return nil, []gqlError{{Message: fmt.Sprintf("Field '%s' doesn't accept arguments", s.Name), Path: path,
			Locations: []location{{s.Line, s.Col}}, Extensions: map[string]any{"code": "argumentNotAccepted"}}}
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []object:
		list := make([]any, len(x))
		for i, o := range x {
			list[i] = o
		}
		v = list
	}
	if list, ok := v.([]any); ok && (len(list) == 0 || isObject(list[0]) || list[0] == nil) && s.Sub != nil {
		out := make([]any, len(list))
		var errs []gqlError
		for i, e := range list {
			var es []gqlError
			out[i], es = projectObject(e, s, vars, append(append([]any{}, path...), i))
			errs = append(errs, es...)
		}
		return out, errs
	}
	if isObject(v) {
		return projectObject(v, s, vars, path)
	}
	if s.Sub != nil {
		return nil, []gqlError{{Message: fmt.Sprintf("Selections can't be made on scalars (field '%s')", s.Name), Path: path,
			Locations: []location{{s.Line, s.Col}}, Extensions: map[string]any{"code": "selectionMismatch"}}}
	}
	return v, nil
}

func isObject(v any) bool { _, ok := v.(object); return ok }

func projectObject(v any, s selection, vars map[string]any, path []any) (any, []gqlError) {
	o, ok := v.(object)
	if !ok {
		return v, nil
	}
	typ, _ := o["__typename"].(string)
	if s.Sub == nil {
		return nil, []gqlError{{Message: fmt.Sprintf("Field must have selections (field '%s' returns %s but has no selections)", s.Name, typ),
			Path: path, Locations: []location{{s.Line, s.Col}}, Extensions: map[string]any{"code": "selectionMismatch"}}}
	}
	out := &ordered{}
	errs := selectInto(out, o, typ, s.Sub, vars, path)
	return out, errs
}

// ordered is an answer object: its fields in the order they were selected,
// as GraphQL answers them.
type ordered struct {
	keys []string
	vals map[string]any
}

func (o *ordered) set(k string, v any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *ordered) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

func selectInto(out *ordered, o object, typ string, sel []selection, vars map[string]any, path []any) []gqlError {
	var errs []gqlError
	for _, f := range sel {
		if f.On != "" {
			if f.On == typ || implements(o, f.On) {
				errs = append(errs, selectInto(out, o, typ, f.Sub, vars, path)...)
			}
			continue
		}
		if f.Name == "__typename" {
			out.set(f.key(), typ)
			continue
		}
		fv, ok := o[f.Name]
		if !ok || strings.HasPrefix(f.Name, "__") {
			errs = append(errs, gqlError{Message: fmt.Sprintf("Field '%s' doesn't exist on type '%s'", f.Name, typ),
				Locations: []location{{f.Line, f.Col}}, Path: path,
				Extensions: map[string]any{"code": "undefinedField", "typeName": typ, "fieldName": f.Name}})
			continue
		}
		v, es := project(fv, f, vars, append(append([]any{}, path...), f.key()))
		out.set(f.key(), v)
		errs = append(errs, es...)
	}
	return errs
}

func implements(o object, iface string) bool {
	list, _ := o["__implements"].([]string)
	for _, i := range list {
		if i == iface {
			return true
		}
	}
	return false
}

// decodeVariables reads the variables member of a request body: an object,
// null or absent.
func decodeVariables(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]any{}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}
