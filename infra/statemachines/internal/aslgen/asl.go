package aslgen

import (
	"bytes"
	"encoding/json"
)

// The Amazon States Language shapes the generated definitions use. Fields
// are in the order a reader expects; omitempty leaves out what a state does
// not have.

// obj is a JSON object that keeps its keys in the order written (states
// read top to bottom in run order; parameters as the step declares them).
type obj []field

type field struct {
	key string
	val any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.val)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

type retrier struct {
	ErrorEquals     []string
	IntervalSeconds int
	MaxAttempts     int
	BackoffRate     json.Number
	MaxDelaySeconds int `json:",omitempty"`
	JitterStrategy  string
}

type catcher struct {
	ErrorEquals []string
	ResultPath  string
	Next        string
}

type task struct {
	Type           string // Task
	Comment        string `json:",omitempty"`
	Resource       string
	Parameters     obj     `json:",omitempty"` // none: the state's whole input
	ResultPath     *string // nil: the result is dropped (JSON null)
	OutputPath     string  `json:",omitempty"`
	TimeoutSeconds int
	Retry          []retrier
	Catch          []catcher `json:",omitempty"`
	Next           string    `json:",omitempty"`
	End            bool      `json:",omitempty"`
}

type choiceRule struct {
	Variable      string
	StringEquals  string `json:",omitempty"`
	StringMatches string `json:",omitempty"`
	BooleanEquals *bool  `json:",omitempty"`
	IsPresent     *bool  `json:",omitempty"`
	// NumericGreaterThan is a pointer so that 0 is written.
	NumericGreaterThan *int `json:",omitempty"`
	Next               string
}

type choice struct {
	Type    string // Choice
	Comment string `json:",omitempty"`
	Choices []choiceRule
	Default string
}

type mapState struct {
	Type               string // Map
	ItemsPath          string
	MaxConcurrencyPath string
	Label              string `json:",omitempty"`
	ItemSelector       obj
	ItemProcessor      processor
	ResultPath         *string
	Catch              []catcher
	Next               string
}

type processor struct {
	ProcessorConfig struct {
		Mode          string
		ExecutionType string `json:",omitempty"` // DISTRIBUTED only
	}
	StartAt string
	States  obj
}

type wait struct {
	Type        string // Wait
	Comment     string `json:",omitempty"`
	SecondsPath string
	OutputPath  string `json:",omitempty"`
	Next        string `json:",omitempty"`
	End         bool   `json:",omitempty"`
}

type pass struct {
	Type       string // Pass
	InputPath  string `json:",omitempty"`
	Result     obj    `json:",omitempty"`
	ResultPath string
	Next       string
}

// refusal routes a refused reserve (ops.Hold.Refused: a result, so no Lambda
// error) to failed the way a caught error goes: its Error and Cause become
// $.error: the Choice after the reserve goes to the Pass named refused,
// which goes to failed; a hold goes on to next.
func refusal(refused, failed, next string) (choice, pass) {
	yes := true
	return choice{Type: "Choice", Comment: "The account could not cover the estimate: record that, as a caught error would be.",
			Choices: []choiceRule{{Variable: "$.hold.refused", IsPresent: &yes, Next: refused}}, Default: next},
		pass{Type: "Pass", InputPath: "$.hold.refused", ResultPath: "$.error", Next: failed}
}

type succeed struct {
	Type       string // Succeed
	OutputPath string `json:",omitempty"`
}

type fail struct {
	Type  string // Fail
	Error string
	Cause string
}

type machine struct {
	Comment        string
	StartAt        string
	TimeoutSeconds int
	States         obj
}

func path(p string) *string { return &p }

// encode writes v as the committed files are written: two-space indent,
// a final newline, no HTML escaping.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
