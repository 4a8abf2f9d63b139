package sfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"time"
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

type optPath struct {
	set  bool // the field is present
	null bool // the field is JSON null
	path *jsonPath
}

type resourceKind int

const (
	resLambdaARN        resourceKind = iota // arn:aws:lambda:…:function:NAME
	resLambdaInvoke                         // arn:aws:states:::lambda:invoke
	resLambdaInvokeWait                     // arn:aws:states:::lambda:invoke.waitForTaskToken
)

type retrier struct {
	errorEquals []string
	interval    float64 // seconds
	maxAttempts int64
	backoff     float64
	maxDelay    float64 // seconds, 0 = none
	fullJitter  bool
}

type catcher struct {
	errorEquals []string
	next        string
	resultPath  optPath
}

// dynString is Fail's ErrorPath / CausePath: a Reference Path or an
// intrinsic function.
type dynString struct {
	path *jsonPath
	call *iCall
}

type state struct {
	name, typ string
	next      string
	end       bool

	inputPath, outputPath, resultPath optPath
	parameters, resultSelector        *template

	retry []*retrier
	catch []*catcher

	// Task
	resource                   string
	resKind                    resourceKind
	timeoutSeconds, heartbeat  int64
	timeoutPath, heartbeatPath *jsonPath
	hasTimeout, hasHeartbeat   bool

	// Pass
	result    any
	hasResult bool

	// Choice
	choices []*choiceRule
	dflt    string

	// Wait
	waitSeconds       *int64
	waitTimestamp     *time.Time
	waitSecondsPath   *jsonPath
	waitTimestampPath *jsonPath

	// Fail
	errorName, cause   string
	errorDyn, causeDyn *dynString
	hasError, hasCause bool

	// Map
	itemsPath          *jsonPath
	itemSelector       *template
	processor          *scope
	distributed        bool
	maxConcurrency     int64
	maxConcurrencyPath *jsonPath
	tolCount           *int64
	tolCountPath       *jsonPath
	tolPct             *big.Rat
	tolPctPath         *jsonPath

	// Parallel
	branches []*scope
}

var commonFields = []string{"Type", "Comment", "QueryLanguage"}

