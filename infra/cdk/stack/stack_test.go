package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/igny8/igny8-serverless/infra/statemachines"
	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/metrics"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// The tests synthesize the stack with one placeholder asset folder for every
// function, so they need no arm64 build: what they check is the template.
func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

type synthesized struct {
	tmpl      assertions.Template
	resources map[string]map[string]any // logical ID → resource
	json      map[string]any
}

var (
	cache   = map[string]*synthesized{}
	cacheMu sync.Mutex
)

// synth builds the stack with props (Assets filled in) once per distinct props.
func synth(t *testing.T, props Props) *synthesized {
	t.Helper()
	key := fmt.Sprintf("%s/%v/%s", props.Stage, props.DeletionProtection, props.AlarmEmail)
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if s, ok := cache[key]; ok {
		return s
	}
	dir, err := os.MkdirTemp("", "igny8-cdk-asset-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir) // staged by the synthesis below; the template is kept in memory
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\necho placeholder\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	props.Assets = func(string) string { return dir }
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"aws:cdk:enable-asset-metadata": true}})
	st, err := New(app, ID, props)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl assertions.Template
	check(t, "synthesize", func() { tmpl = assertions.Template_FromStack(st, nil) })
	if tmpl == nil {
		t.FailNow()
	}
	raw, err := json.Marshal(tmpl.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	s := &synthesized{tmpl: tmpl, resources: map[string]map[string]any{}}
	if err := json.Unmarshal(raw, &s.json); err != nil {
		t.Fatal(err)
	}
	for id, r := range s.json["Resources"].(map[string]any) {
		s.resources[id] = r.(map[string]any)
	}
	cache[key] = s
	return s
}

// check runs an assertions call: a failed assertion is a panic from jsii,
// which would end the whole test binary, so it becomes a test error (cut
// short: the messages quote whole resources).
func check(t *testing.T, what string, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			if len(msg) > 4000 {
				msg = msg[:4000] + " …"
			}
			t.Errorf("%s: %s", what, msg)
		}
	}()
	assertion()
}

func dev(t *testing.T) *synthesized { return synth(t, Props{Stage: "dev", DeletionProtection: true}) }

