package sfn

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Choice rules: every comparison operator of the JSONPath query language,
// their *Path variants, And / Or / Not, and the Is* type tests.
//
// A comparison whose variable has the wrong type is simply false. A Variable
// (or a *Path operand) that selects nothing is a States.Runtime error, except
// for IsPresent, which is then false.

type choiceOp struct {
	kind string // "string", "numeric", "boolean", "timestamp", "match", "is"
	cmp  string // "eq", "lt", "gt", "le", "ge"
}

var choiceOps = map[string]choiceOp{}

func init() {
	cmps := map[string]string{"Equals": "eq", "LessThan": "lt", "GreaterThan": "gt", "LessThanEquals": "le", "GreaterThanEquals": "ge"}
	for _, kind := range []string{"String", "Numeric", "Timestamp"} {
		for suffix, cmp := range cmps {
			choiceOps[kind+suffix] = choiceOp{kind: strings.ToLower(kind), cmp: cmp}
		}
	}
	choiceOps["BooleanEquals"] = choiceOp{kind: "boolean", cmp: "eq"}
	choiceOps["StringMatches"] = choiceOp{kind: "match"}
	for _, is := range []string{"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"} {
		choiceOps[is] = choiceOp{kind: "is", cmp: is}
	}
}

type choiceRule struct {
	next string

	and, or []*choiceRule
	not     *choiceRule

	variable *jsonPath
	opName   string
	op       choiceOp
	value    any       // literal operand
	path     *jsonPath // *Path operand
}

// parseChoiceRule parses one rule; top says whether it is a top-level rule
// (which must have Next, while nested rules must not).
func parseChoiceRule(raw any, where string, top bool) (*choiceRule, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a choice rule must be an object", where)
	}
	r := &choiceRule{}
	var ops []string
	for k, v := range obj {
		isOp, err := r.field(k, v, where, top)
		if err != nil {
			return nil, err
		}
		if isOp {
			ops = append(ops, k)
		}
	}
	if len(ops) != 1 {
		return nil, fmt.Errorf("%s: a choice rule needs exactly one of And, Or, Not or a comparison operator, found %v", where, ops)
	}
	isBool := r.and != nil || r.or != nil || r.not != nil
	if isBool && r.variable != nil {
		return nil, fmt.Errorf("%s: And/Or/Not rules cannot have Variable", where)
	}
	if !isBool && r.variable == nil {
		return nil, fmt.Errorf("%s: %s needs a Variable", where, r.opName)
	}
	if top && r.next == "" {
		return nil, fmt.Errorf("%s: a top-level choice rule needs Next", where)
	}
	return r, nil
}

// field reads one field of a choice rule and reports whether it is the
// rule's operator (And, Or, Not or a comparison).
func (r *choiceRule) field(k string, v any, where string, top bool) (bool, error) {
	var err error
	switch k {
	case "Comment":
		if _, ok := v.(string); !ok {
			return false, fmt.Errorf("%s: Comment must be a string", where)
		}
	case "Next":
		s, ok := v.(string)
		if !top {
			return false, fmt.Errorf("%s: a nested choice rule cannot have Next", where)
		}
		if !ok {
			return false, fmt.Errorf("%s: Next must be a string", where)
		}
		r.next = s
	case "Variable":
		if r.variable, err = readRefPath(k, v); err != nil {
			return false, fmt.Errorf("%s: %v", where, err)
		}
	case "And":
		r.and, err = parseRuleList(k, v, where)
		return true, err
	case "Or":
		r.or, err = parseRuleList(k, v, where)
		return true, err
	case "Not":
		r.not, err = parseChoiceRule(v, where+".Not", false)
		return true, err
	case "Condition", "Assign", "Output":
		return false, fmt.Errorf("%s: field %q belongs to the JSONata query language, which this interpreter does not implement (use JSONPath)", where, k)
	default:
		return true, r.comparison(k, v, where)
	}
	return false, nil
}

// parseRuleList reads the nested rules of And or Or.
func parseRuleList(k string, v any, where string) ([]*choiceRule, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("%s: %s must be a non-empty array of rules", where, k)
	}
	var out []*choiceRule
	for i, sub := range list {
		sr, err := parseChoiceRule(sub, fmt.Sprintf("%s.%s[%d]", where, k, i), false)
		if err != nil {
			return nil, err
		}
		out = append(out, sr)
	}
	return out, nil
}

// comparison reads a comparison operator: a literal one (StringEquals: "x")
// or its Path variant (StringEqualsPath: "$.y").
func (r *choiceRule) comparison(k string, v any, where string) error {
	if op, ok := choiceOps[k]; ok {
		r.op, r.opName = op, k
		return r.setLiteral(v, where)
	}
	op, ok := choiceOps[strings.TrimSuffix(k, "Path")]
	if !ok || !strings.HasSuffix(k, "Path") || op.kind == "is" || op.kind == "match" {
		return fmt.Errorf("%s: unsupported field %q in a choice rule", where, k)
	}
	r.op, r.opName = op, k
	jp, err := readRefPath(k, v)
	if err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	r.path = jp
	return nil
}

