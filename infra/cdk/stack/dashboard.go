package stack

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
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
				graph("Publish failures by class", own("Class", metrics.PublishFailures, "Sum"))},
			{graph("Runs and their duration (s) by status", own("Status", metrics.Runs, "Sum"), own("Status", metrics.RunDuration, "Average"))},
			{graph("Infra cost per run (micro-USD; the local stack measures it)", own("Status", metrics.RunInfraCost, "Average")),
				graph("Executions failed (our own errors)", failed...)},
			{graph("Lambda errors", lambda("Errors")), graph("Lambda throttles", lambda("Throttles"))},
		},
	})
}

// publishAlarms page on the publish failures that need the operator: each
// class of our own (metrics.PublishFailuresOurs) at the first one, and the
// sites we could not reach (PublishFailuresNetwork) when 25 or more fail in
// 15 minutes, which points at our network rather than at one site. The
// other classes are the site owner's, told by a notification.
func (b *builder) publishAlarms() {
	ns := catalog.MetricsNamespace(b.props.Stage)
	failures := func(class string, period awscdk.Duration) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String(ns), MetricName: jsii.String(metrics.PublishFailures),
			DimensionsMap: &map[string]*string{"Class": jsii.String(class)}, Period: period, Statistic: jsii.String("Sum")})
	}
	for _, class := range metrics.PublishFailuresOurs {
		b.alarm("PublishFailed"+camel(class), failures(class, fiveMinutes()), 1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			"publishing failed on our side ("+class+"): see the publish-content logs")
	}
	quarter := awscdk.Duration_Minutes(jsii.Number(15))
	using := map[string]awscloudwatch.IMetric{}
	var terms []string
	for i, class := range metrics.PublishFailuresNetwork {
		id := fmt.Sprintf("m%d", i)
		using[id] = failures(class, quarter)
		terms = append(terms, id)
	}
	b.alarm("PublishFailedUnreachable", awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(strings.Join(terms, " + ")), UsingMetrics: &using, Period: quarter, Label: jsii.String("sites not reached")}),
		publishUnreachableBurst, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		fmt.Sprintf("%.0f or more publishes could not reach their sites in 15 minutes: check the functions' network", publishUnreachableBurst))
}

// publishUnreachableBurst is how many unreachable sites in 15 minutes page.
const publishUnreachableBurst float64 = 25