func (s *synthesized) ofType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range s.resources {
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// ref is the logical ID a {"Ref": id} or {"Fn::GetAtt": [id, attr]} names.
func ref(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if id, ok := m["Ref"].(string); ok {
		return id
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
		return ga[0].(string)
	}
	return ""
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func render(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func count(kinds ...string) map[string]int {
	out := map[string]int{}
	for _, f := range catalog.Functions {
		for _, k := range kinds {
			if f.Kind == k {
				out[k]++
			}
		}
	}
	return out
}

func TestResourceCounts(t *testing.T) {
	s := dev(t)
	kinds := count("scheduled", "async", "execution-status")
	queues := kinds["scheduled"] + kinds["async"] + kinds["execution-status"]
	want := map[string]int{
		"AWS::Lambda::Function":               len(catalog.Functions),
		"AWS::IAM::Role":                      len(catalog.Functions) + len(catalog.StateMachines),
		"AWS::StepFunctions::StateMachine":    len(catalog.StateMachines),
		"AWS::Events::Rule":                   kinds["scheduled"] + kinds["execution-status"],
		"AWS::SQS::Queue":                     queues,
		"AWS::Lambda::EventInvokeConfig":      queues,
		"AWS::DynamoDB::Table":                1,
		"AWS::S3::Bucket":                     2, // images, console
		"AWS::ApiGatewayV2::Api":              1,
		"AWS::ApiGatewayV2::Stage":            1,
		"AWS::ApiGatewayV2::Authorizer":       1,
		"AWS::ApiGatewayV2::Integration":      1,
		"AWS::ApiGatewayV2::Route":            1 + len(PublicRoutes),
		"AWS::Logs::LogGroup":                 len(catalog.Functions) + len(catalog.StateMachines) + 1,                                             // + the API access log
		"AWS::CloudWatch::Alarm":              len(catalog.Functions) + len(catalog.StateMachines) + queues + len(metrics.PublishFailuresOurs) + 1, // + publish failures: ours by class, unreachable sites
		"AWS::SNS::Topic":                     1,
		"AWS::Lambda::LayerVersion":           0,
		"AWS::CloudFormation::CustomResource": 0,
		"Custom::LogRetention":                0,
	}
	for typ, n := range want {
		check(t, typ, func() {
			s.tmpl.ResourceCountIs(jsii.String(typ), jsii.Number(n))
		})
	}
	t.Logf("%d functions, %d state machines, %d rules, %d queues, %d alarms, %d resources in all",
		len(catalog.Functions), len(catalog.StateMachines), kinds["scheduled"], queues, want["AWS::CloudWatch::Alarm"], len(s.resources))
}

// Every catalog function: arm64 provided.al2023 with handler bootstrap, its
// size, X-Ray, its own log group with a retention, the environment its
// catalog entry implies, a stable logical ID, and the asset metadata SAM
// local needs.
func TestFunctions(t *testing.T) {
	s := dev(t)
	machineEnvs := map[string]bool{}
	for _, sm := range catalog.StateMachines {
		machineEnvs[sm.ArnEnv] = true
	}
	for _, f := range catalog.Functions {
		t.Run(f.Name, func(t *testing.T) {
			r, ok := s.resources[LogicalID(f.Name)]
			if !ok || r["Type"] != "AWS::Lambda::Function" {
				t.Fatalf("no function %s", LogicalID(f.Name))
			}
			p := props(r)
			checks := map[string]any{
				"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": []any{"arm64"},
				"FunctionName": "igny8-dev-" + f.Name, "Timeout": float64(f.Timeout()), "MemorySize": float64(f.Memory()),
				"TracingConfig": map[string]any{"Mode": "Active"},
			}
			for k, want := range checks {
				if !reflect.DeepEqual(p[k], want) {
					t.Errorf("%s = %s, want %s", k, render(p[k]), render(want))
				}
			}
			md, _ := r["Metadata"].(map[string]any)
			if path, _ := md["aws:asset:path"].(string); !strings.HasPrefix(path, "asset.") || md["aws:asset:property"] != "Code" {
				t.Errorf("asset metadata %s: sam local invoke cannot find the code", render(md))
			}
			lg := s.resources[ref(p["LoggingConfig"].(map[string]any)["LogGroup"])]
			if lg["Type"] != "AWS::Logs::LogGroup" || props(lg)["RetentionInDays"] != float64(30) ||
				props(lg)["LogGroupName"] != "/aws/lambda/igny8-dev-"+f.Name {
				t.Errorf("log group %s", render(lg))
			}
			env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
			want := map[string]bool{"TABLE_NAME": true, "LOG_LEVEL": true, "BRAND_NAME": true, "SECRETS_PARAMETER_PATH": true, "METRICS_NAMESPACE": true}
			if env["METRICS_NAMESPACE"] != "IGNY8/dev" {
				t.Errorf("METRICS_NAMESPACE = %s", render(env["METRICS_NAMESPACE"]))
			}
			if s.resources[ref(env["TABLE_NAME"])]["Type"] != "AWS::DynamoDB::Table" {
				t.Errorf("TABLE_NAME = %s", render(env["TABLE_NAME"]))
			}
			if env["SECRETS_PARAMETER_PATH"] != "/igny8/dev/" || env["LOG_LEVEL"] != "info" || env["BRAND_NAME"] != "IGNY8 AI" {
				t.Errorf("environment %s", render(env))
			}
			if f.Needs.Blobs != "" {
				want["BLOB_BUCKET"] = true
				if s.resources[ref(env["BLOB_BUCKET"])]["Type"] != "AWS::S3::Bucket" {
					t.Errorf("BLOB_BUCKET = %s", render(env["BLOB_BUCKET"]))
				}
			}
			if len(f.Needs.Starts) > 0 {
				for _, sm := range catalog.StateMachines {
					want[sm.ArnEnv] = true
					if got := render(env[sm.ArnEnv]); !strings.Contains(got, ":stateMachine:igny8-dev-"+sm.Name) {
						t.Errorf("%s = %s", sm.ArnEnv, got)
					}
				}
			}
			for _, name := range f.Needs.Invokes {
				for _, g := range catalog.Functions {
					if g.Name == name {
						want[g.NameEnv] = true
						if env[g.NameEnv] != "igny8-dev-"+g.Name {
							t.Errorf("%s = %s", g.NameEnv, render(env[g.NameEnv]))
						}
					}
				}
			}
			// SAM local passes only declared variables: every variable the
			// code reads is declared, and those the function does not get a
			// value for are empty.
			declared := map[string]bool{}
			for _, v := range catalog.Variables {
				declared[v.Name] = true
				got, ok := env[v.Name]
				switch {
				case !ok:
					t.Errorf("%s is not declared: sam local invoke could not set it", v.Name)
				case !want[v.Name] && got != "":
					t.Errorf("%s = %s, want it declared empty", v.Name, render(got))
				}
			}
			for k := range env {
				if !want[k] && !declared[k] {
					t.Errorf("unexpected environment variable %s", k)
				}
			}
			for k := range want {
				if _, ok := env[k]; !ok {
					t.Errorf("missing environment variable %s", k)
				}
			}
		})
	}
}

// Each state machine is its ASL file as it is, with a substitution for every
// placeholder (and no other), each the ARN of the catalog function with that
// ArnKey; its role may invoke exactly those functions.
func TestStateMachines(t *testing.T) {
	s := dev(t)
	byKey := map[string]string{}
	for _, f := range catalog.Functions {
		if f.ArnKey != "" {
			byKey[f.ArnKey] = LogicalID(f.Name)
		}
	}
	machines := s.ofType("AWS::StepFunctions::StateMachine")
	for _, sm := range catalog.StateMachines {
		t.Run(sm.Name, func(t *testing.T) {
			var p map[string]any
			for _, r := range machines {
				if props(r)["StateMachineName"] == "igny8-dev-"+sm.Name {
					p = props(r)
				}
			}
			if p == nil {
				t.Fatalf("no state machine igny8-dev-%s", sm.Name)
			}
			asl, err := statemachines.Definition(sm.Name)
			if err != nil {
				t.Fatal(err)
			}
			if p["DefinitionString"] != string(asl) {
				t.Error("DefinitionString is not the ASL file as it is")
			}
			if p["StateMachineType"] != "STANDARD" || render(p["TracingConfiguration"]) != `{"Enabled":true}` {
				t.Errorf("type %v, tracing %s", p["StateMachineType"], render(p["TracingConfiguration"]))
			}
			logging, _ := p["LoggingConfiguration"].(map[string]any)
			if logging["Level"] != "ERROR" || len(list(logging["Destinations"])) != 1 {
				t.Errorf("logging %s", render(logging))
			}
			subs, _ := p["DefinitionSubstitutions"].(map[string]any)
			keys := Placeholders(asl)
			if len(keys) == 0 {
				t.Fatal("no placeholders found")
			}
			referenced := map[string]bool{}
			for _, k := range keys {
				v, ok := subs[k]
				if !ok {
					t.Errorf("${%s} has no substitution", k)
					continue
				}
				if got := ref(v); got != byKey[k] || !strings.Contains(render(v), `"Arn"`) {
					t.Errorf("${%s} = %s, want the ARN of %s", k, render(v), byKey[k])
				}
				referenced[byKey[k]] = true
			}
			if len(subs) != len(keys) {
				t.Errorf("%d substitutions for %d placeholders", len(subs), len(keys))
			}
			// The role: lambda:InvokeFunction on exactly the referenced
			// functions (and their versions); nothing else but log delivery
			// and X-Ray, which have no resource-level permissions.
			role := ref(p["RoleArn"])
			invoked := map[string]bool{}
			distributed, err := statemachines.HasDistributedMap(asl)
			if err != nil {
				t.Fatal(err)
			}
			children := map[string]bool{}
			for _, st := range s.statements(role) {
				for _, a := range strs(st["Action"]) {
					switch {
					case distributed && a == "states:StartExecution":
						// A Distributed Map starts its children as executions of this machine.
						if r := render(st["Resource"]); !strings.Contains(r, ":stateMachine:igny8-dev-"+sm.Name+`"`) {
							t.Errorf("%s on %s, want this machine only", a, r)
						}
						children[a] = true
					case distributed && (a == "states:DescribeExecution" || a == "states:StopExecution"):
						if r := render(st["Resource"]); !strings.Contains(r, ":execution:igny8-dev-"+sm.Name+`/*"`) {
							t.Errorf("%s on %s, want this machine's executions only", a, r)
						}
						children[a] = true
					case a == "lambda:InvokeFunction":
						for _, res := range list(st["Resource"]) {
							id := ref(res)
							if id == "" {
								id = ref(res.(map[string]any)["Fn::Join"].([]any)[1].([]any)[0])
							}
							if !referenced[id] {
								t.Errorf("the role may invoke %s, which the definition does not use", id)
							}
							invoked[id] = true
						}
					case strings.HasPrefix(a, "logs:") || strings.HasPrefix(a, "xray:"):
					default:
						t.Errorf("unexpected action %s", a)
					}
				}
			}
			if len(invoked) != len(referenced) {
				t.Errorf("the role may invoke %d functions, the definition uses %d", len(invoked), len(referenced))
			}
			if distributed && len(children) != 3 {
				t.Errorf("the role of a machine with a Distributed Map may %v; want to start, describe and stop its children", children)
			}
		})
	}
}

// statements are the statements of every policy attached to the role.
func (s *synthesized) statements(role string) []map[string]any {
	var out []map[string]any
	for _, pol := range s.ofType("AWS::IAM::Policy") {
		attached := false
		for _, r := range list(props(pol)["Roles"]) {
			attached = attached || ref(r) == role
		}
		if !attached {
			continue
		}
		for _, st := range list(props(pol)["PolicyDocument"].(map[string]any)["Statement"]) {
			out = append(out, st.(map[string]any))
		}
	}
	return out
}

// Least privilege: each function's role allows exactly what its catalog
// Needs say (plus its own log group and X-Ray), each on its own resources.
func TestFunctionPermissions(t *testing.T) {
	s := dev(t)
	tableID := ""
	for id := range s.ofType("AWS::DynamoDB::Table") {
		tableID = id
	}
	for _, f := range catalog.Functions {
		t.Run(f.Name, func(t *testing.T) {
			fn := s.resources[LogicalID(f.Name)]
			role := ref(props(fn)["Role"])
			if role == "" || s.resources[role]["Type"] != "AWS::IAM::Role" {
				t.Fatalf("role %s", render(props(fn)["Role"]))
			}
			if mp := props(s.resources[role])["ManagedPolicyArns"]; mp != nil {
				t.Errorf("managed policies %s: the role should carry only its own statements", render(mp))
			}
			want := map[string]string{ // action → what its resource must be
				"logs:CreateLogStream": "loggroup", "logs:PutLogEvents": "loggroup",
				"xray:PutTraceSegments": "*", "xray:PutTelemetryRecords": "*",
				"ssm:GetParameters": "secrets",
			}
			for _, a := range f.Needs.Table {
				want["dynamodb:"+a] = "table"
			}
			for range f.Needs.Starts {
				want["states:StartExecution"] = "machine"
			}
			for range f.Needs.Tokens {
				want["states:SendTaskSuccess"] = "machine"
			}
			if len(f.Needs.Invokes) > 0 {
				want["lambda:InvokeFunction"] = "function"
			}
			switch f.Needs.Blobs {
			case catalog.BlobsRead:
				want["s3:GetObject"] = "objects"
			case catalog.BlobsWrite:
				want["s3:PutObject"] = "objects"
			case catalog.BlobsReadWrite:
				want["s3:GetObject"], want["s3:PutObject"] = "objects", "objects"
			}
			if f.Kind == "async" || f.Kind == "scheduled" || f.Kind == "execution-status" { // the on-failure queue
				want["sqs:SendMessage"], want["sqs:GetQueueAttributes"], want["sqs:GetQueueUrl"] = "queue", "queue", "queue"
			}
			got := map[string]bool{}
			for _, st := range s.statements(role) {
				if st["Effect"] != "Allow" || st["Condition"] != nil || st["NotAction"] != nil || st["NotResource"] != nil {
					t.Errorf("unexpected statement shape %s", render(st))
				}
				resources := list(st["Resource"])
				for _, a := range strs(st["Action"]) {
					got[a] = true
					kind, ok := want[a]
					if !ok {
						t.Errorf("%s is allowed, but the catalog does not list it", a)
						continue
					}
					if strings.Contains(a, "*") {
						t.Errorf("wildcard action %s", a)
					}
					for _, res := range resources {
						r := render(res)
						okRes := false
						switch kind {
						case "*":
							okRes = res == "*"
						case "loggroup":
							okRes = s.resources[ref(res)]["Type"] == "AWS::Logs::LogGroup"
						case "table":
							okRes = ref(res) == tableID || (strings.Contains(r, tableID) && strings.HasSuffix(r, `"/index/*"]]}`))
						case "secrets":
							okRes = false
							for _, name := range f.Secrets() {
								okRes = okRes || strings.HasSuffix(r, `:parameter/igny8/dev/`+name+`"]]}`)
							}
						case "machine":
							okRes = false
							for _, m := range append(append([]string{}, f.Needs.Starts...), f.Needs.Tokens...) {
								okRes = okRes || strings.HasSuffix(r, `:stateMachine:igny8-dev-`+m+`"]]}`)
							}
						case "function":
							for _, name := range f.Needs.Invokes {
								okRes = okRes || ref(res) == LogicalID(name)
							}
						case "objects":
							okRes = strings.Contains(r, "Images") && strings.HasSuffix(r, `"/*"]]}`)
						case "queue":
							okRes = s.resources[ref(res)]["Type"] == "AWS::SQS::Queue"
						}
						if !okRes {
							t.Errorf("%s on %s", a, r)
						}
						if res == "*" && kind != "*" {
							t.Errorf("%s on every resource", a)
						}
					}
				}
			}
			for a := range want {
				if !got[a] {
					t.Errorf("%s is not allowed, but the function needs it", a)
				}
			}
		})
	}
}

// No policy anywhere allows dynamodb:*, a wildcard action, or a table action
// on every resource.
func TestNoWildcards(t *testing.T) {
	s := dev(t)
	for id, pol := range s.ofType("AWS::IAM::Policy") {
		for _, st := range list(props(pol)["PolicyDocument"].(map[string]any)["Statement"]) {
			st := st.(map[string]any)
			for _, a := range strs(st["Action"]) {
				if a == "*" || strings.HasSuffix(a, ":*") {
					t.Errorf("%s allows %s", id, a)
				}
				if strings.HasPrefix(a, "dynamodb:") {
					for _, res := range list(st["Resource"]) {
						if res == "*" {
							t.Errorf("%s allows %s on *", id, a)
						}
					}
				}
			}
		}
	}
}

func TestTable(t *testing.T) {
	s := dev(t)
	def := tabledef.Definition
	var gsis []any
	attrs := map[string]bool{def.HashKey: true, def.SortKey: true}
	order := []string{def.HashKey, def.SortKey}
	for _, ix := range def.Indexes {
		order = append(order, ix.HashKey, ix.SortKey)
		gsis = append(gsis, map[string]any{
			"IndexName": ix.Name,
			"KeySchema": []any{map[string]any{"AttributeName": ix.HashKey, "KeyType": "HASH"},
				map[string]any{"AttributeName": ix.SortKey, "KeyType": "RANGE"}},
			"Projection": map[string]any{"ProjectionType": "ALL"},
		})
		attrs[ix.HashKey], attrs[ix.SortKey] = true, true
	}
	var attrDefs []any
	for _, a := range order {
		attrDefs = append(attrDefs, map[string]any{"AttributeName": a, "AttributeType": "S"})
	}
	check(t, "HasResource", func() {
		s.tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
			"Properties": map[string]any{
				"KeySchema": []any{map[string]any{"AttributeName": def.HashKey, "KeyType": "HASH"},
					map[string]any{"AttributeName": def.SortKey, "KeyType": "RANGE"}},
				"AttributeDefinitions":             assertions.Match_ArrayWith(&attrDefs),
				"GlobalSecondaryIndexes":           assertions.Match_ArrayWith(&gsis),
				"BillingMode":                      "PAY_PER_REQUEST",
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
				"TimeToLiveSpecification":          map[string]any{"AttributeName": def.TTLAttribute, "Enabled": true},
				"DeletionProtectionEnabled":        true,
			},
		})
	})
	for _, r := range s.ofType("AWS::DynamoDB::Table") {
		p := props(r)
		if n := len(list(p["GlobalSecondaryIndexes"])); n != len(def.Indexes) {
			t.Errorf("%d GSIs, want %d", n, len(def.Indexes))
		}
		if n := len(list(p["AttributeDefinitions"])); n != len(attrs) {
			t.Errorf("%d attribute definitions, want %d", n, len(attrs))
		}
	}
	// The context flag turns deletion protection off; the table is still retained.
	off := synth(t, Props{Stage: "dev", DeletionProtection: false})
	check(t, "HasResource", func() {
		off.tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy": "Retain",
			"Properties":     map[string]any{"DeletionProtectionEnabled": false},
		})
	})
}

