// Package callscan finds the AWS calls each Lambda's code can reach, so the
// permissions the stack grants (shared/catalog's Needs) can be checked
// against the code instead of trusted.
//
// It builds the SSA form of functions/... in the root module and a call
// graph (VTA, refined from CHA), walks it from each main, and collects every
// call our own code makes whose second parameter is an AWS SDK v2
// *<service>.<Operation>Input: client calls, the store's one-method
// interfaces over them, paginators and waiters alike; and X-Amz-Target
// constants ("AmazonSSM.GetParametersByPath") and awsenv.Action constants
// ("lambda:InvokeFunction") of calls signed by hand. Function values made in
// our code count as called (lambda.Start invokes its handler by reflection,
// net/http its routes). TransactWriteItems needs the actions of the items it
// writes, so the fields of types.TransactWriteItem our code sets count too.
package callscan

import (
	"errors"
	"fmt"
	"go/constant"
	"go/types"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/cha"
	"golang.org/x/tools/go/callgraph/vta"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

const (
	module  = "github.com/igny8/igny8-serverless"
	sdk     = "github.com/aws/aws-sdk-go-v2/service/"
	ddbType = "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Cut says that in the Lambda main, caller never calls callee nor hands it
// on as a function value (functions named as ssa.Function.String prints
// them): a dispatch on a value fixed by main that a call graph cannot
// follow, e.g. a table of handlers by function name. nil cuts nothing.
type Cut func(main, caller, callee string) bool

// Scan loads the packages matched by patterns (e.g. "./functions/...") in
// dir and answers, for each main package by its folder name, the IAM actions
// its reachable code calls ("dynamodb:GetItem", "states:StartExecution").
func Scan(dir string, cut Cut, patterns ...string) (map[string][]string, error) {
	cfg := &packages.Config{Mode: packages.LoadAllSyntax, Dir: dir, Tests: false}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, err
	}
	var errs []error
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e)
		}
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("the code does not build: %w", errors.Join(errs...))
	}
	prog, ssaPkgs := ssautil.AllPackages(pkgs, ssa.InstantiateGenerics)
	prog.Build()
	cg := vta.CallGraph(ssautil.AllFunctions(prog), cha.CallGraph(prog))
	out := map[string][]string{}
	for _, p := range ssaPkgs {
		if p == nil || p.Pkg.Name() != "main" || p.Func("main") == nil {
			continue
		}
		roots := []*ssa.Function{p.Func("main")}
		if init := p.Func("init"); init != nil {
			roots = append(roots, init)
		}
		path := p.Pkg.Path()
		name := path[strings.LastIndex(path, "/")+1:]
		actions := map[string]bool{}
		skip := func(caller, callee *ssa.Function) bool {
			return cut != nil && cut(name, caller.String(), callee.String())
		}
		for fn := range reachable(cg, roots, skip) {
			if ours(fn) {
				collect(fn, actions)
			}
		}
		list := make([]string, 0, len(actions))
		for a := range actions {
			list = append(list, a)
		}
		sort.Strings(list)
		out[name] = list
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no main packages in %v", patterns)
	}
	return out, nil
}

