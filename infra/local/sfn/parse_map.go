package sfn

import (
	"fmt"
	"slices"
)

// scopeObject checks a nested {StartAt, States} object (a Parallel branch,
// a Map's Iterator or ItemProcessor) for fields besides extra.
func (f fields) scopeObject(v any, where string, extra ...string) (map[string]any, error) {
	o, isObj := v.(map[string]any)
	if !isObj {
		return nil, f.bad("%s must be an object", where)
	}
	for k := range o {
		if k != "StartAt" && k != "States" && k != "Comment" && !slices.Contains(extra, k) {
			return nil, f.bad("%s: field %q is not supported", where, k)
		}
	}
	return o, nil
}

func (p *parser) parallel(st *state, f fields) error {
	list, isArr := f.obj["Branches"].([]any)
	if !isArr || len(list) == 0 {
		return f.bad("Branches must be a non-empty array")
	}
	for i, b := range list {
		bo, err := f.scopeObject(b, fmt.Sprintf("Branches[%d]", i))
		if err != nil {
			return err
		}
		sc, err := p.scope(bo, fmt.Sprintf("state %q Branches[%d]", st.name, i))
		if err != nil {
			return err
		}
		st.branches = append(st.branches, sc)
	}
	return nil
}

func (p *parser) mapState(st *state, f fields) error {
	body, err := f.mapProcessor(st)
	if err != nil {
		return err
	}
	if st.processor, err = p.scope(body, fmt.Sprintf("state %q ItemProcessor", st.name)); err != nil {
		return err
	}
	if st.itemsPath, err = f.refPath("ItemsPath"); err != nil {
		return err
	}
	if err := f.itemSelector(st); err != nil {
		return err
	}
	if err := f.exclusive("MaxConcurrency", "MaxConcurrencyPath"); err != nil {
		return err
	}
	if mc, err := f.integer("MaxConcurrency", 0, noMax); err != nil {
		return err
	} else if mc != nil {
		st.maxConcurrency = *mc
	}
	if st.maxConcurrencyPath, err = f.refPath("MaxConcurrencyPath"); err != nil {
		return err
	}
	return f.distributedFields(st)
}

// mapProcessor returns the iteration's {StartAt, States}: ItemProcessor
// (whose ProcessorConfig may make the Map distributed) or the legacy
// Iterator.
func (f fields) mapProcessor(st *state) (map[string]any, error) {
	proc, hasProc := f.obj["ItemProcessor"]
	iter, hasIter := f.obj["Iterator"]
	switch {
	case hasProc && hasIter:
		return nil, f.bad("ItemProcessor and Iterator cannot both be set")
	case hasIter:
		return f.scopeObject(iter, "Iterator")
	case !hasProc:
		return nil, f.bad("ItemProcessor (or the legacy Iterator) is required")
	}
	o, err := f.scopeObject(proc, "ItemProcessor", "ProcessorConfig")
	if err != nil {
		return nil, err
	}
	if pc, ok := o["ProcessorConfig"]; ok {
		if st.distributed, err = f.processorConfig(pc); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// processorConfig reads ItemProcessor.ProcessorConfig and reports whether
// the Map is distributed.
func (f fields) processorConfig(v any) (bool, error) {
	const where = "ItemProcessor.ProcessorConfig"
	pc, isObj := v.(map[string]any)
	if !isObj {
		return false, f.bad("%s must be an object", where)
	}
	mode, _ := pc["Mode"].(string)
	if mode == "" {
		mode = "INLINE"
	}
	for k, pv := range pc {
		switch k {
		case "Mode":
			if mode != "INLINE" && mode != "DISTRIBUTED" {
				return false, f.bad("%s.Mode must be INLINE or DISTRIBUTED, got %s", where, encodeString(pv))
			}
		case "ExecutionType":
			if mode != "DISTRIBUTED" {
				return false, f.bad("%s.ExecutionType is only valid with Mode DISTRIBUTED", where)
			}
			if pv != "STANDARD" && pv != "EXPRESS" {
				return false, f.bad("%s.ExecutionType must be STANDARD or EXPRESS, got %s", where, encodeString(pv))
			}
		default:
			return false, f.bad("%s: field %q is not supported", where, k)
		}
	}
	if _, ok := pc["ExecutionType"]; mode == "DISTRIBUTED" && !ok {
		return false, f.bad("%s.ExecutionType (STANDARD or EXPRESS) is required with Mode DISTRIBUTED", where)
	}
	return mode == "DISTRIBUTED", nil
}

// itemSelector reads ItemSelector, or the legacy Parameters, which in a Map
// state is the item selector.
func (f fields) itemSelector(st *state) error {
	if f.has("ItemSelector") && f.has("Parameters") {
		return f.bad("ItemSelector and the legacy Parameters cannot both be set")
	}
	if f.has("Parameters") {
		st.itemSelector, st.parameters = st.parameters, nil
		return nil
	}
	var err error
	st.itemSelector, err = f.template("ItemSelector")
	return err
}

// distributedFields reads the fields AWS documents only for Distributed
// Map: the failure tolerance and Label.
func (f fields) distributedFields(st *state) error {
	for _, field := range []string{"ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "Label"} {
		if f.has(field) && !st.distributed {
			return f.bad("%s is a Distributed Map field: AWS documents it only with ItemProcessor.ProcessorConfig {\"Mode\": \"DISTRIBUTED\", \"ExecutionType\": …}; in INLINE mode any failed iteration fails the Map state", field)
		}
	}
	for _, field := range []string{"ToleratedFailureCount", "ToleratedFailurePercentage"} {
		if err := f.exclusive(field, field+"Path"); err != nil {
			return err
		}
	}
	var err error
	if st.tolCount, err = f.integer("ToleratedFailureCount", 0, noMax); err != nil {
		return err
	}
	if v, ok := f.obj["ToleratedFailurePercentage"]; ok {
		r, valid := percentage(v)
		if !valid {
			return f.bad("ToleratedFailurePercentage must be a number from 0 to 100, got %s", encodeString(v))
		}
		st.tolPct = r
	}
	if st.tolCountPath, err = f.refPath("ToleratedFailureCountPath"); err != nil {
		return err
	}
	if st.tolPctPath, err = f.refPath("ToleratedFailurePercentagePath"); err != nil {
		return err
	}
	if v, ok := f.obj["Label"]; ok {
		if s, isStr := v.(string); !isStr || len(s) > 40 {
			return f.bad("Label must be a string of at most 40 characters")
		}
	}
	return nil
}
