// Package stack is the IGNY8 cloud stack: the table, every Lambda in
// shared/catalog, the HTTP API with its Lambda authorizer, the state machines
// of infra/statemachines, the scheduled rules, the image bucket, the
// dead-letter queues and the alarms. Everything it makes comes from the
// shared descriptions (catalog, tabledef, the ASL files), so the stack, the
// local runtime and the code cannot drift apart.
package stack

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/igny8/igny8-serverless/infra/statemachines"
	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// ID is the stack's construct ID: the template is cdk.out/<ID>.template.json.
const ID = "Igny8Stack"

// Props configure the stack. main.go fills them from the CDK context.
type Props struct {
	awscdk.StackProps
	// Stage names the deployment ("dev", "prod"): resource names start with
	// "igny8-<stage>-" and the secrets live under /igny8/<stage>/.
	Stage string
	// Assets is the folder holding a function's bootstrap (bin/<name>).
	Assets func(function string) string
	// DeletionProtection guards the table against deletion.
	DeletionProtection bool
	// LogRetention is how long function and state machine logs are kept.
	LogRetention awslogs.RetentionDays
	// LogLevel and BrandName become LOG_LEVEL and BRAND_NAME.
	LogLevel, BrandName string
	// AlarmEmail, when set, is subscribed to the alarm topic.
	AlarmEmail string
	// APIRateLimit and APIBurstLimit throttle the HTTP API's stage as a
	// whole (requests per second, and the burst above it); 429 beyond.
	APIRateLimit, APIBurstLimit float64
}

var stagePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,15}$`)

// Defaults fills the zero fields of p.
func (p Props) Defaults() Props {
	if p.Stage == "" {
		p.Stage = "dev"
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_MONTH
	}
	if p.LogLevel == "" {
		p.LogLevel = "info"
	}
	if p.APIRateLimit == 0 {
		p.APIRateLimit = 50
	}
	if p.APIBurstLimit == 0 {
		p.APIBurstLimit = 100
	}
	if p.BrandName == "" {
		p.BrandName = "IGNY8 AI"
	}
	return p
}

// Prefix starts every resource name of a stage.
func Prefix(stage string) string { return "igny8-" + stage }

// FunctionName is the deployed name of a catalog function.
func FunctionName(stage, function string) string { return Prefix(stage) + "-" + function }

// StateMachineName is the deployed name of a catalog state machine. It is
// fixed (not generated) so functions can be granted task-token calls on a
// machine that itself references them without a circular dependency.
func StateMachineName(stage, machine string) string { return Prefix(stage) + "-" + machine }

// SecretsPath is the Parameter Store path the functions read their secrets
// from at start-up (SECRETS_PARAMETER_PATH).
func SecretsPath(stage string) string { return catalog.SecretsPath(stage) }

// LogicalID is the CloudFormation logical ID of a catalog function: what
// `sam local invoke` takes. "credit-reserve" → "CreditReserveFunction".
func LogicalID(function string) string { return camel(function) + "Function" }

func camel(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// Placeholders are the ${...} names an ASL definition uses, sorted.
func Placeholders(asl []byte) []string {
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{([A-Za-z0-9]+)\}`).FindAllSubmatch(asl, -1) {
		seen[string(m[1])] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type builder struct {
	stack    awscdk.Stack
	props    Props
	table    awsdynamodb.Table
	bucket   awss3.Bucket
	alarms   awssns.Topic
	fns      map[string]awslambda.Function // by catalog name
	machines map[string]awsstepfunctions.StateMachine
}

// New builds the stack.
func New(scope constructs.Construct, id string, props Props) (awscdk.Stack, error) {
	props = props.Defaults()
	if !stagePattern.MatchString(props.Stage) {
		return nil, fmt.Errorf("stage %q: want 1-16 characters of a-z, 0-9 and -, starting with a letter", props.Stage)
	}
	if props.Assets == nil {
		return nil, fmt.Errorf("no asset folders given")
	}
	if props.StackName == nil {
		props.StackName = jsii.String(Prefix(props.Stage))
	}
	if props.Description == nil {
		props.Description = jsii.String("IGNY8 serverless backend, stage " + props.Stage)
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	awscdk.Tags_Of(stack).Add(jsii.String("app"), jsii.String("igny8"), nil)
	awscdk.Tags_Of(stack).Add(jsii.String("stage"), jsii.String(props.Stage), nil)
	b := &builder{stack: stack, props: props, fns: map[string]awslambda.Function{}, machines: map[string]awsstepfunctions.StateMachine{}}
	b.alarmTopic()
	b.tableFromDefinition()
	b.imageBucket()
	for _, f := range catalog.Functions {
		b.function(f)
	}
	for _, f := range catalog.Functions {
		if err := b.grants(f); err != nil {
			return nil, err
		}
	}
	for _, sm := range catalog.StateMachines {
		if err := b.stateMachine(sm); err != nil {
			return nil, err
		}
	}
	for _, f := range catalog.Functions {
		b.invocation(f)
	}
	if err := b.httpAPI(); err != nil {
		return nil, err
	}
	if err := b.console(); err != nil {
		return nil, err
	}
	b.dashboard()
	b.publishAlarms()
	b.output("TableName", b.table.TableName())
	b.output("ImageBucketName", b.bucket.BucketName())
	b.output("SecretsParameterPath", jsii.String(SecretsPath(props.Stage)))
	b.output("AlarmTopicArn", b.alarms.TopicArn())
	return stack, nil
}

func (b *builder) output(id string, value *string) {
	awscdk.NewCfnOutput(b.stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value})
}

func (b *builder) alarmTopic() {
	b.alarms = awssns.NewTopic(b.stack, jsii.String("Alarms"), &awssns.TopicProps{
		TopicName: jsii.String(Prefix(b.props.Stage) + "-alarms"), EnforceSSL: jsii.Bool(true)})
	if b.props.AlarmEmail != "" {
		b.alarms.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(b.props.AlarmEmail), nil))
	}
}

