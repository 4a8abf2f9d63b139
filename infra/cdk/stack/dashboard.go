package stack

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/metrics"
)

// dashboard is one CloudWatch dashboard of the stage: what the functions
// report (shared/metrics, Embedded Metric Format) beside what AWS reports of
// the functions, the state machines and the queues. SEARCH expressions pick
// up every dimension value (every operation type, outcome, provider) as it
// appears, so nothing here lists them.
func (b *builder) dashboard() {
	ns := catalog.MetricsNamespace(b.props.Stage)
	prefix := Prefix(b.props.Stage) + "-"
	search := func(namespace, dims, name, stat string) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(fmt.Sprintf(`SEARCH('{"%s",%s} MetricName="%s"', '%s', 300)`, namespace, dims, name, stat)),
			Period:     fiveMinutes(), Label: jsii.String(""),
		})
	}
	own := func(dims, name, stat string) awscloudwatch.IMetric { return search(ns, dims, name, stat) }
	graph := func(title string, left ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &left, Width: jsii.Number(12), Height: jsii.Number(6)})
	}
	lambda := func(name string) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(fmt.Sprintf(`SEARCH('{AWS/Lambda,FunctionName} MetricName="%s" FunctionName="%s"', 'Sum', 300)`, name, prefix)),
			Period:     fiveMinutes(), Label: jsii.String(""),
		})
	}
	var failed []awscloudwatch.IMetric
	for _, sm := range catalog.StateMachines {
		failed = append(failed, b.machines[sm.Name].MetricFailed(&awscloudwatch.MetricOptions{Period: fiveMinutes(), Statistic: jsii.String("Sum")}))
	}
	awscloudwatch.NewDashboard(b.stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(prefix + "operations"),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{graph("Operations by type and outcome", own("OperationType,Outcome", metrics.Operations, "Sum")),
				graph("Credits reserved, settled, released", own("OperationType", metrics.CreditsReserved, "Sum"),
					own("OperationType,Outcome", metrics.CreditsSettled, "Sum"), own("OperationType", metrics.CreditsReleased, "Sum"))},
			{graph("Provider latency p90 (ms) by class", own("Class,Provider", metrics.ProviderLatency, "p90")),
				graph("Provider errors by class", own("Class,Provider", metrics.ProviderErrors, "Sum"))},
			{graph("Publish outcomes", own("Outcome", metrics.Publishes, "Sum")),
				graph("Runs and their duration (s) by status", own("Status", metrics.Runs, "Sum"), own("Status", metrics.RunDuration, "Average"))},
			{graph("Infra cost per run (micro-USD; the local stack measures it)", own("Status", metrics.RunInfraCost, "Average")),
				graph("Executions failed (our own errors)", failed...)},
			{graph("Lambda errors", lambda("Errors")), graph("Lambda throttles", lambda("Throttles"))},
		},
	})
}
