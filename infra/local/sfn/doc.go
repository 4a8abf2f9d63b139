package sfn

// What this interpreter implements (JSONPath query language only)
//
// Top level: StartAt, States, Comment, Version ("1.0"), TimeoutSeconds
// (→ status TIMED_OUT, error States.Timeout), QueryLanguage "JSONPath".
//
// States and fields (besides Type, Comment and QueryLanguage "JSONPath"):
//
//	Task      Resource, Parameters, ResultSelector, ResultPath, InputPath,
//	          OutputPath, Retry, Catch, TimeoutSeconds(Path),
//	          HeartbeatSeconds(Path) (callback tasks only), Next/End
//	Pass      Result, Parameters, ResultPath, InputPath, OutputPath, Next/End
//	Choice    Choices (every comparison operator and its *Path variant,
//	          StringMatches, And/Or/Not, IsNull, IsPresent, IsNumeric,
//	          IsString, IsBoolean, IsTimestamp, Comment), Default, InputPath,
//	          OutputPath; no match and no Default → States.NoChoiceMatched
//	Wait      Seconds, SecondsPath, Timestamp, TimestampPath, InputPath,
//	          OutputPath, Next/End
//	Succeed   InputPath, OutputPath
//	Fail      Error, ErrorPath, Cause, CausePath (paths or intrinsics)
//	Map       ItemProcessor (ProcessorConfig Mode INLINE, or DISTRIBUTED with
//	          ExecutionType STANDARD|EXPRESS run in process) or the legacy
//	          Iterator, ItemsPath, ItemSelector or the legacy Parameters,
//	          MaxConcurrency(Path) (0 = unlimited, capped at 40 like inline
//	          Map on AWS; see WithMaxConcurrency), ResultSelector, ResultPath,
//	          InputPath, OutputPath, Retry, Catch, Next/End; in DISTRIBUTED
//	          mode also ToleratedFailureCount(Path),
//	          ToleratedFailurePercentage(Path) → States.ExceedToleratedFailureThreshold,
//	          and Label
//	Parallel  Branches, Parameters, ResultSelector, ResultPath, InputPath,
//	          OutputPath, Retry, Catch, Next/End
//
// Task resources: a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:
// function:NAME[:QUALIFIER]; the result is the function's output),
// arn:aws:states:::lambda:invoke (Parameters FunctionName, Payload,
// Qualifier, InvocationType RequestResponse; the result is
// {"ExecutedVersion","Payload","StatusCode":200,"SdkHttpMetadata",
// "SdkResponseMetadata"}), and arn:aws:states:::lambda:invoke.waitForTaskToken
// (Parameters must pass $$.Task.Token; the result is what SendTaskSuccess
// sends). Function errors keep their name (errorType), e.g.
// "Provider.RateLimited", for both the plain ARN and the integrations.
//
// Processing order, as AWS documents it: InputPath → Parameters/ItemSelector
// → the work → ResultSelector → ResultPath (null keeps the input, a path
// merges into a copy of the raw input, creating missing objects) →
// OutputPath. A Catch places {"Error","Cause"} with its ResultPath into the
// raw input and skips OutputPath.
//
// Paths: see jsonpath.go (Jayway-style JSONPath with filters for Parameters,
// InputPath and OutputPath; Reference Paths for ResultPath, ItemsPath,
// Variable and the *Path fields). Context object: $$.Execution.Id, Input,
// Name, RoleArn, StartTime, RedriveCount; $$.StateMachine.Id, Name;
// $$.State.Name, EnteredTime, RetryCount; $$.Task.Token (callback tasks);
// $$.Map.Item.Index, Value (in ItemSelector).
//
// Intrinsic functions: States.Format, StringToJson, JsonToString, Array,
// ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem, ArrayLength,
// ArrayUnique, Base64Encode, Base64Decode, Hash (MD5, SHA-1, SHA-256,
// SHA-384, SHA-512), JsonMerge (shallow only), MathRandom (optional seed;
// start inclusive, end exclusive), MathAdd, StringSplit, UUID — in
// Parameters, ItemSelector, ResultSelector and Fail's ErrorPath/CausePath.
//
// Errors: States.ALL (alone, last retrier/catcher only; matches everything
// but States.Runtime), States.TaskFailed (everything but States.Runtime and
// the timeouts), States.Timeout (also matches States.HeartbeatTimeout),
// States.HeartbeatTimeout, States.ResultPathMatchFailure (catchable),
// States.NoChoiceMatched, States.ExceedToleratedFailureThreshold, and
// States.Runtime for bad paths and failing intrinsics, which, as on AWS, no
// Retry or Catch handles: the execution fails. An error inside a Map
// iteration or a Parallel branch fails the whole state with that error (the
// other iterations/branches are cancelled) and goes to that state's Retry
// and Catch.
//
// Retry: ErrorEquals, IntervalSeconds (1), MaxAttempts (3; 0 = never),
// BackoffRate (2.0), MaxDelaySeconds, JitterStrategy FULL|NONE; the first
// retrier that matches decides, each retrier counts its own attempts, and
// counters restart each time the state is entered.
//
// What it refuses (Parse returns an error naming the state and field):
// QueryLanguage "JSONata" and its fields (Arguments, Output, Assign,
// Condition, Items), workflow variables, Credentials, any other Resource
// (other service integrations, activities, .sync), Distributed Map
// ItemReader/ItemBatcher/ResultWriter, Tolerated* and Label outside
// DISTRIBUTED mode, HeartbeatSeconds on non-callback tasks, unknown
// intrinsic functions or wrong arities, JSONPath functions (.length()),
// ${Placeholders} without a substitution, and any field it does not know.
//
// AWS quotas enforced (limits.go): 256 KiB for the execution input
// (StartExecution fails with InvalidExecutionInput) and for every state's
// output, task input and result and Map result (States.DataLimitExceeded,
// which no Retry or Catch handles); 25,000 history events per execution,
// counted as AWS writes them (the execution fails with States.Runtime,
// "The execution reached the maximum number of history events"), where a
// Distributed Map's iterations are child executions with their own count;
// the execution's TimeoutSeconds (TIMED_OUT); at most 40 concurrent inline
// Map iterations.
//
// Not modelled: redrive, and child-execution identities of Distributed Map
// (iterations run in the parent execution's context, with their own history
// count; a failed iteration's slot in the result array holds its
// {"Error","Cause"}).
//
// Where things are:
//
//	sfn.go             Runtime and its options; Start, Describe, Wait, Stop;
//	                   task tokens (SendTaskSuccess/Failure/Heartbeat)
//	parse.go           Parse: substitutions, the top level, scopes and
//	                   their transitions
//	state.go           the parsed state; the fields each type allows and
//	                   those refused; the fields states share (Comment,
//	                   QueryLanguage, Next/End, paths, templates, Retry/Catch)
//	fields.go          reading one state's fields (paths, templates,
//	                   integers, exclusive pairs); errors name state and field
//	parse_task.go      Task: Resource, lambda:invoke Parameters, timeouts
//	parse_flow.go      Choice, Wait and Fail
//	parse_map.go       Map (processor, ItemSelector, concurrency, Distributed
//	                   Map fields) and Parallel
//	retry.go           Retry and Catch: parsing, error matching, backoff, and
//	                   running a state under them
//	choice.go          Choice rules: parsing and evaluation (operators,
//	                   And/Or/Not, type tests)
//	exec.go            an execution: scopes, states, input/output
//	                   processing, Pass, Choice, Wait, Succeed, Fail
//	exec_map.go        Map and Parallel: the fan-out of iterations and
//	                   branches, failure tolerance
//	task.go            Task: the invocation, timeouts, heartbeats, callbacks
//	template.go        payload templates (Parameters, ItemSelector,
//	                   ResultSelector)
//	jsonpath.go        JSONPath and Reference Paths: parsing, selecting,
//	                   setting (ResultPath)
//	jsonpath_filter.go JSONPath filters [?(…)]
//	intrinsic.go       parsing and evaluating intrinsic function calls
//	intrinsic_funcs.go the intrinsic functions by name: arity, checks,
//	                   implementations
//	jsonutil.go        JSON decoding and encoding, numbers, equality
