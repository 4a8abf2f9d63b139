package sfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Machine is a parsed, validated state machine definition. It is immutable
// and can be started any number of times, concurrently.
type Machine struct {
	name       string
	root       *scope
	timeout    int64 // execution TimeoutSeconds, 0 = none
	definition []byte
}

// Name is the state machine name used in ARNs ("StateMachine" unless set
// with WithName).
func (m *Machine) Name() string { return m.name }

// WithName returns a copy of the machine with another name (the name used in
// the state machine and execution ARNs).
func (m *Machine) WithName(name string) *Machine {
	c := *m
	c.name = name
	return &c
}

// Definition returns the definition after substitution.
func (m *Machine) Definition() []byte { return append([]byte(nil), m.definition...) }

type scope struct {
	startAt string
	states  map[string]*state
}

var placeholderRE = regexp.MustCompile(`\$\{([^}]*)\}`)

// Parse reads a definition (Amazon States Language, JSONPath query language)
// after replacing every ${Name} placeholder with substitutions[Name], as
// CloudFormation's DefinitionSubstitutions do. It refuses, with an error
// naming the state and the field, anything it does not implement: unknown
// fields, state types, resources and intrinsic functions, JSONata, and
// placeholders without a substitution.
func Parse(definition []byte, substitutions map[string]string) (*Machine, error) {
	text, err := substitute(string(definition), substitutions)
	if err != nil {
		return nil, err
	}
	raw, err := decodeJSON([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("sfn: definition is not valid JSON: %v", err)
	}
	top, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("sfn: the definition must be a JSON object")
	}
	if err := checkTopLevel(top); err != nil {
		return nil, err
	}
	m := &Machine{name: "StateMachine", definition: []byte(text)}
	if v, ok := top["TimeoutSeconds"]; ok {
		n, ok := asInt(v)
		if !ok || n < 1 || n > 99999999 {
			return nil, fmt.Errorf("sfn: top-level TimeoutSeconds must be an integer from 1 to 99999999, got %s", encodeString(v))
		}
		m.timeout = n
	}
	p := &parser{names: map[string]bool{}}
	if m.root, err = p.scope(top, "the state machine"); err != nil {
		return nil, err
	}
	return m, nil
}

// substitute replaces the ${Name} placeholders; every one needs a value.
func substitute(definition string, substitutions map[string]string) (string, error) {
	var missing []string
	text := placeholderRE.ReplaceAllStringFunc(definition, func(ph string) string {
		name := ph[2 : len(ph)-1]
		v, ok := substitutions[name]
		if !ok {
			missing = append(missing, name)
			return ph
		}
		q, _ := json.Marshal(v)
		return string(q[1 : len(q)-1]) // JSON-escaped, as the text sits inside a string
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("sfn: no substitution for placeholder(s) %s", strings.Join(uniq(missing), ", "))
	}
	return text, nil
}

func checkTopLevel(top map[string]any) error {
	for k, v := range top {
		switch k {
		case "StartAt", "States", "Comment", "TimeoutSeconds":
		case "Version":
			if s, ok := v.(string); !ok || s != "1.0" {
				return fmt.Errorf("sfn: Version must be \"1.0\", got %s", encodeString(v))
			}
		case "QueryLanguage":
			if err := checkQueryLanguage(v, "the state machine"); err != nil {
				return err
			}
		default:
			if why, ok := refusedFields[k]; ok {
				return fmt.Errorf("sfn: top-level field %q is not supported: %s", k, why)
			}
			return fmt.Errorf("sfn: top-level field %q is not supported", k)
		}
	}
	return nil
}

func uniq(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func checkQueryLanguage(v any, where string) error {
	s, _ := v.(string)
	switch s {
	case "JSONPath":
		return nil
	case "JSONata":
		return fmt.Errorf("sfn: %s: QueryLanguage \"JSONata\" is not supported: this interpreter implements the JSONPath query language", where)
	}
	return fmt.Errorf("sfn: %s: QueryLanguage must be \"JSONPath\", got %s", where, encodeString(v))
}

type parser struct {
	names map[string]bool // every state name in the machine (they must be unique)
}

// scope parses {StartAt, States} (the top level, a Parallel branch, a Map's
// ItemProcessor / Iterator).
func (p *parser) scope(obj map[string]any, where string) (*scope, error) {
	start, ok := obj["StartAt"].(string)
	if !ok || start == "" {
		return nil, fmt.Errorf("sfn: %s: StartAt must be a non-empty string", where)
	}
	rawStates, ok := obj["States"].(map[string]any)
	if !ok || len(rawStates) == 0 {
		return nil, fmt.Errorf("sfn: %s: States must be a non-empty object", where)
	}
	sc := &scope{startAt: start, states: map[string]*state{}}
	for _, name := range sortedKeys(rawStates) {
		if p.names[name] {
			return nil, fmt.Errorf("sfn: state name %q is used more than once (state names must be unique in the whole state machine)", name)
		}
		p.names[name] = true
		if len(name) > 80 || name == "" {
			return nil, fmt.Errorf("sfn: state name %q must have 1 to 80 characters", name)
		}
		st, err := p.state(name, rawStates[name])
		if err != nil {
			return nil, err
		}
		sc.states[name] = st
	}
	if _, ok := sc.states[start]; !ok {
		return nil, fmt.Errorf("sfn: %s: StartAt %q is not a state of this scope", where, start)
	}
	if err := sc.checkTransitions(); err != nil {
		return nil, err
	}
	return sc, nil
}

// checkTransitions: every transition must stay inside the scope.
func (sc *scope) checkTransitions() error {
	for _, name := range sortedKeys(anyMap(sc.states)) {
		st := sc.states[name]
		targets := [][2]string{{st.next, "Next"}}
		for _, c := range st.catch {
			targets = append(targets, [2]string{c.next, "Catch Next"})
		}
		for _, r := range st.choices {
			targets = append(targets, [2]string{r.next, "Choices Next"})
		}
		targets = append(targets, [2]string{st.dflt, "Default"})
		for _, t := range targets {
			if _, ok := sc.states[t[0]]; t[0] != "" && !ok {
				return fmt.Errorf("sfn: state %q: %s %q is not a state of the same scope", name, t[1], t[0])
			}
		}
	}
	return nil
}

func anyMap[T any](m map[string]T) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
