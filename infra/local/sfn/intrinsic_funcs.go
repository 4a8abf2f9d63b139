package sfn

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// intrinsic is one States.* function: its arity, the types of its leading
// arguments (converted before apply runs, so apply can assert them), a check
// of its literal arguments when parsing (optional), and its implementation.
type intrinsic struct {
	min, max int // max -1: variadic
	types    []argType
	check    func(c *iCall) error
	apply    func(c *iCall, args []any, env *evalEnv) (any, error)
}

// argType is what an argument must be; the conversion's error is the
// function's error.
type argType int

const (
	anyValue     argType = iota
	anInt                // int64 (intArg)
	anArray              // []any
	aString              // string
	aShortString         // string of at most maxIntrinsicInput characters
)

func (t argType) convert(v any) (any, error) {
	switch t {
	case anInt:
		n, err := intArg(v)
		return n, err
	case anArray:
		return arrayArg(v)
	case aString:
		return stringArg(v)
	case aShortString:
		return limitedString(v)
	}
	return v, nil
}

// pure adapts a function of the arguments alone.
func pure(f func(args []any) (any, error)) func(*iCall, []any, *evalEnv) (any, error) {
	return func(_ *iCall, args []any, _ *evalEnv) (any, error) { return f(args) }
}

func types(t ...argType) []argType { return t }

var intrinsics = map[string]intrinsic{
	"States.Format":         {1, -1, nil, checkFormat, func(c *iCall, args []any, _ *evalEnv) (any, error) { return c.format(args) }},
	"States.StringToJson":   {1, 1, types(aString), nil, pure(stringToJSON)},
	"States.JsonToString":   {1, 1, nil, nil, pure(func(args []any) (any, error) { return encodeString(args[0]), nil })},
	"States.Array":          {0, -1, nil, nil, pure(func(args []any) (any, error) { return append([]any{}, args...), nil })},
	"States.ArrayPartition": {2, 2, types(anArray), nil, pure(arrayPartition)},
	"States.ArrayContains":  {2, 2, types(anArray), nil, pure(arrayContains)},
	"States.ArrayRange":     {3, 3, types(anInt, anInt, anInt), nil, pure(arrayRange)},
	"States.ArrayGetItem":   {2, 2, types(anArray, anInt), nil, pure(arrayGetItem)},
	"States.ArrayLength":    {1, 1, types(anArray), nil, pure(func(args []any) (any, error) { return intNumber(int64(len(args[0].([]any)))), nil })},
	"States.ArrayUnique":    {1, 1, types(anArray), nil, pure(arrayUnique)},
	"States.Base64Encode":   {1, 1, types(aShortString), nil, pure(base64Encode)},
	"States.Base64Decode":   {1, 1, types(aShortString), nil, pure(base64Decode)},
	"States.Hash":           {2, 2, types(aShortString), nil, pure(hashString)},
	"States.JsonMerge":      {3, 3, nil, checkJSONMerge, pure(jsonMerge)},
	"States.MathRandom":     {2, 3, types(anInt, anInt), nil, mathRandom},
	"States.MathAdd":        {2, 2, types(anInt, anInt), nil, pure(func(args []any) (any, error) { return intNumber(args[0].(int64) + args[1].(int64)), nil })},
	"States.StringSplit":    {2, 2, nil, nil, pure(stringSplit)},
	"States.UUID":           {0, 0, nil, nil, func(_ *iCall, _ []any, env *evalEnv) (any, error) { return env.rt.uuid(), nil }},
}

// call converts the typed arguments and applies the function.
func (in intrinsic) call(c *iCall, args []any, env *evalEnv) (any, error) {
	typed := append([]any(nil), args...)
	for i, t := range in.types {
		v, err := t.convert(typed[i])
		if err != nil {
			return nil, err
		}
		typed[i] = v
	}
	return in.apply(c, typed, env)
}

func intrinsicNames() []string {
	m := map[string]any{}
	for k := range intrinsics {
		m[k] = nil
	}
	return sortedKeys(m)
}

// arity checks the number of arguments of a call to name.
func (in intrinsic) arity(name string, n int) error {
	if n >= in.min && (in.max < 0 || n <= in.max) {
		return nil
	}
	want := fmt.Sprint(in.min)
	if in.max < 0 {
		want = fmt.Sprintf("at least %d", in.min)
	} else if in.max != in.min {
		want = fmt.Sprintf("%d to %d", in.min, in.max)
	}
	return fmt.Errorf("%s takes %s argument(s), got %d", name, want, n)
}