func (b *builder) alarm(id string, metric awscloudwatch.IMetric, threshold float64, op awscloudwatch.ComparisonOperator, what string) {
	a := awscloudwatch.NewAlarm(b.stack, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric:             metric,
		Threshold:          jsii.Number(threshold),
		ComparisonOperator: op,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String(what),
	})
	a.AddAlarmAction(awscloudwatchactions.NewSnsAction(b.alarms))
}

// fiveMinutes is the alarms' period (a function: a package-level jsii value
// would start node before main can change folder).
func fiveMinutes() awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(5)) }

// tableFromDefinition is the single table, built from tabledef.Definition.
func (b *builder) tableFromDefinition() {
	def := tabledef.Definition
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	b.table = awsdynamodb.NewTable(b.stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: str(def.HashKey),
		SortKey:      str(def.SortKey),
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true)},
		TimeToLiveAttribute: jsii.String(def.TTLAttribute),
		DeletionProtection:  jsii.Bool(b.props.DeletionProtection),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
	})
	for _, ix := range def.Indexes {
		b.table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   str(ix.HashKey),
			SortKey:        str(ix.SortKey),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
}

// imageBucket holds generated images. It is private: the publisher reads the
// bytes and uploads them to the site.
func (b *builder) imageBucket() {
	b.bucket = awss3.NewBucket(b.stack, jsii.String("Images"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
}

func (b *builder) queue(id, name string) awssqs.Queue {
	q := awssqs.NewQueue(b.stack, jsii.String(id), &awssqs.QueueProps{
		QueueName:       jsii.String(name),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
	b.alarm(id+"NotEmpty", q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Period: fiveMinutes(), Statistic: jsii.String("Maximum")}),
		0, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, name+" holds failed events: inspect and redrive them")
	return q
}

func (b *builder) machineArn(machine string) *string {
	return b.stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("states"), Resource: jsii.String("stateMachine"),
		ResourceName: jsii.String(StateMachineName(b.props.Stage, machine)), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

// function makes the Lambda of a catalog function, its role (logs only; the
// rest comes from grants) and its log group.
func (b *builder) function(f catalog.Function) {
	id := camel(f.Name)
	name := FunctionName(b.props.Stage, f.Name)
	logs := awslogs.NewLogGroup(b.stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + name),
		Retention:     b.props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(b.stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("The " + name + " function: its logs and what shared/catalog says it needs"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("Logs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logs.LogGroupArn()},
	}))
	// Every variable the code reads is declared (catalog.Variables), empty
	// where Parameter Store fills it or the cloud wants none: `sam local
	// invoke` passes a function only the variables its template declares.
	env := map[string]*string{}
	for _, v := range catalog.Variables {
		env[v.Name] = jsii.String("")
	}
	for k, v := range map[string]*string{
		"TABLE_NAME":             b.table.TableName(),
		"LOG_LEVEL":              jsii.String(b.props.LogLevel),
		"BRAND_NAME":             jsii.String(b.props.BrandName),
		"SECRETS_PARAMETER_PATH": jsii.String(SecretsPath(b.props.Stage)),
		"METRICS_NAMESPACE":      jsii.String(catalog.MetricsNamespace(b.props.Stage)),
	} {
		env[k] = v
	}
	if f.Needs.Blobs != "" {
		env["BLOB_BUCKET"] = b.bucket.BucketName()
	}
	if len(f.Needs.Starts) > 0 {
		for _, sm := range catalog.StateMachines {
			env[sm.ArnEnv] = b.machineArn(sm.Name)
		}
	}
	for _, target := range f.Needs.Invokes {
		for _, g := range catalog.Functions {
			if g.Name == target && g.NameEnv != "" {
				env[g.NameEnv] = jsii.String(FunctionName(b.props.Stage, g.Name))
			}
		}
	}
	fn := awslambda.NewFunction(b.stack, jsii.String(LogicalID(f.Name)), &awslambda.FunctionProps{
		FunctionName: jsii.String(name),
		Description:  jsii.String(fmt.Sprintf("IGNY8 %s (%s)", f.Name, f.Kind)),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(b.props.Assets(f.Name)), nil),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(float64(f.Timeout()))),
		MemorySize:   jsii.Number(float64(f.Memory())),
		Tracing:      awslambda.Tracing_ACTIVE,
		LogGroup:     logs,
		Role:         role,
		Environment:  &env,
	})
	// A stable logical ID: `sam local invoke <LogicalID>`.
	fn.Node().DefaultChild().(awslambda.CfnFunction).OverrideLogicalId(jsii.String(LogicalID(f.Name)))
	b.fns[f.Name] = fn
	errs := fn.MetricErrors(&awscloudwatch.MetricOptions{Period: fiveMinutes(), Statistic: jsii.String("Sum")})
	if !ErrorRateAlarmed[f.Kind] {
		b.alarm(id+"Errors", errs, 1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, name+" reported errors")
		return
	}
	// A step or the API answers some business outcomes as errors
	// (insufficient credits, a provider's rate limit that Step Functions
	// retries): one is an ordinary day, a steady share is not.
	rate := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(fmt.Sprintf("IF(inv >= %d, 100 * err / inv, 0)", errorRateMinInvocations)),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"err": errs,
			"inv": fn.MetricInvocations(&awscloudwatch.MetricOptions{Period: fiveMinutes(), Statistic: jsii.String("Sum")})},
		Period: fiveMinutes(), Label: jsii.String("error %"),
	})
	a := awscloudwatch.NewAlarm(b.stack, jsii.String(id+"Errors"), &awscloudwatch.AlarmProps{
		Metric: rate, Threshold: jsii.Number(errorRatePercent), ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods: jsii.Number(3), DatapointsToAlarm: jsii.Number(3), TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription: jsii.String(fmt.Sprintf("%s: errors in %d%% or more of at least %d invocations, 15 minutes running", name, errorRatePercent, errorRateMinInvocations)),
	})
	a.AddAlarmAction(awscloudwatchactions.NewSnsAction(b.alarms))
}