func TestSchedules(t *testing.T) {
	s := dev(t)
	rules := s.ofType("AWS::Events::Rule")
	for _, f := range catalog.Functions {
		if f.Kind != "scheduled" {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			var rule map[string]any
			for _, r := range rules {
				if props(r)["Name"] == "igny8-dev-"+f.Name {
					rule = props(r)
				}
			}
			if rule == nil {
				t.Fatal("no rule")
			}
			if rule["ScheduleExpression"] != f.Schedule || rule["State"] != "ENABLED" {
				t.Errorf("schedule %v, state %v; want %s", rule["ScheduleExpression"], rule["State"], f.Schedule)
			}
			targets := list(rule["Targets"])
			if len(targets) != 1 {
				t.Fatalf("%d targets", len(targets))
			}
			tg := targets[0].(map[string]any)
			if ref(tg["Arn"]) != LogicalID(f.Name) {
				t.Errorf("target %s", render(tg["Arn"]))
			}
			dlq := ref(tg["DeadLetterConfig"].(map[string]any)["Arn"])
			if s.resources[dlq]["Type"] != "AWS::SQS::Queue" {
				t.Errorf("dead-letter queue %s", render(tg["DeadLetterConfig"]))
			}
			if render(tg["RetryPolicy"]) != `{"MaximumEventAgeInSeconds":300,"MaximumRetryAttempts":2}` {
				t.Errorf("retry policy %s", render(tg["RetryPolicy"]))
			}
			s.asyncConfig(t, f, dlq, 0)
		})
	}
}

