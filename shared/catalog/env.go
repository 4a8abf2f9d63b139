package catalog

// Variables are every environment variable a function reads, with where its
// value comes from in the cloud. The CDK stack declares each one in every
// function's environment (empty where Parameter Store fills it or the cloud
// wants none): `sam local invoke` passes a function only the variables its
// template declares, so a variable left out could not be set from an
// --env-vars file. A test scans the functions' code for variables missing
// here; AWS_* variables are the runtime's and are not declared.
var Variables = []Variable{
	{"TABLE_NAME", FromStack},
	{"LOG_LEVEL", FromStack},
	{"BRAND_NAME", FromStack},
	{"SECRETS_PARAMETER_PATH", FromStack},
	{"METRICS_NAMESPACE", FromStack},            // the CloudWatch namespace of the functions' metrics
	{"BLOB_BUCKET", FromStack},                  // functions that keep images
	{"OPERATION_STATE_MACHINE_ARN", FromStack},  // functions that start executions
	{"AUTOMATION_STATE_MACHINE_ARN", FromStack}, // functions that start executions
	{"PUBLISH_FUNCTION_NAME", FromStack},        // functions that invoke publish-content
	{"CURSOR_SECRET", FromParameterStore},
	{"SECRETS_KEY", FromParameterStore},
	{"OPENAI_API_KEY", FromParameterStore},
	{"ANTHROPIC_API_KEY", FromParameterStore},
	{"RUNWARE_API_KEY", FromParameterStore},
	{"OPENAI_COMPATIBLE_API_KEY", FromParameterStore},
	{"DYNAMODB_ENDPOINT", Unset}, // DynamoDB Local
	{"BLOB_DIR", Unset},          // images on disk where no bucket is set
	{"BLOB_BASE_URL", Unset},
	{"OUTBOUND_ALLOW_HOSTS", Unset}, // the cloud reaches nothing internal
	{"OPENAI_COMPATIBLE_BASE_URL", Unset},
	{"OPENAI_BASE_URL", Unset},
	{"ANTHROPIC_BASE_URL", Unset},
	{"RUNWARE_BASE_URL", Unset},
	{"OFFLINE_LATENCY_MS", Unset},
}

// Variable is one environment variable and where its cloud value comes from.
type Variable struct {
	Name   string
	Source Source
}

// Source is where a variable's value comes from in the cloud.
type Source int

const (
	// FromStack: the CDK stack sets it (where the function needs it).
	FromStack Source = iota
	// FromParameterStore: declared empty; SECRETS_PARAMETER_PATH fills it
	// at start-up (shared/config.SecretNames).
	FromParameterStore
	// Unset: declared empty in the cloud; set locally or through SAM.
	Unset
)

// SecretsPath is the Parameter Store path of a stage's secrets, which every
// function reads at start-up (SECRETS_PARAMETER_PATH).
func SecretsPath(stage string) string { return "/igny8/" + stage + "/" }

// AdminKeyParameter is where the bootstrap leaves a stage's first admin API
// key for the operator. It is outside SecretsPath: no function may read it.
func AdminKeyParameter(stage string) string { return "/igny8-admin/" + stage + "/ADMIN_API_KEY" }

// MetricsNamespace is the CloudWatch namespace a stage's functions write
// their metrics to (METRICS_NAMESPACE) and its dashboard reads.
func MetricsNamespace(stage string) string { return "IGNY8/" + stage }
