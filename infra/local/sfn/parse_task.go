package sfn

import "regexp"

var lambdaARN = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,140}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$`)

const (
	arnLambdaInvoke     = "arn:aws:states:::lambda:invoke"
	arnLambdaInvokeWait = "arn:aws:states:::lambda:invoke.waitForTaskToken"
)

func parseTask(st *state, f fields) error {
	if err := parseResource(st, f); err != nil {
		return err
	}
	return parseTaskTimeouts(st, f)
}

// parseResource reads Resource and, for the lambda:invoke integrations, the
// Parameters they need.
func parseResource(st *state, f fields) error {
	res, _ := f.obj["Resource"].(string)
	st.resource = res
	switch {
	case lambdaARN.MatchString(res):
		st.resKind = resLambdaARN
		return nil
	case res == arnLambdaInvoke:
		st.resKind = resLambdaInvoke
	case res == arnLambdaInvokeWait:
		st.resKind = resLambdaInvokeWait
	default:
		return f.bad("Resource %s is not supported (supported: a Lambda function ARN arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER], %s, %s)", encodeString(f.obj["Resource"]), arnLambdaInvoke, arnLambdaInvokeWait)
	}
	params, isObj := f.obj["Parameters"].(map[string]any)
	if !isObj {
		return f.bad("Parameters must be an object with FunctionName (and usually Payload) for %s", res)
	}
	hasFn := false
	for k, v := range params {
		switch k {
		case "FunctionName", "FunctionName.$":
			hasFn = true
		case "Payload", "Payload.$", "Qualifier", "Qualifier.$":
		case "InvocationType":
			if v != "RequestResponse" {
				return f.bad("Parameters.InvocationType %s is not supported (only RequestResponse)", encodeString(v))
			}
		default:
			return f.bad("Parameters field %q is not supported for %s (supported: FunctionName, Payload, Qualifier, InvocationType)", k, res)
		}
	}
	if !hasFn {
		return f.bad("Parameters.FunctionName is required for %s", res)
	}
	if st.resKind == resLambdaInvokeWait && !st.parameters.mentions("$$.Task.Token") {
		return f.bad("Parameters must pass the task token ($$.Task.Token) for %s", res)
	}
	return nil
}

// parseTaskTimeouts reads TimeoutSeconds(Path) and HeartbeatSeconds(Path).
func parseTaskTimeouts(st *state, f fields) error {
	for _, field := range []string{"TimeoutSeconds", "HeartbeatSeconds"} {
		if err := f.exclusive(field, field+"Path"); err != nil {
			return err
		}
	}
	timeout, err := f.integer("TimeoutSeconds", 1, 99999999)
	if err != nil {
		return err
	}
	heartbeat, err := f.integer("HeartbeatSeconds", 1, 99999999)
	if err != nil {
		return err
	}
	if st.timeoutPath, err = f.refPath("TimeoutSecondsPath"); err != nil {
		return err
	}
	if st.heartbeatPath, err = f.refPath("HeartbeatSecondsPath"); err != nil {
		return err
	}
	if timeout != nil {
		st.timeoutSeconds, st.hasTimeout = *timeout, true
	}
	if heartbeat != nil {
		st.heartbeat, st.hasHeartbeat = *heartbeat, true
	}
	if (st.hasHeartbeat || st.heartbeatPath != nil) && st.resKind != resLambdaInvokeWait {
		return f.bad("HeartbeatSeconds is only implemented for callback tasks (%s): nothing else can send heartbeats", arnLambdaInvokeWait)
	}
	if st.hasHeartbeat && st.hasTimeout && st.heartbeat >= st.timeoutSeconds {
		return f.bad("HeartbeatSeconds (%d) must be smaller than TimeoutSeconds (%d)", st.heartbeat, st.timeoutSeconds)
	}
	return nil
}