// The cleanup of dead executions: a rule on both state machines' executions
// that end FAILED, TIMED_OUT or ABORTED targets execution-cleanup, with
// retries and a dead-letter queue.
func TestExecutionStatusRule(t *testing.T) {
	s := dev(t)
	var rule map[string]any
	for _, r := range s.ofType("AWS::Events::Rule") {
		if props(r)["Name"] == "igny8-dev-execution-cleanup" {
			rule = props(r)
		}
	}
	if rule == nil {
		t.Fatal("no execution-status rule")
	}
	pattern := rule["EventPattern"].(map[string]any)
	detail := pattern["detail"].(map[string]any)
	if render(pattern["source"]) != `["aws.states"]` || render(pattern["detail-type"]) != `["Step Functions Execution Status Change"]` ||
		render(detail["status"]) != `["FAILED","TIMED_OUT","ABORTED"]` {
		t.Errorf("pattern %s", render(pattern))
	}
	machines := list(detail["stateMachineArn"])
	if len(machines) != len(catalog.StateMachines) {
		t.Errorf("the rule watches %d state machines, want %d: %s", len(machines), len(catalog.StateMachines), render(machines))
	}
	for _, m := range machines {
		if s.resources[ref(m)]["Type"] != "AWS::StepFunctions::StateMachine" {
			t.Errorf("watched %s is no state machine of the stack", render(m))
		}
	}
	targets := list(rule["Targets"])
	if len(targets) != 1 {
		t.Fatalf("%d targets", len(targets))
	}
	tg := targets[0].(map[string]any)
	if ref(tg["Arn"]) != LogicalID("execution-cleanup") {
		t.Errorf("target %s", render(tg["Arn"]))
	}
	dlq := ref(tg["DeadLetterConfig"].(map[string]any)["Arn"])
	if s.resources[dlq]["Type"] != "AWS::SQS::Queue" {
		t.Errorf("dead-letter queue %s", render(tg["DeadLetterConfig"]))
	}
	if render(tg["RetryPolicy"]) != `{"MaximumEventAgeInSeconds":86400,"MaximumRetryAttempts":8}` {
		t.Errorf("retry policy %s", render(tg["RetryPolicy"]))
	}
	f, _ := catalog.Lookup("execution-cleanup")
	s.asyncConfig(t, f, dlq, 2)
}