func checkFormat(c *iCall) error {
	a := c.args[0]
	if a.kind != argLit {
		return nil
	}
	if _, ok := a.lit.(string); !ok {
		return errors.New("States.Format: the first argument must be a string")
	}
	if n := countPlaceholders(a.raw); n != len(c.args)-1 {
		return fmt.Errorf("States.Format: %d {} placeholder(s) but %d value argument(s)", n, len(c.args)-1)
	}
	return nil
}

func checkJSONMerge(c *iCall) error {
	if a := c.args[2]; a.kind == argLit {
		if b, ok := a.lit.(bool); !ok || b {
			return errors.New("States.JsonMerge: the third argument must be false (Step Functions only supports shallow merging)")
		}
	}
	return nil
}

func stringToJSON(args []any) (any, error) {
	v, err := decodeJSON([]byte(args[0].(string)))
	if err != nil {
		return nil, fmt.Errorf("the string is not valid JSON: %v", err)
	}
	return v, nil
}

func arrayPartition(args []any) (any, error) {
	arr := args[0].([]any)
	n, err := intArg(args[1])
	if err != nil || n <= 0 {
		return nil, errors.New("the chunk size must be a positive integer")
	}
	out := []any{}
	for i := 0; i < len(arr); i += int(n) {
		out = append(out, append([]any{}, arr[i:min(i+int(n), len(arr))]...))
	}
	return out, nil
}

func arrayContains(args []any) (any, error) {
	for _, v := range args[0].([]any) {
		if jsonEqual(v, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func arrayRange(args []any) (any, error) {
	start, end, step := args[0].(int64), args[1].(int64), args[2].(int64)
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
}

func arrayGetItem(args []any) (any, error) {
	arr, i := args[0].([]any), args[1].(int64)
	if i < 0 || i >= int64(len(arr)) {
		return nil, fmt.Errorf("index %d is out of bounds (length %d)", i, len(arr))
	}
	return arr[i], nil
}

func arrayUnique(args []any) (any, error) {
	out := []any{}
next:
	for _, v := range args[0].([]any) {
		for _, w := range out {
			if jsonEqual(v, w) {
				continue next
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func base64Encode(args []any) (any, error) {
	return base64.StdEncoding.EncodeToString([]byte(args[0].(string))), nil
}

func base64Decode(args []any) (any, error) {
	b, err := base64.StdEncoding.DecodeString(args[0].(string))
	if err != nil {
		return nil, fmt.Errorf("invalid base64: %v", err)
	}
	if !utf8.Valid(b) {
		return nil, errors.New("the decoded data is not UTF-8 text")
	}
	return string(b), nil
}

var hashes = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

func hashString(args []any) (any, error) {
	alg, _ := args[1].(string)
	newHash, ok := hashes[alg]
	if !ok {
		return nil, fmt.Errorf("unknown hash algorithm %s (use MD5, SHA-1, SHA-256, SHA-384 or SHA-512)", encodeString(args[1]))
	}
	h := newHash()
	h.Write([]byte(args[0].(string)))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func jsonMerge(args []any) (any, error) {
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
}

func mathRandom(_ *iCall, args []any, env *evalEnv) (any, error) {
	start, end := args[0].(int64), args[1].(int64)
	if end <= start {
		return nil, fmt.Errorf("the end (%d) must be greater than the start (%d)", end, start)
	}
	r := env.rt.randUint64
	if len(args) == 3 {
		seed, err := intArg(args[2])
		if err != nil {
			return nil, err
		}
		r = rand.New(rand.NewPCG(uint64(seed), 0x5eed)).Uint64
	}
	return intNumber(start + int64(r()%uint64(end-start))), nil
}

func stringSplit(args []any) (any, error) {
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

func stringArg(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("expected a string, got %s", typeName(v))
	}
	return s, nil
}

const maxIntrinsicInput = 10000

func limitedString(v any) (string, error) {
	s, err := stringArg(v)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(s) > maxIntrinsicInput {
		return "", fmt.Errorf("the input has more than %d characters", maxIntrinsicInput)
	}
	return s, nil
}
