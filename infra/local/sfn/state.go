package sfn

import (
	"fmt"
	"math/big"
	"slices"
	"time"
)

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

// unsupportedField is the error for a field outside the allowed set, with
// the reason when ASL has the field but this interpreter refuses it.
func unsupportedField(k, suffix string) string {
	if why, refused := refusedFields[k]; refused {
		return fmt.Sprintf("field %q is not supported: %s", k, why)
	}
	return fmt.Sprintf("field %q is not supported%s", k, suffix)
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
	f := fields{obj: obj, name: name, typ: typ}
	st := &state{name: name, typ: typ}
	if err := f.shared(st, allowed); err != nil {
		return nil, err
	}
	if err := p.typed(st, f); err != nil {
		return nil, err
	}
	return st, nil
}

// typed parses the fields of one state type.
func (p *parser) typed(st *state, f fields) error {
	switch st.typ {
	case "Task":
		return parseTask(st, f)
	case "Pass":
		st.result, st.hasResult = f.obj["Result"]
	case "Choice":
		return parseChoice(st, f)
	case "Wait":
		return parseWait(st, f)
	case "Fail":
		return parseFail(st, f)
	case "Map":
		return p.mapState(st, f)
	case "Parallel":
		return p.parallel(st, f)
	}
	return nil
}

// shared parses the fields that several state types have in common:
// Comment, QueryLanguage, Next/End, the input/output paths, Parameters,
// ResultSelector, Retry and Catch. Whether a type may have a field at all is
// decided by allowed.
func (f fields) shared(st *state, allowed []string) error {
	if err := f.only(allowed); err != nil {
		return err
	}
	if v, ok := f.obj["QueryLanguage"]; ok {
		if err := checkQueryLanguage(v, fmt.Sprintf("state %q", f.name)); err != nil {
			return err
		}
	}
	if v, ok := f.obj["Comment"]; ok {
		if _, isStr := v.(string); !isStr {
			return f.bad("Comment must be a string")
		}
	}
	if slices.Contains(allowed, "Next") {
		if err := f.transition(st); err != nil {
			return err
		}
	}
	if err := f.dataFlow(st); err != nil {
		return err
	}
	return f.errorHandling(st)
}

// only refuses any field outside commonFields and allowed.
func (f fields) only(allowed []string) error {
	ok := map[string]bool{}
	for _, k := range append(append([]string{}, commonFields...), allowed...) {
		ok[k] = true
	}
	for _, k := range sortedKeys(f.obj) {
		if !ok[k] {
			return f.bad("%s", unsupportedField(k, " by this interpreter for a "+f.typ+" state"))
		}
	}
	return nil
}

// transition reads Next or End (exactly one).
func (f fields) transition(st *state) error {
	next, hasNext := f.obj["Next"]
	end, hasEnd := f.obj["End"]
	switch {
	case hasNext && hasEnd:
		return f.bad("Next and End cannot both be set")
	case hasNext:
		s, isStr := next.(string)
		if !isStr || s == "" {
			return f.bad("Next must be a state name")
		}
		st.next = s
	case hasEnd:
		if b, isBool := end.(bool); !isBool || !b {
			return f.bad("End must be true (or use Next)")
		}
		st.end = true
	default:
		return f.bad("needs Next or \"End\": true")
	}
	return nil
}

// dataFlow reads InputPath, OutputPath, ResultPath, Parameters and
// ResultSelector.
func (f fields) dataFlow(st *state) error {
	var err error
	if st.inputPath, err = f.optPath("InputPath", false); err != nil {
		return err
	}
	if st.outputPath, err = f.optPath("OutputPath", false); err != nil {
		return err
	}
	if st.resultPath, err = f.optPath("ResultPath", true); err != nil {
		return err
	}
	if st.parameters, err = f.template("Parameters"); err != nil {
		return err
	}
	st.resultSelector, err = f.template("ResultSelector")
	return err
}

func (f fields) errorHandling(st *state) error {
	var err error
	if v, ok := f.obj["Retry"]; ok {
		if st.retry, err = parseRetry(v); err != nil {
			return f.bad("Retry: %v", err)
		}
	}
	if v, ok := f.obj["Catch"]; ok {
		if st.catch, err = parseCatch(v); err != nil {
			return f.bad("Catch: %v", err)
		}
	}
	return nil
}