// asyncConfig checks the function's EventInvokeConfig: retries and the
// on-failure queue.
func (s *synthesized) asyncConfig(t *testing.T, f catalog.Function, queue string, retries float64) {
	t.Helper()
	found := false
	for _, c := range s.ofType("AWS::Lambda::EventInvokeConfig") {
		p := props(c)
		if ref(p["FunctionName"]) != LogicalID(f.Name) {
			continue
		}
		found = true
		onFailure := p["DestinationConfig"].(map[string]any)["OnFailure"].(map[string]any)
		if p["MaximumRetryAttempts"] != retries || ref(onFailure["Destination"]) != queue {
			t.Errorf("async config %s, want %v retries and failures to %s", render(p), retries, queue)
		}
	}
	if !found {
		t.Errorf("%s has no async invoke config", f.Name)
	}
}

func TestAsyncFunctions(t *testing.T) {
	s := dev(t)
	n := 0
	for _, f := range catalog.Functions {
		if f.Kind != "async" {
			continue
		}
		n++
		var queue string
		for id, q := range s.ofType("AWS::SQS::Queue") {
			if props(q)["QueueName"] == "igny8-dev-"+f.Name+"-dlq" {
				queue = id
			}
		}
		if queue == "" {
			t.Fatalf("%s: no dead-letter queue", f.Name)
		}
		s.asyncConfig(t, f, queue, 2)
	}
	if n == 0 {
		t.Log("no async function in the catalog")
	}
}

