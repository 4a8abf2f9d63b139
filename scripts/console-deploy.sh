#!/usr/bin/env bash
# Uploads the built web console (console/dist) to the stack's console bucket
# and refreshes CloudFront, after `make deploy` created them
# (infra/cdk/stack/console.go). Needs the aws CLI and the network; not run by
# make test (there is no AWS here to test it against).
#
#   STAGE=dev scripts/console-deploy.sh
#
# Hashed files under assets/ are cached for a year; index.html is never
# cached (it names the current assets), so a new deploy shows at once.
set -euo pipefail
cd "$(dirname "$0")/.."
STAGE=${STAGE:-dev}
stack="igny8-$STAGE"
command -v aws >/dev/null 2>&1 || { echo "console-deploy: the aws CLI is required" >&2; exit 1; }
./scripts/console.sh
out() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
bucket=$(out ConsoleBucketName)
dist=$(out ConsoleDistributionId)
[ -n "$bucket" ] && [ "$bucket" != None ] || { echo "console-deploy: $stack has no ConsoleBucketName output (make deploy first)" >&2; exit 1; }
aws s3 sync console/dist/assets "s3://$bucket/assets" --cache-control "public, max-age=31536000, immutable"
aws s3 cp console/dist/index.html "s3://$bucket/index.html" --cache-control "no-cache" --content-type "text/html; charset=utf-8"
aws s3 sync console/dist "s3://$bucket" --delete --exclude "assets/*" --exclude index.html --exclude .inputs.sha256
aws cloudfront create-invalidation --distribution-id "$dist" --paths /index.html >/dev/null
echo "console: $(out ConsoleUrl) (sign in with #key=<api key>)"