func (r *choiceRule) setLiteral(v any, where string) error {
	bad := func(want string) error {
		return fmt.Errorf("%s: %s needs %s, got %s", where, r.opName, want, encodeString(v))
	}
	switch r.op.kind {
	case "string", "match":
		if _, ok := v.(string); !ok {
			return bad("a string")
		}
	case "numeric":
		if _, ok := v.(json.Number); !ok {
			return bad("a number")
		}
	case "boolean", "is":
		if _, ok := v.(bool); !ok {
			return bad("a boolean")
		}
	case "timestamp":
		s, ok := v.(string)
		if !ok {
			return bad("a timestamp string")
		}
		if _, ok := parseTimestamp(s); !ok {
			return bad("an RFC 3339 timestamp such as 2016-03-14T01:59:00Z")
		}
	}
	r.value = v
	return nil
}

var timestampRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

// parseTimestamp accepts the RFC 3339 profile AWS requires: an uppercase T
// between date and time and an uppercase Z when no numeric offset is given.
func parseTimestamp(s string) (time.Time, bool) {
	if !timestampRE.MatchString(s) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func (r *choiceRule) eval(env *evalEnv) (bool, error) {
	if r.and != nil || r.or != nil || r.not != nil {
		return r.evalLogic(env)
	}
	v, found := r.variable.get(env.rootFor(r.variable))
	if r.op.kind == "is" && r.op.cmp == "IsPresent" {
		return found == r.value.(bool), nil
	}
	if !found {
		return false, runtimeErr("Invalid path '%s': The choice state's condition path references an invalid value.", r.variable.src)
	}
	if r.op.kind == "is" {
		return isType(r.op.cmp, v) == r.value.(bool), nil
	}
	operand := r.value
	if r.path != nil {
		var ok bool
		operand, ok = r.path.get(env.rootFor(r.path))
		if !ok {
			return false, runtimeErr("Invalid path '%s': The choice state's condition path references an invalid value.", r.path.src)
		}
	}
	return compare(r.op, v, operand), nil
}

// evalLogic evaluates And, Or and Not, short-circuiting like AWS.
func (r *choiceRule) evalLogic(env *evalEnv) (bool, error) {
	switch {
	case r.and != nil:
		for _, s := range r.and {
			ok, err := s.eval(env)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.or != nil:
		for _, s := range r.or {
			ok, err := s.eval(env)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	ok, err := r.not.eval(env)
	return !ok, err
}

// isType applies IsNull, IsNumeric, IsString, IsBoolean or IsTimestamp.
func isType(test string, v any) bool {
	var is bool
	switch test {
	case "IsNull":
		is = v == nil
	case "IsNumeric":
		_, is = v.(json.Number)
	case "IsString":
		_, is = v.(string)
	case "IsBoolean":
		_, is = v.(bool)
	case "IsTimestamp":
		if s, ok := v.(string); ok {
			_, is = parseTimestamp(s)
		}
	}
	return is
}

// compare applies a comparison operator; operands of the wrong type make
// it false.
func compare(op choiceOp, v, operand any) bool {
	switch op.kind {
	case "boolean":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "match":
		s, ok := v.(string)
		pat, ok2 := operand.(string)
		return ok && ok2 && wildcardMatch(pat, s)
	case "string":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && cmpResult(strings.Compare(a, b), op.cmp)
	case "numeric":
		a, ok1 := numRat(v)
		b, ok2 := numRat(operand)
		return ok1 && ok2 && cmpResult(a.Cmp(b), op.cmp)
	case "timestamp":
		as, _ := v.(string)
		bs, _ := operand.(string)
		a, ok1 := parseTimestamp(as)
		b, ok2 := parseTimestamp(bs)
		return ok1 && ok2 && cmpResult(a.Compare(b), op.cmp)
	}
	return false
}

func cmpResult(c int, op string) bool {
	switch op {
	case "eq":
		return c == 0
	case "lt":
		return c < 0
	case "gt":
		return c > 0
	case "le":
		return c <= 0
	default:
		return c >= 0
	}
}

// wildcardMatch implements StringMatches: * matches any run of characters,
// \* is a literal asterisk and \\ a literal backslash.
func wildcardMatch(pattern, s string) bool {
	type tok struct {
		star bool
		r    rune
	}
	var toks []tok
	pr := []rune(pattern)
	for i := 0; i < len(pr); i++ {
		switch {
		case pr[i] == '\\' && i+1 < len(pr) && (pr[i+1] == '*' || pr[i+1] == '\\'):
			toks = append(toks, tok{r: pr[i+1]})
			i++
		case pr[i] == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{r: pr[i]})
		}
	}
	sr := []rune(s)
	// Classic greedy matching with backtracking to the last star.
	ti, si, starT, starS := 0, 0, -1, 0
	for si < len(sr) {
		switch {
		case ti < len(toks) && !toks[ti].star && toks[ti].r == sr[si]:
			ti++
			si++
		case ti < len(toks) && toks[ti].star:
			starT, starS = ti, si
			ti++
		case starT >= 0:
			starS++
			ti, si = starT+1, starS
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}