func TestHTTPAPI(t *testing.T) {
	s := dev(t)
	var authorizerFn, apiFn string
	for _, f := range catalog.Functions {
		switch f.Kind {
		case "authorizer":
			authorizerFn = LogicalID(f.Name)
		case "api":
			apiFn = LogicalID(f.Name)
		}
	}
	auths := s.ofType("AWS::ApiGatewayV2::Authorizer")
	var authID string
	for id, a := range auths {
		authID = id
		p := props(a)
		want := map[string]any{"AuthorizerType": "REQUEST", "AuthorizerPayloadFormatVersion": "2.0", "EnableSimpleResponses": true,
			"IdentitySource": []any{"$request.header.Authorization"}, "AuthorizerResultTtlInSeconds": float64(60)}
		for k, v := range want {
			if !reflect.DeepEqual(p[k], v) {
				t.Errorf("authorizer %s = %s, want %s", k, render(p[k]), render(v))
			}
		}
		if !strings.Contains(render(p["AuthorizerUri"]), `"`+authorizerFn+`"`) {
			t.Errorf("authorizer URI %s does not call %s", render(p["AuthorizerUri"]), authorizerFn)
		}
	}
	for _, i := range s.ofType("AWS::ApiGatewayV2::Integration") {
		p := props(i)
		if ref(p["IntegrationUri"]) != apiFn || p["PayloadFormatVersion"] != "2.0" || p["IntegrationType"] != "AWS_PROXY" {
			t.Errorf("integration %s", render(p))
		}
	}
	routes := map[string]map[string]any{}
	for _, r := range s.ofType("AWS::ApiGatewayV2::Route") {
		routes[props(r)["RouteKey"].(string)] = props(r)
	}
	// The stage: throttled, with JSON access logs to its own log group.
	stages := s.ofType("AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		t.Fatalf("%d stages", len(stages))
	}
	for _, st := range stages {
		p := props(st)
		rs, _ := p["DefaultRouteSettings"].(map[string]any)
		if rs["ThrottlingRateLimit"] != float64(50) || rs["ThrottlingBurstLimit"] != float64(100) {
			t.Errorf("stage throttling %s", render(rs))
		}
		al, _ := p["AccessLogSettings"].(map[string]any)
		lg := s.resources[ref(al["DestinationArn"])]
		if lg["Type"] != "AWS::Logs::LogGroup" || props(lg)["LogGroupName"] != "/aws/apigateway/igny8-dev-api" {
			t.Errorf("access logs go to %s", render(al["DestinationArn"]))
		}
		var line map[string]string
		if err := json.Unmarshal([]byte(al["Format"].(string)), &line); err != nil || line["status"] != "$context.status" || line["requestId"] != "$context.requestId" {
			t.Errorf("access log format is not JSON with the request ID and status: %v %v", err, al["Format"])
		}
		// A bad key passes the authorizer with a denial (the API answers it
		// 401 in its own shape): the log names the denial and the account of
		// an allow, both read from the authorizer's context keys
		// (shared/authorizer's ContextDenied and ContextAccountID).
		if line["authorizerDenied"] != "$context.authorizer.denied" || line["accountId"] != "$context.authorizer.account_id" {
			t.Errorf("access log does not name the authorizer's denial and account: %v", al["Format"])
		}
		if strings.Contains(strings.ToLower(al["Format"].(string)), "authorization") {
			t.Error("the access log writes the Authorization header")
		}
	}
	proxy, ok := routes["ANY /{proxy+}"]
	if !ok || proxy["AuthorizationType"] != "CUSTOM" || ref(proxy["AuthorizerId"]) != authID {
		t.Errorf("ANY /{proxy+}: %s", render(proxy))
	}
	for _, path := range PublicRoutes {
		r, ok := routes["GET "+path]
		if !ok || r["AuthorizationType"] != "NONE" || r["AuthorizerId"] != nil {
			t.Errorf("GET %s should be public: %s", path, render(r))
		}
	}
	// API Gateway may call the authorizer and the API function.
	for _, fn := range []string{authorizerFn, apiFn} {
		found := false
		for _, p := range s.ofType("AWS::Lambda::Permission") {
			pp := props(p)
			found = found || (ref(pp["FunctionName"]) == fn && pp["Principal"] == "apigateway.amazonaws.com")
		}
		if !found {
			t.Errorf("API Gateway may not invoke %s", fn)
		}
	}
	if out, _ := s.json["Outputs"].(map[string]any); out["ApiUrl"] == nil {
		t.Error("no ApiUrl output")
	}
}

func TestImageBucket(t *testing.T) {
	s := dev(t)
	check(t, "HasResource", func() {
		s.tmpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{
			"DeletionPolicy": "Retain",
			"Properties": map[string]any{
				"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true,
					"IgnorePublicAcls": true, "RestrictPublicBuckets": true},
				"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
					map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}},
			},
		})
	})
	statements := []any{map[string]any{"Effect": "Deny", "Action": "s3:*", "Principal": map[string]any{"AWS": "*"},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}, "Resource": assertions.Match_AnyValue()}}
	check(t, "HasResourceProperties", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&statements)},
		})
	})
}

