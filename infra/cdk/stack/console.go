package stack

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

// consoleRewrite runs on the console's default behaviour: a path without a
// file extension is a console screen (/sites/x/automation) and gets
// index.html, whose router draws it. /v1/* never reaches it (its own
// behaviour), so the API's own 404s stay JSON, which an error-response
// rewrite on the whole distribution would not allow.
const consoleRewrite = `function handler(event) {
  var r = event.request;
  if (!/\.[A-Za-z0-9]+$/.test(r.uri)) { r.uri = "/index.html"; }
  return r;
}`

// console hosts the web console (console/dist) from a private bucket behind
// CloudFront, with /v1/* sent to the HTTP API on the same origin, so the
// console calls the API without CORS. The files are uploaded by
// scripts/console-deploy.sh after `make deploy` (no BucketDeployment: it
// would add a Lambda and a custom resource the stack otherwise has none of).
func (b *builder) console() error {
	child := b.stack.Node().TryFindChild(jsii.String("HttpApi"))
	api, ok := child.(awsapigatewayv2.IHttpApi)
	if !ok {
		return fmt.Errorf("console: the stack has no HttpApi to route /v1/* to")
	}
	bucket := awss3.NewBucket(b.stack, jsii.String("Console"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		// Kept when the stack is deleted: CloudFormation cannot delete a
		// bucket with objects in it, and emptying it would take a custom
		// resource (the files are only build output; delete it by hand).
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	rewrite := awscloudfront.NewFunction(b.stack, jsii.String("ConsoleRewrite"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(consoleRewrite)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
	})
	// The API's host name: https://<id>.execute-api.<region>.amazonaws.com.
	apiHost := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), api.ApiEndpoint(), nil))
	dist := awscloudfront.NewDistribution(b.stack, jsii.String("ConsoleDistribution"), &awscloudfront.DistributionProps{
		Comment:           jsii.String(Prefix(b.props.Stage) + " console"),
		DefaultRootObject: jsii.String("index.html"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:               awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, nil),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST, Function: rewrite}},
		},
		AdditionalBehaviors: &map[string]*awscloudfront.BehaviorOptions{
			"/v1/*": {
				Origin: awscloudfrontorigins.NewHttpOrigin(apiHost, &awscloudfrontorigins.HttpOriginProps{
					ProtocolPolicy: awscloudfront.OriginProtocolPolicy_HTTPS_ONLY}),
				ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
				AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
				// Every answer is per key: nothing cached, every header but
				// Host (API Gateway routes on its own) passed on.
				CachePolicy:         awscloudfront.CachePolicy_CACHING_DISABLED(),
				OriginRequestPolicy: awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			},
		},
	})
	b.output("ConsoleBucketName", bucket.BucketName())
	b.output("ConsoleDistributionId", dist.DistributionId())
	b.output("ConsoleUrl", jsii.String("https://"+*dist.DistributionDomainName()))
	return nil
}