// reachable walks the call graph from roots. The call graph is context
// insensitive: a function-value call (fn() in a helper) leads to every
// closure that ever flows there, so such an edge is only followed once the
// closure is made in reached code. Function values made in our code are
// taken as called.
func reachable(cg *callgraph.Graph, roots []*ssa.Function, skip func(caller, callee *ssa.Function) bool) map[*ssa.Function]bool {
	seen := map[*ssa.Function]bool{}
	made := map[*ssa.Function]bool{}    // function values created in reached code
	waiting := map[*ssa.Function]bool{} // called as a value before being made
	var visit func(fn *ssa.Function)
	visit = func(fn *ssa.Function) {
		if fn == nil || seen[fn] {
			return
		}
		seen[fn] = true
		mine := ours(fn)
		for _, b := range fn.Blocks {
			for _, ins := range b.Instrs {
				var callee ssa.Value
				if c, ok := ins.(ssa.CallInstruction); ok {
					callee = c.Common().Value
				}
				for _, op := range ins.Operands(nil) {
					if op == nil || *op == nil || *op == callee {
						continue
					}
					var value *ssa.Function
					switch v := (*op).(type) {
					case *ssa.Function:
						value = v
					case *ssa.MakeClosure:
						value = v.Fn.(*ssa.Function)
					}
					if value != nil && !made[value] && !skip(fn, value) {
						made[value] = true
						if mine || waiting[value] {
							visit(value)
						}
					}
				}
			}
		}
		n := cg.Nodes[fn]
		if n == nil {
			return
		}
		for _, e := range n.Out {
			callee := e.Callee.Func
			if skip(fn, callee) {
				continue
			}
			if e.Site != nil && !e.Site.Common().IsInvoke() && e.Site.Common().StaticCallee() == nil && !made[callee] {
				waiting[callee] = true
				continue
			}
			visit(callee)
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return seen
}

func ours(fn *ssa.Function) bool {
	if o := fn.Origin(); o != nil {
		fn = o
	}
	for fn.Pkg == nil && fn.Parent() != nil {
		fn = fn.Parent()
	}
	return fn.Pkg != nil && (fn.Pkg.Pkg.Path() == module || strings.HasPrefix(fn.Pkg.Pkg.Path(), module+"/"))
}

// collect adds the IAM actions of the SDK calls fn makes.
func collect(fn *ssa.Function, actions map[string]bool) {
	for _, b := range fn.Blocks {
		for _, ins := range b.Instrs {
			for _, op := range ins.Operands(nil) {
				if op == nil {
					continue
				}
				if c, ok := (*op).(*ssa.Const); ok && c.Value != nil && c.Value.Kind() == constant.String {
					if a := targetAction(constant.StringVal(c.Value)); a != "" {
						actions[a] = true
					}
					if isAction(c.Type()) {
						actions[constant.StringVal(c.Value)] = true
					}
				}
			}
			switch ins := ins.(type) {
			case *ssa.FieldAddr:
				// Only a field the code sets asks for the action (a
				// composite literal stores through its FieldAddr); reading
				// which kind an item is (encoding it) asks for nothing.
				if stored(ins) {
					collectField(ins.X.Type(), ins.Field, actions)
				}
			case ssa.CallInstruction:
				sig := ins.Common().Signature()
				if sig.Params().Len() < 2 {
					continue
				}
				ptr, ok := sig.Params().At(1).Type().(*types.Pointer)
				if !ok {
					continue
				}
				named, ok := ptr.Elem().(*types.Named)
				if !ok || named.Obj().Pkg() == nil {
					continue
				}
				pkg := named.Obj().Pkg().Path()
				op, isInput := strings.CutSuffix(named.Obj().Name(), "Input")
				if !isInput || !strings.HasPrefix(pkg, sdk) || strings.Contains(strings.TrimPrefix(pkg, sdk), "/") {
					continue
				}
				if a := Action(strings.TrimPrefix(pkg, sdk), op); a != "" {
					actions[a] = true
				}
			}
		}
	}
}

// The items of a DynamoDB transaction need their own actions.
var transactItems = map[string]map[string]string{
	"TransactWriteItem": {"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem", "Delete": "dynamodb:DeleteItem",
		"ConditionCheck": "dynamodb:ConditionCheckItem"},
	"TransactGetItem": {"Get": "dynamodb:GetItem"},
}

// stored reports whether a value is stored through the field address fa.
func stored(fa *ssa.FieldAddr) bool {
	for _, r := range *fa.Referrers() {
		if st, ok := r.(*ssa.Store); ok && st.Addr == fa {
			return true
		}
	}
	return false
}

func collectField(t types.Type, field int, actions map[string]bool) {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	named, ok := t.(*types.Named)
	if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != ddbType {
		return
	}
	if kinds, ok := transactItems[named.Obj().Name()]; ok {
		if a, ok := kinds[named.Underlying().(*types.Struct).Field(field).Name()]; ok {
			actions[a] = true
		}
	}
}

// isAction reports whether t is awsenv.Action, the type of the IAM action a
// call signed by hand names as a constant ("lambda:InvokeFunction").
func isAction(t types.Type) bool {
	named, ok := t.(*types.Named)
	return ok && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == module+"/shared/awsenv" && named.Obj().Name() == "Action"
}

// targets are the X-Amz-Target prefixes of the JSON-protocol services, for
// adapters that sign their own HTTP calls instead of using the SDK.
var targets = map[string]string{"AmazonSSM": "ssm", "DynamoDB_20120810": "dynamodb", "AWSStepFunctions": "sfn"}

var targetPattern = regexp.MustCompile(`^([A-Za-z0-9_]+)\.([A-Z][A-Za-z]+)$`)

// targetAction is the action of an X-Amz-Target value ("AmazonSSM.GetParametersByPath").
func targetAction(s string) string {
	m := targetPattern.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	svc, ok := targets[m[1]]
	if !ok {
		return ""
	}
	return Action(svc, m[2])
}

// Action is the IAM action an SDK operation needs ("" when it needs none of
// its own, as TransactWriteItems, whose items do).
func Action(service, op string) string {
	switch service + ":" + op {
	case "dynamodb:TransactWriteItems", "dynamodb:TransactGetItems":
		return ""
	case "lambda:Invoke", "lambda:InvokeWithResponseStream":
		return "lambda:InvokeFunction"
	case "s3:HeadObject":
		return "s3:GetObject"
	case "s3:ListObjectsV2":
		return "s3:ListBucket"
	}
	if service == "sfn" {
		service = "states"
	}
	return service + ":" + op
}
