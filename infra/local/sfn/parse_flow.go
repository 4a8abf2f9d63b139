package sfn

import "fmt"

// The states that steer an execution without running work: Choice, Wait,
// Fail. (Pass and Succeed have only the shared fields.)

func parseChoice(st *state, f fields) error {
	list, isArr := f.obj["Choices"].([]any)
	if !isArr || len(list) == 0 {
		return f.bad("Choices must be a non-empty array")
	}
	for i, raw := range list {
		r, err := parseChoiceRule(raw, fmt.Sprintf("Choices[%d]", i), true)
		if err != nil {
			return f.bad("%v", err)
		}
		st.choices = append(st.choices, r)
	}
	if v, ok := f.obj["Default"]; ok {
		s, isStr := v.(string)
		if !isStr || s == "" {
			return f.bad("Default must be a state name")
		}
		st.dflt = s
	}
	return nil
}

func parseWait(st *state, f fields) error {
	n := 0
	for _, field := range []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"} {
		if f.has(field) {
			n++
		}
	}
	if n != 1 {
		return f.bad("exactly one of Seconds, SecondsPath, Timestamp and TimestampPath is required")
	}
	var err error
	if st.waitSeconds, err = f.integer("Seconds", 0, 99999999); err != nil {
		return err
	}
	if v, ok := f.obj["Timestamp"]; ok {
		s, _ := v.(string)
		t, valid := parseTimestamp(s)
		if !valid {
			return f.bad("Timestamp must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z, got %s", encodeString(v))
		}
		st.waitTimestamp = &t
	}
	if st.waitSecondsPath, err = f.refPath("SecondsPath"); err != nil {
		return err
	}
	st.waitTimestampPath, err = f.refPath("TimestampPath")
	return err
}

func parseFail(st *state, f fields) error {
	var err error
	if st.errorName, st.hasError, st.errorDyn, err = f.failField("Error"); err != nil {
		return err
	}
	st.cause, st.hasCause, st.causeDyn, err = f.failField("Cause")
	return err
}

// failField reads Error or Cause, or its Path variant: a Reference Path or
// an intrinsic function.
func (f fields) failField(field string) (lit string, hasLit bool, dyn *dynString, err error) {
	pathField := field + "Path"
	if err := f.exclusive(field, pathField); err != nil {
		return "", false, nil, err
	}
	if v, ok := f.obj[field]; ok {
		s, isStr := v.(string)
		if !isStr {
			return "", false, nil, f.bad("%s must be a string", field)
		}
		return s, true, nil, nil
	}
	v, ok := f.obj[pathField]
	if !ok {
		return "", false, nil, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", false, nil, f.bad("%s must be a Reference Path or an intrinsic function", pathField)
	}
	dyn = &dynString{}
	if isIntrinsic(s) {
		dyn.call, err = parseIntrinsic(s)
	} else {
		dyn.path, err = parseRefPath(s)
	}
	if err != nil {
		return "", false, nil, f.bad("%s: %v", pathField, err)
	}
	return "", false, dyn, nil
}