// ErrorRateAlarmed are the function kinds whose errors alarm as a rate (see
// function); the others (scheduled, async, execution-status) alarm on any
// error, which needs a human.
var ErrorRateAlarmed = map[string]bool{"step": true, "api": true, "authorizer": true}

const (
	errorRatePercent        = 20
	errorRateMinInvocations = 10
)

// grants gives a function what its catalog Needs say, on these resources only.
func (b *builder) grants(f catalog.Function) error {
	fn := b.fns[f.Name]
	allow := func(sid string, actions []string, resources ...*string) {
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: &resources}))
	}
	if len(f.Needs.Table) > 0 {
		actions := make([]string, 0, len(f.Needs.Table))
		query := false
		for _, a := range f.Needs.Table {
			actions = append(actions, "dynamodb:"+a)
			query = query || a == "Query"
		}
		sort.Strings(actions)
		resources := []*string{b.table.TableArn()}
		if query { // only Query reads the indexes
			resources = append(resources, jsii.String(*b.table.TableArn()+"/index/*"))
		}
		allow("Table", actions, resources...)
	}
	// Its own secrets, by name: a step that never unseals site credentials
	// cannot read SECRETS_KEY, nor one that calls no provider its keys.
	var secrets []*string
	for _, name := range f.Secrets() {
		secrets = append(secrets, b.stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ssm"), Resource: jsii.String("parameter"),
			ResourceName: jsii.String(strings.TrimPrefix(SecretsPath(b.props.Stage), "/") + name), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME}))
	}
	allow("Secrets", []string{"ssm:GetParameters"}, secrets...)
	if len(f.Needs.Starts) > 0 {
		var arns []*string
		for _, m := range f.Needs.Starts {
			arns = append(arns, b.machineArn(m))
		}
		allow("StartExecutions", []string{"states:StartExecution"}, arns...)
	}
	if len(f.Needs.Tokens) > 0 {
		var arns []*string
		for _, m := range f.Needs.Tokens {
			arns = append(arns, b.machineArn(m))
		}
		allow("TaskTokens", []string{"states:SendTaskSuccess"}, arns...)
	}
	if len(f.Needs.Invokes) > 0 {
		var arns []*string
		for _, name := range f.Needs.Invokes {
			target, ok := b.fns[name]
			if !ok {
				return fmt.Errorf("%s invokes %s, which is not in the catalog", f.Name, name)
			}
			arns = append(arns, target.FunctionArn())
		}
		allow("Invoke", []string{"lambda:InvokeFunction"}, arns...)
	}
	objects := jsii.String(*b.bucket.BucketArn() + "/*")
	switch f.Needs.Blobs {
	case "":
	case catalog.BlobsRead:
		allow("ImagesRead", []string{"s3:GetObject"}, objects)
	case catalog.BlobsWrite:
		allow("ImagesWrite", []string{"s3:PutObject"}, objects)
	case catalog.BlobsReadWrite:
		allow("ImagesReadWrite", []string{"s3:GetObject", "s3:PutObject"}, objects)
	default:
		return fmt.Errorf("%s: blob access %q", f.Name, f.Needs.Blobs)
	}
	return nil
}