// Alarms: errors of every function, failed executions of every state
// machine, a non-empty dead-letter queue; each notifies the alarm topic.
func TestAlarms(t *testing.T) {
	s := dev(t)
	topic := ""
	for id := range s.ofType("AWS::SNS::Topic") {
		topic = id
	}
	byMetric := map[string][]string{}
	rated := map[string]bool{} // function logical IDs whose errors alarm as a rate
	for id, a := range s.ofType("AWS::CloudWatch::Alarm") {
		p := props(a)
		if len(list(p["AlarmActions"])) != 1 || ref(list(p["AlarmActions"])[0]) != topic {
			t.Errorf("%s does not notify the topic: %s", id, render(p["AlarmActions"]))
		}
		if p["Dimensions"] != nil {
			metric := p["Namespace"].(string) + "/" + p["MetricName"].(string)
			for _, d := range list(p["Dimensions"]) {
				v := ref(d.(map[string]any)["Value"])
				if class, ok := d.(map[string]any)["Value"].(string); ok { // our own metrics' dimension values
					v = class
				}
				byMetric[metric] = append(byMetric[metric], v)
			}
		}
		// A rate: errors over invocations of one function, three periods running.
		if p["Metrics"] != nil {
			ms := list(p["Metrics"])
			var expr string
			fns := map[string]string{} // metric name → function
			var unreached []string     // the classes of a sum of publish failures
			for _, m := range ms {
				m := m.(map[string]any)
				if e, ok := m["Expression"].(string); ok {
					expr = e
					continue
				}
				metric := m["MetricStat"].(map[string]any)["Metric"].(map[string]any)
				dim := list(metric["Dimensions"])[0].(map[string]any)
				if metric["MetricName"] == metrics.PublishFailures && metric["Namespace"] == "IGNY8/dev" {
					unreached = append(unreached, dim["Value"].(string))
					continue
				}
				fns[metric["MetricName"].(string)] = ref(dim["Value"])
			}
			if len(unreached) > 0 {
				sort.Strings(unreached)
				want := append([]string{}, metrics.PublishFailuresNetwork...)
				sort.Strings(want)
				if strings.Join(unreached, ",") != strings.Join(want, ",") || p["Threshold"] != float64(25) || len(fns) > 0 {
					t.Errorf("%s: the unreachable-sites alarm %s", id, render(p))
				}
				byMetric["IGNY8/dev/PublishFailures"] = append(byMetric["IGNY8/dev/PublishFailures"], "network")
				continue
			}
			if !strings.Contains(expr, "100 * err / inv") || fns["Errors"] == "" || fns["Errors"] != fns["Invocations"] ||
				p["EvaluationPeriods"] != float64(3) || p["DatapointsToAlarm"] != float64(3) || p["Threshold"] != float64(20) {
				t.Errorf("%s: a rate alarm %s", id, render(p))
			}
			rated[fns["Errors"]] = true
		}
	}
	has := func(metric, id string) bool {
		for _, x := range byMetric[metric] {
			if x == id {
				return true
			}
		}
		return false
	}
	for _, f := range catalog.Functions {
		// Steps and the API answer business outcomes as errors: those alarm
		// on a rate; the rest on any error.
		switch id := LogicalID(f.Name); {
		case ErrorRateAlarmed[f.Kind] && (!rated[id] || has("AWS/Lambda/Errors", id)):
			t.Errorf("%s (%s) should alarm on its error rate only", f.Name, f.Kind)
		case !ErrorRateAlarmed[f.Kind] && !has("AWS/Lambda/Errors", id):
			t.Errorf("no error alarm for %s", f.Name)
		}
	}
	for id := range s.ofType("AWS::StepFunctions::StateMachine") {
		if !has("AWS/States/ExecutionsFailed", id) {
			t.Errorf("no failed-executions alarm for %s", id)
		}
	}
	for id := range s.ofType("AWS::SQS::Queue") {
		if !has("AWS/SQS/ApproximateNumberOfMessagesVisible", id) {
			t.Errorf("no alarm on queue %s", id)
		}
	}
	// Publish failures page by class: ours at once, unreachable sites in a burst.
	for _, class := range append([]string{"network"}, metrics.PublishFailuresOurs...) {
		if !has("IGNY8/dev/PublishFailures", class) {
			t.Errorf("no alarm on publish failures of class %s", class)
		}
	}
	if has("IGNY8/dev/PublishFailures", "unauthorized") {
		t.Error("a site owner's refused password pages the operator")
	}
}