var allowedFields = map[string][]string{
	"Task":     {"Resource", "Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Next", "End"},
	"Pass":     {"Result", "ResultPath", "Parameters", "InputPath", "OutputPath", "Next", "End"},
	"Choice":   {"Choices", "Default", "InputPath", "OutputPath"},
	"Wait":     {"Seconds", "SecondsPath", "Timestamp", "TimestampPath", "InputPath", "OutputPath", "Next", "End"},
	"Succeed":  {"InputPath", "OutputPath"},
	"Fail":     {"Error", "ErrorPath", "Cause", "CausePath"},
	"Map":      {"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "Parameters", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "Label", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "Retry", "Catch", "Next", "End"},
	"Parallel": {"Branches", "Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "Retry", "Catch", "Next", "End"},
}

// Fields that exist in ASL but that this interpreter refuses, with the reason.
var refusedFields = map[string]string{
	"Arguments":    "it belongs to the JSONata query language; this interpreter implements JSONPath (use Parameters)",
	"Output":       "it belongs to the JSONata query language; this interpreter implements JSONPath (use ResultSelector/ResultPath/OutputPath)",
	"Assign":       "workflow variables are not implemented",
	"Variables":    "workflow variables are not implemented",
	"Items":        "it belongs to the JSONata query language; use ItemsPath",
	"Credentials":  "cross-account task credentials are not implemented",
	"ItemReader":   "Distributed Map item readers (S3) are not implemented; pass the items in the state input",
	"ItemBatcher":  "Distributed Map item batching is not implemented",
	"ResultWriter": "Distributed Map result writers (S3) are not implemented",
}

var placeholderRE = regexp.MustCompile(`\$\{([^}]*)\}`)

// Parse reads a definition (Amazon States Language, JSONPath query language)
// after replacing every ${Name} placeholder with substitutions[Name], as
// CloudFormation's DefinitionSubstitutions do. It refuses, with an error
// naming the state and the field, anything it does not implement: unknown
// fields, state types, resources and intrinsic functions, JSONata, and
// placeholders without a substitution.
func Parse(definition []byte, substitutions map[string]string) (*Machine, error) {
	var missing []string
	text := placeholderRE.ReplaceAllStringFunc(string(definition), func(ph string) string {
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
		return nil, fmt.Errorf("sfn: no substitution for placeholder(s) %s", strings.Join(uniq(missing), ", "))
	}
	raw, err := decodeJSON([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("sfn: definition is not valid JSON: %v", err)
	}
	top, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("sfn: the definition must be a JSON object")
	}
	p := &parser{names: map[string]bool{}}
	for k, v := range top {
		switch k {
		case "StartAt", "States", "Comment":
		case "Version":
			if s, ok := v.(string); !ok || s != "1.0" {
				return nil, fmt.Errorf("sfn: Version must be \"1.0\", got %s", encodeString(v))
			}
		case "QueryLanguage":
			if err := checkQueryLanguage(v, "the state machine"); err != nil {
				return nil, err
			}
		case "TimeoutSeconds":
		default:
			if why, ok := refusedFields[k]; ok {
				return nil, fmt.Errorf("sfn: top-level field %q is not supported: %s", k, why)
			}
			return nil, fmt.Errorf("sfn: top-level field %q is not supported", k)
		}
	}
	m := &Machine{name: "StateMachine", definition: []byte(text)}
	if v, ok := top["TimeoutSeconds"]; ok {
		n, ok := asInt(v)
		if !ok || n < 1 || n > 99999999 {
			return nil, fmt.Errorf("sfn: top-level TimeoutSeconds must be an integer from 1 to 99999999, got %s", encodeString(v))
		}
		m.timeout = n
	}
	root, err := p.scope(top, "the state machine")
	if err != nil {
		return nil, err
	}
	m.root = root
	return m, nil
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
	// Every transition must stay inside the scope.
	for _, name := range sortedKeys(anyMap(sc.states)) {
		st := sc.states[name]
		check := func(target, field string) error {
			if _, ok := sc.states[target]; !ok {
				return fmt.Errorf("sfn: state %q: %s %q is not a state of the same scope", name, field, target)
			}
			return nil
		}
		if st.next != "" {
			if err := check(st.next, "Next"); err != nil {
				return nil, err
			}
		}
		for _, c := range st.catch {
			if err := check(c.next, "Catch Next"); err != nil {
				return nil, err
			}
		}
		for _, r := range st.choices {
			if err := check(r.next, "Choices Next"); err != nil {
				return nil, err
			}
		}
		if st.dflt != "" {
			if err := check(st.dflt, "Default"); err != nil {
				return nil, err
			}
		}
	}
	return sc, nil
}

func anyMap[T any](m map[string]T) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (p *parser) state(name string, raw any) (*state, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("sfn: state %q must be an object", name)
	}
	typ, _ := obj["Type"].(string)
	allowed, known := allowedFields[typ]
	if !known {
		return nil, fmt.Errorf("sfn: state %q: Type %s is not supported (supported: Task, Pass, Choice, Wait, Succeed, Fail, Map, Parallel)", name, encodeString(obj["Type"]))
	}
	st := &state{name: name, typ: typ}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("sfn: state %q (%s): %s", name, typ, fmt.Sprintf(format, a...))
	}
	ok2 := map[string]bool{}
	for _, f := range append(append([]string{}, commonFields...), allowed...) {
		ok2[f] = true
	}
	for _, k := range sortedKeys(obj) {
		if ok2[k] {
			continue
		}
		if why, refused := refusedFields[k]; refused {
			return nil, bad("field %q is not supported: %s", k, why)
		}
		return nil, bad("field %q is not supported by this interpreter for a %s state", k, typ)
	}
	if v, ok := obj["QueryLanguage"]; ok {
		if err := checkQueryLanguage(v, fmt.Sprintf("state %q", name)); err != nil {
			return nil, err
		}
	}
	if v, ok := obj["Comment"]; ok {
		if _, isStr := v.(string); !isStr {
			return nil, bad("Comment must be a string")
		}
	}

	// Transitions.
	if ok2["Next"] {
		next, hasNext := obj["Next"]
		end, hasEnd := obj["End"]
		switch {
		case hasNext && hasEnd:
			return nil, bad("Next and End cannot both be set")
		case hasNext:
			s, isStr := next.(string)
			if !isStr || s == "" {
				return nil, bad("Next must be a state name")
			}
			st.next = s
		case hasEnd:
			if b, isBool := end.(bool); !isBool || !b {
				return nil, bad("End must be true (or use Next)")
			}
			st.end = true
		default:
			return nil, bad("needs Next or \"End\": true")
		}
	}

	var err error
	pathField := func(field string, ref bool) (optPath, error) {
		v, ok := obj[field]
		if !ok {
			return optPath{}, nil
		}
		if v == nil {
			return optPath{set: true, null: true}, nil
		}
		s, isStr := v.(string)
		if !isStr {
			return optPath{}, bad("%s must be a path string or null", field)
		}
		var jp *jsonPath
		if ref {
			jp, err = parseRefPath(s)
		} else {
			jp, err = parsePath(s)
		}
		if err != nil {
			return optPath{}, bad("%s: %v", field, err)
		}
		if jp.context {
			return optPath{}, bad("%s cannot refer to the context object ($$)", field)
		}
		return optPath{set: true, path: jp}, nil
	}
	if st.inputPath, err = pathField("InputPath", false); err != nil {
		return nil, err
	}
	if st.outputPath, err = pathField("OutputPath", false); err != nil {
		return nil, err
	}
	if st.resultPath, err = pathField("ResultPath", true); err != nil {
		return nil, err
	}
	tmpl := func(field string) (*template, error) {
		v, ok := obj[field]
		if !ok {
			return nil, nil
		}
		if _, isObj := v.(map[string]any); !isObj {
			return nil, bad("%s must be a JSON object (a payload template)", field)
		}
		t, err := compileTemplate(v, field)
		if err != nil {
			return nil, bad("%v", err)
		}
		return t, nil
	}
	if st.parameters, err = tmpl("Parameters"); err != nil {
		return nil, err
	}
	if st.resultSelector, err = tmpl("ResultSelector"); err != nil {
		return nil, err
	}
	if v, ok := obj["Retry"]; ok {
		if st.retry, err = parseRetry(v); err != nil {
			return nil, bad("Retry: %v", err)
		}
	}
	if v, ok := obj["Catch"]; ok {
		if st.catch, err = parseCatch(v); err != nil {
			return nil, bad("Catch: %v", err)
		}
	}

	switch typ {
	case "Task":
		err = p.task(st, obj, bad)
	case "Pass":
		st.result, st.hasResult = obj["Result"]
	case "Choice":
		err = p.choice(st, obj, bad)
	case "Wait":
		err = p.wait(st, obj, bad)
	case "Fail":
		err = p.fail(st, obj, bad)
	case "Map":
		err = p.mapState(st, obj, bad)
	case "Parallel":
		list, isArr := obj["Branches"].([]any)
		if !isArr || len(list) == 0 {
			return nil, bad("Branches must be a non-empty array")
		}
		for i, b := range list {
			bo, isObj := b.(map[string]any)
			if !isObj {
				return nil, bad("Branches[%d] must be an object", i)
			}
			for k := range bo {
				if k != "StartAt" && k != "States" && k != "Comment" {
					return nil, bad("Branches[%d]: field %q is not supported", i, k)
				}
			}
			sc, err := p.scope(bo, fmt.Sprintf("state %q Branches[%d]", name, i))
			if err != nil {
				return nil, err
			}
			st.branches = append(st.branches, sc)
		}
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

var lambdaARN = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,140}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$`)

const (
	arnLambdaInvoke     = "arn:aws:states:::lambda:invoke"
	arnLambdaInvokeWait = "arn:aws:states:::lambda:invoke.waitForTaskToken"
)

func (p *parser) task(st *state, obj map[string]any, bad func(string, ...any) error) error {
	res, _ := obj["Resource"].(string)
	st.resource = res
	switch {
	case lambdaARN.MatchString(res):
		st.resKind = resLambdaARN
	case res == arnLambdaInvoke:
		st.resKind = resLambdaInvoke
	case res == arnLambdaInvokeWait:
		st.resKind = resLambdaInvokeWait
	default:
		return bad("Resource %s is not supported (supported: a Lambda function ARN arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER], %s, %s)", encodeString(obj["Resource"]), arnLambdaInvoke, arnLambdaInvokeWait)
	}
	if st.resKind != resLambdaARN {
		params, isObj := obj["Parameters"].(map[string]any)
		if !isObj {
			return bad("Parameters must be an object with FunctionName (and usually Payload) for %s", res)
		}
		hasFn := false
		for k, v := range params {
			switch k {
			case "FunctionName", "FunctionName.$":
				hasFn = true
			case "Payload", "Payload.$", "Qualifier", "Qualifier.$":
			case "InvocationType":
				if v != "RequestResponse" {
					return bad("Parameters.InvocationType %s is not supported (only RequestResponse)", encodeString(v))
				}
			default:
				return bad("Parameters field %q is not supported for %s (supported: FunctionName, Payload, Qualifier, InvocationType)", k, res)
			}
		}
		if !hasFn {
			return bad("Parameters.FunctionName is required for %s", res)
		}
		if st.resKind == resLambdaInvokeWait && !st.parameters.mentions("$$.Task.Token") {
			return bad("Parameters must pass the task token ($$.Task.Token) for %s", res)
		}
	}
	intField := func(field string) (int64, bool, error) {
		v, ok := obj[field]
		if !ok {
			return 0, false, nil
		}
		n, isInt := asInt(v)
		if !isInt || n < 1 || n > 99999999 {
			return 0, false, bad("%s must be an integer from 1 to 99999999, got %s", field, encodeString(v))
		}
		return n, true, nil
	}
	refField := func(field string) (*jsonPath, error) {
		v, ok := obj[field]
		if !ok {
			return nil, nil
		}
		s, isStr := v.(string)
		if !isStr {
			return nil, bad("%s must be a Reference Path", field)
		}
		jp, err := parseRefPath(s)
		if err != nil {
			return nil, bad("%s: %v", field, err)
		}
		return jp, nil
	}
	var err error
	if st.timeoutSeconds, st.hasTimeout, err = intField("TimeoutSeconds"); err != nil {
		return err
	}
	if st.heartbeat, st.hasHeartbeat, err = intField("HeartbeatSeconds"); err != nil {
		return err
	}
	if st.timeoutPath, err = refField("TimeoutSecondsPath"); err != nil {
		return err
	}
	if st.heartbeatPath, err = refField("HeartbeatSecondsPath"); err != nil {
		return err
	}
	if st.hasTimeout && st.timeoutPath != nil {
		return bad("TimeoutSeconds and TimeoutSecondsPath cannot both be set")
	}
	if st.hasHeartbeat && st.heartbeatPath != nil {
		return bad("HeartbeatSeconds and HeartbeatSecondsPath cannot both be set")
	}
	if (st.hasHeartbeat || st.heartbeatPath != nil) && st.resKind != resLambdaInvokeWait {
		return bad("HeartbeatSeconds is only implemented for callback tasks (%s): nothing else can send heartbeats", arnLambdaInvokeWait)
	}
	if st.hasHeartbeat && st.hasTimeout && st.heartbeat >= st.timeoutSeconds {
		return bad("HeartbeatSeconds (%d) must be smaller than TimeoutSeconds (%d)", st.heartbeat, st.timeoutSeconds)
	}
	return nil
}

func (p *parser) choice(st *state, obj map[string]any, bad func(string, ...any) error) error {
	list, isArr := obj["Choices"].([]any)
	if !isArr || len(list) == 0 {
		return bad("Choices must be a non-empty array")
	}
	for i, raw := range list {
		r, err := parseChoiceRule(raw, fmt.Sprintf("Choices[%d]", i), true)
		if err != nil {
			return bad("%v", err)
		}
		st.choices = append(st.choices, r)
	}
	if v, ok := obj["Default"]; ok {
		s, isStr := v.(string)
		if !isStr || s == "" {
			return bad("Default must be a state name")
		}
		st.dflt = s
	}
	return nil
}

func (p *parser) wait(st *state, obj map[string]any, bad func(string, ...any) error) error {
	n := 0
	for _, f := range []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"} {
		if _, ok := obj[f]; ok {
			n++
		}
	}
	if n != 1 {
		return bad("exactly one of Seconds, SecondsPath, Timestamp and TimestampPath is required")
	}
	if v, ok := obj["Seconds"]; ok {
		s, isInt := asInt(v)
		if !isInt || s < 0 || s > 99999999 {
			return bad("Seconds must be an integer from 0 to 99999999, got %s", encodeString(v))
		}
		st.waitSeconds = &s
	}
	if v, ok := obj["Timestamp"]; ok {
		s, _ := v.(string)
		t, valid := parseTimestamp(s)
		if !valid {
			return bad("Timestamp must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z, got %s", encodeString(v))
		}
		st.waitTimestamp = &t
	}
	for _, f := range []string{"SecondsPath", "TimestampPath"} {
		if v, ok := obj[f]; ok {
			s, _ := v.(string)
			jp, err := parseRefPath(s)
			if err != nil {
				return bad("%s: %v", f, err)
			}
			if f == "SecondsPath" {
				st.waitSecondsPath = jp
			} else {
				st.waitTimestampPath = jp
			}
		}
	}
	return nil
}

func (p *parser) fail(st *state, obj map[string]any, bad func(string, ...any) error) error {
	for _, pair := range [][2]string{{"Error", "ErrorPath"}, {"Cause", "CausePath"}} {
		lit, hasLit := obj[pair[0]]
		dyn, hasDyn := obj[pair[1]]
		if hasLit && hasDyn {
			return bad("%s and %s cannot both be set", pair[0], pair[1])
		}
		if hasLit {
			s, isStr := lit.(string)
			if !isStr {
				return bad("%s must be a string", pair[0])
			}
			if pair[0] == "Error" {
				st.errorName, st.hasError = s, true
			} else {
				st.cause, st.hasCause = s, true
			}
		}
		if hasDyn {
			s, isStr := dyn.(string)
			if !isStr {
				return bad("%s must be a Reference Path or an intrinsic function", pair[1])
			}
			d := &dynString{}
			var err error
			if isIntrinsic(s) {
				d.call, err = parseIntrinsic(s)
			} else {
				d.path, err = parseRefPath(s)
			}
			if err != nil {
				return bad("%s: %v", pair[1], err)
			}
			if pair[0] == "Error" {
				st.errorDyn = d
			} else {
				st.causeDyn = d
			}
		}
	}
	return nil
}

func (p *parser) mapState(st *state, obj map[string]any, bad func(string, ...any) error) error {
	proc, hasProc := obj["ItemProcessor"]
	iter, hasIter := obj["Iterator"]
	switch {
	case hasProc && hasIter:
		return bad("ItemProcessor and Iterator cannot both be set")
	case !hasProc && !hasIter:
		return bad("ItemProcessor (or the legacy Iterator) is required")
	}
	var body map[string]any
	if hasIter {
		o, isObj := iter.(map[string]any)
		if !isObj {
			return bad("Iterator must be an object")
		}
		for k := range o {
			if k != "StartAt" && k != "States" && k != "Comment" {
				return bad("Iterator: field %q is not supported", k)
			}
		}
		body = o
	} else {
		o, isObj := proc.(map[string]any)
		if !isObj {
			return bad("ItemProcessor must be an object")
		}
		for k, v := range o {
			switch k {
			case "StartAt", "States", "Comment":
			case "ProcessorConfig":
				pc, isObj := v.(map[string]any)
				if !isObj {
					return bad("ItemProcessor.ProcessorConfig must be an object")
				}
				mode, _ := pc["Mode"].(string)
				if mode == "" {
					mode = "INLINE"
				}
				for pk, pv := range pc {
					switch pk {
					case "Mode":
						if mode != "INLINE" && mode != "DISTRIBUTED" {
							return bad("ItemProcessor.ProcessorConfig.Mode must be INLINE or DISTRIBUTED, got %s", encodeString(pv))
						}
					case "ExecutionType":
						if mode != "DISTRIBUTED" {
							return bad("ItemProcessor.ProcessorConfig.ExecutionType is only valid with Mode DISTRIBUTED")
						}
						if pv != "STANDARD" && pv != "EXPRESS" {
							return bad("ItemProcessor.ProcessorConfig.ExecutionType must be STANDARD or EXPRESS, got %s", encodeString(pv))
						}
					default:
						return bad("ItemProcessor.ProcessorConfig: field %q is not supported", pk)
					}
				}
				if mode == "DISTRIBUTED" {
					if _, ok := pc["ExecutionType"]; !ok {
						return bad("ItemProcessor.ProcessorConfig.ExecutionType (STANDARD or EXPRESS) is required with Mode DISTRIBUTED")
					}
					st.distributed = true
				}
			default:
				return bad("ItemProcessor: field %q is not supported", k)
			}
		}
		body = o
	}
	sc, err := p.scope(body, fmt.Sprintf("state %q ItemProcessor", st.name))
	if err != nil {
		return err
	}
	st.processor = sc

	if v, ok := obj["ItemsPath"]; ok {
		s, _ := v.(string)
		if st.itemsPath, err = parseRefPath(s); err != nil {
			return bad("ItemsPath: %v", err)
		}
	}
	_, hasSel := obj["ItemSelector"]
	_, hasParams := obj["Parameters"]
	if hasSel && hasParams {
		return bad("ItemSelector and the legacy Parameters cannot both be set")
	}
	if hasSel {
		if _, isObj := obj["ItemSelector"].(map[string]any); !isObj {
			return bad("ItemSelector must be a JSON object (a payload template)")
		}
		if st.itemSelector, err = compileTemplate(obj["ItemSelector"], "ItemSelector"); err != nil {
			return bad("%v", err)
		}
	} else if hasParams {
		// In a Map state, the legacy Parameters field is the item selector.
		st.itemSelector, st.parameters = st.parameters, nil
	}
	if v, ok := obj["MaxConcurrency"]; ok {
		n, isInt := asInt(v)
		if !isInt || n < 0 {
			return bad("MaxConcurrency must be a non-negative integer, got %s", encodeString(v))
		}
		st.maxConcurrency = n
	}
	refField := func(field string) (*jsonPath, error) {
		v, ok := obj[field]
		if !ok {
			return nil, nil
		}
		s, _ := v.(string)
		jp, err := parseRefPath(s)
		if err != nil {
			return nil, bad("%s: %v", field, err)
		}
		return jp, nil
	}
	if st.maxConcurrencyPath, err = refField("MaxConcurrencyPath"); err != nil {
		return err
	}
	if _, ok := obj["MaxConcurrency"]; ok && st.maxConcurrencyPath != nil {
		return bad("MaxConcurrency and MaxConcurrencyPath cannot both be set")
	}
	for _, f := range []string{"ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "Label"} {
		if _, ok := obj[f]; ok && !st.distributed {
			return bad("%s is a Distributed Map field: AWS documents it only with ItemProcessor.ProcessorConfig {\"Mode\": \"DISTRIBUTED\", \"ExecutionType\": …}; in INLINE mode any failed iteration fails the Map state", f)
		}
	}
	if v, ok := obj["ToleratedFailureCount"]; ok {
		n, isInt := asInt(v)
		if !isInt || n < 0 {
			return bad("ToleratedFailureCount must be a non-negative integer, got %s", encodeString(v))
		}
		st.tolCount = &n
	}
	if v, ok := obj["ToleratedFailurePercentage"]; ok {
		r, isNum := numRat(v)
		if !isNum || r.Sign() < 0 || r.Cmp(big.NewRat(100, 1)) > 0 {
			return bad("ToleratedFailurePercentage must be a number from 0 to 100, got %s", encodeString(v))
		}
		st.tolPct = r
	}
	if st.tolCountPath, err = refField("ToleratedFailureCountPath"); err != nil {
		return err
	}
	if st.tolPctPath, err = refField("ToleratedFailurePercentagePath"); err != nil {
		return err
	}
	if st.tolCount != nil && st.tolCountPath != nil {
		return bad("ToleratedFailureCount and ToleratedFailureCountPath cannot both be set")
	}
	if st.tolPct != nil && st.tolPctPath != nil {
		return bad("ToleratedFailurePercentage and ToleratedFailurePercentagePath cannot both be set")
	}
	if v, ok := obj["Label"]; ok {
		if s, isStr := v.(string); !isStr || len(s) > 40 {
			return bad("Label must be a string of at most 40 characters")
		}
	}
	return nil
}

func parseErrorEquals(obj map[string]any, last bool) ([]string, error) {
	list, ok := obj["ErrorEquals"].([]any)
	if !ok || len(list) == 0 {
		return nil, errors.New("ErrorEquals must be a non-empty array of error names")
	}
	var out []string
	for _, v := range list {
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, errors.New("ErrorEquals must contain non-empty strings")
		}
		out = append(out, s)
	}
	for _, s := range out {
		if s == errAll {
			if len(out) != 1 {
				return nil, errors.New("States.ALL must appear alone in ErrorEquals")
			}
			if !last {
				return nil, errors.New("States.ALL must be in the last retrier/catcher")
			}
		}
	}
	return out, nil
}

func parseRetry(v any) ([]*retrier, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("must be an array")
	}
	var out []*retrier
	for i, raw := range list {
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("[%d] must be an object", i)
		}
		for k := range obj {
			switch k {
			case "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment":
			default:
				return nil, fmt.Errorf("[%d]: field %q is not supported", i, k)
			}
		}
		r := &retrier{interval: 1, maxAttempts: 3, backoff: 2}
		var err error
		if r.errorEquals, err = parseErrorEquals(obj, i == len(list)-1); err != nil {
			return nil, fmt.Errorf("[%d]: %v", i, err)
		}
		if v, ok := obj["IntervalSeconds"]; ok {
			n, isInt := asInt(v)
			if !isInt || n < 1 || n > 99999999 {
				return nil, fmt.Errorf("[%d]: IntervalSeconds must be an integer from 1 to 99999999", i)
			}
			r.interval = float64(n)
		}
		if v, ok := obj["MaxAttempts"]; ok {
			n, isInt := asInt(v)
			if !isInt || n < 0 || n > 99999999 {
				return nil, fmt.Errorf("[%d]: MaxAttempts must be an integer from 0 to 99999999", i)
			}
			r.maxAttempts = n
		}
		if v, ok := obj["BackoffRate"]; ok {
			rt, isNum := numRat(v)
			f := 0.0
			if isNum {
				f, _ = rt.Float64()
			}
			if !isNum || f < 1 {
				return nil, fmt.Errorf("[%d]: BackoffRate must be a number ≥ 1.0", i)
			}
			r.backoff = f
		}
		if v, ok := obj["MaxDelaySeconds"]; ok {
			n, isInt := asInt(v)
			if !isInt || n < 1 || n >= 31622401 {
				return nil, fmt.Errorf("[%d]: MaxDelaySeconds must be an integer from 1 to 31622400", i)
			}
			r.maxDelay = float64(n)
		}
		if v, ok := obj["JitterStrategy"]; ok {
			switch v {
			case "FULL":
				r.fullJitter = true
			case "NONE":
			default:
				return nil, fmt.Errorf("[%d]: JitterStrategy must be FULL or NONE", i)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func parseCatch(v any) ([]*catcher, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("must be an array")
	}
	var out []*catcher
	for i, raw := range list {
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("[%d] must be an object", i)
		}
		for k := range obj {
			switch k {
			case "ErrorEquals", "Next", "ResultPath", "Comment":
			default:
				if why, refused := refusedFields[k]; refused {
					return nil, fmt.Errorf("[%d]: field %q is not supported: %s", i, k, why)
				}
				return nil, fmt.Errorf("[%d]: field %q is not supported", i, k)
			}
		}
		c := &catcher{}
		var err error
		if c.errorEquals, err = parseErrorEquals(obj, i == len(list)-1); err != nil {
			return nil, fmt.Errorf("[%d]: %v", i, err)
		}
		next, _ := obj["Next"].(string)
		if next == "" {
			return nil, fmt.Errorf("[%d]: Next is required", i)
		}
		c.next = next
		if v, ok := obj["ResultPath"]; ok {
			c.resultPath.set = true
			if v == nil {
				c.resultPath.null = true
			} else {
				s, _ := v.(string)
				jp, err := parseRefPath(s)
				if err != nil {
					return nil, fmt.Errorf("[%d]: ResultPath: %v", i, err)
				}
				if jp.context {
					return nil, fmt.Errorf("[%d]: ResultPath cannot refer to the context object", i)
				}
				c.resultPath.path = jp
			}
		}
		out = append(out, c)
	}
	return out, nil
}