// stateMachine deploys an ASL file as it is, with a substitution for each
// placeholder, and a role that may invoke exactly the functions it names.
func (b *builder) stateMachine(sm catalog.StateMachine) error {
	asl, err := statemachines.Definition(sm.Name)
	if err != nil {
		return err
	}
	byKey := map[string]catalog.Function{}
	for _, f := range catalog.Functions {
		if f.ArnKey != "" {
			byKey[f.ArnKey] = f
		}
	}
	id := camel(sm.Name)
	subs := map[string]*string{}
	var invoke []*string
	for _, key := range Placeholders(asl) {
		f, ok := byKey[key]
		if !ok {
			return fmt.Errorf("%s.asl.json uses ${%s}, which no catalog function provides", sm.Name, key)
		}
		arn := b.fns[f.Name].FunctionArn()
		subs[key] = arn
		invoke = append(invoke, arn, jsii.String(*arn+":*"))
	}
	role := awsiam.NewRole(b.stack, jsii.String(id+"StateMachineRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("states.amazonaws.com"), nil),
		Description: jsii.String("The " + StateMachineName(b.props.Stage, sm.Name) + " state machine: invokes the functions its definition names"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("InvokeSteps"), Actions: jsii.Strings("lambda:InvokeFunction"), Resources: &invoke}))
	distributed, err := statemachines.HasDistributedMap(asl)
	if err != nil {
		return err
	}
	if distributed { // its Map runs each batch as a child execution of this machine
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("StartMapChildren"), Actions: jsii.Strings("states:StartExecution"),
			Resources: &[]*string{b.machineArn(sm.Name)}}))
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("WatchMapChildren"), Actions: jsii.Strings("states:DescribeExecution", "states:StopExecution"),
			Resources: &[]*string{b.stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("states"), Resource: jsii.String("execution"),
				ResourceName: jsii.String(StateMachineName(b.props.Stage, sm.Name) + "/*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			})}}))
	}
	logs := awslogs.NewLogGroup(b.stack, jsii.String(id+"StateMachineLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/vendedlogs/states/" + StateMachineName(b.props.Stage, sm.Name)),
		Retention:     b.props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	m := awsstepfunctions.NewStateMachine(b.stack, jsii.String(id+"StateMachine"), &awsstepfunctions.StateMachineProps{
		StateMachineName:        jsii.String(StateMachineName(b.props.Stage, sm.Name)),
		StateMachineType:        awsstepfunctions.StateMachineType_STANDARD,
		DefinitionBody:          awsstepfunctions.DefinitionBody_FromString(jsii.String(string(asl))),
		DefinitionSubstitutions: &subs,
		Role:                    role,
		TracingEnabled:          jsii.Bool(true),
		Logs: &awsstepfunctions.LogOptions{
			Destination: logs, Level: awsstepfunctions.LogLevel_ERROR, IncludeExecutionData: jsii.Bool(true)},
	})
	b.machines[sm.Name] = m
	b.alarm(id+"StateMachineFailed", m.MetricFailed(&awscloudwatch.MetricOptions{Period: fiveMinutes(), Statistic: jsii.String("Sum")}),
		1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, StateMachineName(b.props.Stage, sm.Name)+" executions failed")
	b.output(id+"StateMachineArn", m.StateMachineArn())
	return nil
}

// invocation wires how a function is invoked when it is not by the API or
// a state machine: a scheduled rule, or asynchronous calls with an
// on-failure queue.
func (b *builder) invocation(f catalog.Function) {
	fn := b.fns[f.Name]
	id := camel(f.Name)
	switch f.Kind {
	case "scheduled":
		dlq := b.queue(id+"DeadLetters", FunctionName(b.props.Stage, f.Name)+"-dlq")
		awsevents.NewRule(b.stack, jsii.String(id+"Schedule"), &awsevents.RuleProps{
			RuleName:    jsii.String(FunctionName(b.props.Stage, f.Name)),
			Description: jsii.String("Runs " + f.Name + " on " + f.Schedule),
			Schedule:    awsevents.Schedule_Expression(jsii.String(f.Schedule)),
			Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
				DeadLetterQueue: dlq,
				RetryAttempts:   jsii.Number(2),
				MaxEventAge:     awscdk.Duration_Minutes(jsii.Number(5)),
			})},
		})
		// A failed tick is not retried (the next tick does its work) but
		// kept: it lands in the same queue, which raises the alarm.
		fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
			RetryAttempts: jsii.Number(0),
			MaxEventAge:   awscdk.Duration_Minutes(jsii.Number(5)),
			OnFailure:     awslambdadestinations.NewSqsDestination(dlq),
		})
	case "execution-status":
		// An execution that dies outside every Catch (a payload or history
		// limit, its timeout, a StopExecution) still ends its operation or
		// run: this rule hands the event to the cleanup, with retries and
		// a queue for what still fails (which raises the alarm).
		dlq := b.queue(id+"DeadLetters", FunctionName(b.props.Stage, f.Name)+"-dlq")
		var arns []*string
		for _, sm := range catalog.StateMachines {
			arns = append(arns, b.machines[sm.Name].StateMachineArn())
		}
		awsevents.NewRule(b.stack, jsii.String(id+"Rule"), &awsevents.RuleProps{
			RuleName:    jsii.String(FunctionName(b.props.Stage, f.Name)),
			Description: jsii.String("Ends what a failed, timed-out or aborted execution left behind"),
			EventPattern: &awsevents.EventPattern{
				Source:     jsii.Strings("aws.states"),
				DetailType: jsii.Strings("Step Functions Execution Status Change"),
				Detail: &map[string]interface{}{
					"status":          []string{"FAILED", "TIMED_OUT", "ABORTED"},
					"stateMachineArn": arns,
				},
			},
			Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
				DeadLetterQueue: dlq,
				RetryAttempts:   jsii.Number(8),
				MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
			})},
		})
		fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
			RetryAttempts: jsii.Number(2),
			MaxEventAge:   awscdk.Duration_Hours(jsii.Number(6)),
			OnFailure:     awslambdadestinations.NewSqsDestination(dlq),
		})
	case "async":
		dlq := b.queue(id+"DeadLetters", FunctionName(b.props.Stage, f.Name)+"-dlq")
		fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
			RetryAttempts: jsii.Number(2),
			MaxEventAge:   awscdk.Duration_Hours(jsii.Number(6)),
			OnFailure:     awslambdadestinations.NewSqsDestination(dlq),
		})
	}
}