// CloudFormation refuses a template whose resources depend on each other in
// a circle (e.g. a state machine naming a function whose policy names the
// state machine); synth does not notice, so check here.
func TestNoCircularDependencies(t *testing.T) {
	s := dev(t)
	deps := map[string]map[string]bool{}
	var walk func(from string, v any)
	walk = func(from string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if id := ref(v); id != "" && s.resources[id] != nil {
				deps[from][id] = true
			}
			if sub, ok := v["Fn::Sub"]; ok {
				text := render(sub)
				for id := range s.resources {
					if strings.Contains(text, "${"+id+"}") || strings.Contains(text, "${"+id+".") {
						deps[from][id] = true
					}
				}
			}
			for _, x := range v {
				walk(from, x)
			}
		case []any:
			for _, x := range v {
				walk(from, x)
			}
		}
	}
	for id, r := range s.resources {
		deps[id] = map[string]bool{}
		walk(id, r["Properties"])
		for _, d := range strs(r["DependsOn"]) {
			deps[id][d] = true
		}
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(id string) bool
	visit = func(id string) bool {
		switch state[id] {
		case visiting:
			i := 0
			for path[i] != id {
				i++
			}
			t.Errorf("circular dependency: %s → %s", strings.Join(path[i:], " → "), id)
			return false
		case done:
			return true
		}
		state[id] = visiting
		path = append(path, id)
		next := make([]string, 0, len(deps[id]))
		for d := range deps[id] {
			next = append(next, d)
		}
		sort.Strings(next)
		for _, d := range next {
			if !visit(d) {
				return false
			}
		}
		path = path[:len(path)-1]
		state[id] = done
		return true
	}
	ids := make([]string, 0, len(deps))
	for id := range deps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !visit(id) {
			return
		}
	}
}

func TestStageNames(t *testing.T) {
	prod := synth(t, Props{Stage: "prod", DeletionProtection: true, AlarmEmail: "ops@example.com"})
	check(t, "HasResourceProperties", func() {
		prod.tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"FunctionName": "igny8-prod-api",
			"Environment":  map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{"SECRETS_PARAMETER_PATH": "/igny8/prod/"})},
		})
	})
	check(t, "HasResourceProperties", func() {
		prod.tmpl.HasResourceProperties(jsii.String("AWS::StepFunctions::StateMachine"), map[string]any{"StateMachineName": "igny8-prod-automation"})
	})
	check(t, "HasResourceProperties", func() {
		prod.tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{"Protocol": "email", "Endpoint": "ops@example.com"})
	})
	for _, bad := range []string{"Prod", "1dev", "dev_1", "a-very-long-stage-name", "dev/x"} {
		app := awscdk.NewApp(nil)
		if _, err := New(app, ID, Props{Stage: bad, Assets: func(string) string { return "." }}); err == nil {
			t.Errorf("stage %q accepted", bad)
		}
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"api": "ApiFunction", "credit-reserve": "CreditReserveFunction",
		"op-generate-image-prompts": "OpGenerateImagePromptsFunction"} {
		if got := LogicalID(in); got != want {
			t.Errorf("LogicalID(%s) = %s, want %s", in, got, want)
		}
	}
	got := Placeholders([]byte(`{"a":"${AArn}","b":"${BArn}","c":"${AArn}","d":"$.x"}`))
	if !reflect.DeepEqual(got, []string{"AArn", "BArn"}) {
		t.Errorf("Placeholders = %v", got)
	}
}

// docs/cloud.md gives a sam local invoke command for every function, with
// its logical ID and its sample event (which must exist).
func TestDocsInvokeEveryFunction(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/cloud.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(doc), "\n")
	for _, f := range catalog.Functions {
		event := "events/" + f.Name + ".json"
		if _, err := os.Stat(filepath.Join("../../..", event)); err != nil {
			t.Errorf("%s has no sample event %s", f.Name, event)
		}
		found := false
		for _, l := range lines {
			found = found || strings.Contains(l, "sam local invoke -t $T "+LogicalID(f.Name)+" -e "+event)
		}
		if !found {
			t.Errorf("docs/cloud.md has no `sam local invoke -t $T %s -e %s`", LogicalID(f.Name), event)
		}
	}
}

// The dashboard shows every metric the functions report (shared/metrics),
// in the stage's namespace, beside Lambda's and Step Functions' own.
func TestDashboard(t *testing.T) {
	s := dev(t)
	boards := s.ofType("AWS::CloudWatch::Dashboard")
	if len(boards) != 1 {
		t.Fatalf("%d dashboards", len(boards))
	}
	for _, d := range boards {
		body := render(props(d)["DashboardBody"])
		if props(d)["DashboardName"] != "igny8-dev-operations" {
			t.Errorf("name %v", props(d)["DashboardName"])
		}
		for _, name := range metrics.Names {
			if !strings.Contains(body, `MetricName=\\\"`+name+`\\\"`) {
				t.Errorf("no widget shows %s", name)
			}
		}
		for _, want := range []string{`IGNY8/dev`, `AWS/Lambda`, `ExecutionsFailed`, `igny8-dev-`} {
			if !strings.Contains(body, want) {
				t.Errorf("the dashboard has no %s", want)
			}
		}
	}
}

// What make deploy's bootstrap reads after cdk deploy: the table's name
// (from --outputs-file) and the secrets path its secrets go under, which is
// the path every function reads; the admin key's parameter is outside it.
func TestBootstrapOutputs(t *testing.T) {
	s := dev(t)
	out, _ := s.json["Outputs"].(map[string]any)
	table, _ := out["TableName"].(map[string]any)
	if s.resources[ref(table["Value"])]["Type"] != "AWS::DynamoDB::Table" {
		t.Errorf("TableName output %s", render(table))
	}
	path, _ := out["SecretsParameterPath"].(map[string]any)
	if path["Value"] != catalog.SecretsPath("dev") {
		t.Errorf("SecretsParameterPath %s, the bootstrap writes under %s", render(path), catalog.SecretsPath("dev"))
	}
	if strings.HasPrefix(catalog.AdminKeyParameter("dev"), catalog.SecretsPath("dev")) {
		t.Error("the admin key's parameter is under the path every function may read")
	}
}