// httpAPI routes everything to the api function behind the Lambda
// authorizer, except the two public documents.
func (b *builder) httpAPI() error {
	var apiFn, authFn awslambda.Function
	for _, f := range catalog.Functions {
		switch f.Kind {
		case "api":
			apiFn = b.fns[f.Name]
		case "authorizer":
			authFn = b.fns[f.Name]
		}
	}
	if apiFn == nil || authFn == nil {
		return fmt.Errorf("the catalog needs one api and one authorizer function")
	}
	authorizer := awsapigatewayv2authorizers.NewHttpLambdaAuthorizer(jsii.String("ApiKeyAuthorizer"), authFn,
		&awsapigatewayv2authorizers.HttpLambdaAuthorizerProps{
			AuthorizerName: jsii.String("api-key"),
			IdentitySource: jsii.Strings("$request.header.Authorization"),
			ResponseTypes:  &[]awsapigatewayv2authorizers.HttpLambdaResponseType{awsapigatewayv2authorizers.HttpLambdaResponseType_SIMPLE},
			// The answer for one Authorization header is cached this long, a
			// denial too (a bad key costs one authorizer call a minute): a
			// revoked key's cached allow lasts at most this, the bound
			// docs/cloud.md promises (the API checks the key itself as well).
			ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(AuthorizerCacheSeconds)),
		})
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("ApiIntegration"), apiFn,
		&awsapigatewayv2integrations.HttpLambdaIntegrationProps{PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0()})
	api := awsapigatewayv2.NewHttpApi(b.stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String(Prefix(b.props.Stage) + "-api"),
		Description:        jsii.String("IGNY8 API (see GET /v1/openapi.json)"),
		CreateDefaultStage: jsii.Bool(true),
	})
	api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path: jsii.String("/{proxy+}"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY},
		Integration: integration, Authorizer: authorizer,
	})
	for _, public := range PublicRoutes {
		api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path: jsii.String(public), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
			Integration: integration, Authorizer: awsapigatewayv2.NewHttpNoneAuthorizer(),
		})
	}
	// The stage: throttled as a whole, and an access log line (JSON) per
	// request, without the Authorization header.
	accessLogs := awslogs.NewLogGroup(b.stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/apigateway/" + Prefix(b.props.Stage) + "-api"),
		Retention:     b.props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	stage := api.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingRateLimit: jsii.Number(b.props.APIRateLimit), ThrottlingBurstLimit: jsii.Number(b.props.APIBurstLimit)})
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(), Format: jsii.String(AccessLogFormat)})
	b.output("ApiUrl", api.ApiEndpoint())
	return nil
}

// AccessLogFormat is one JSON object per request: who, what, the outcome and
// where time went; the account comes from the authorizer's context, and so
// does the denial of a bad key (shared/authorizer lets it through with
// "denied" for the API to answer 401 in its own shape).
const AccessLogFormat = `{"requestId":"$context.requestId","time":"$context.requestTime","ip":"$context.identity.sourceIp",` +
	`"method":"$context.httpMethod","path":"$context.path","routeKey":"$context.routeKey","status":"$context.status",` +
	`"responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",` +
	`"integrationLatencyMs":"$context.integrationLatency","integrationError":"$context.integrationErrorMessage",` +
	`"authorizerError":"$context.authorizer.error","accountId":"$context.authorizer.account_id",` +
	`"authorizerDenied":"$context.authorizer.denied","userAgent":"$context.identity.userAgent"}`

// AuthorizerCacheSeconds is how long API Gateway keeps the authorizer's
// answer for one Authorization header: the bound on a revoked key working.
const AuthorizerCacheSeconds = 60

// PublicRoutes answer GET without an API key (the list is shared with the
// local stack's gateway).
var PublicRoutes = catalog.PublicRoutes
