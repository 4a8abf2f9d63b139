#!/usr/bin/env bash
# Deploys the cloud stack to the AWS account and region of your credentials
# (AWS_PROFILE / AWS_REGION, or the usual environment variables). See
# docs/cloud.md. It is not run by make test, and needs the network.
#
#   STAGE=dev scripts/cdk-deploy.sh [cdk deploy options]
#
# 1. synthesizes (scripts/cdk-synth.sh: CLI, bootstraps, cdk.out/) for STAGE,
# 2. warns when the required secret /igny8/$STAGE/CURSOR_SECRET is missing
#    (only if the aws CLI is installed),
# 3. deploys that assembly: cdk deploy --app cdk.out Igny8Stack.
#
# Once per account and region first: .cache/npm-cdk/node_modules/.bin/cdk bootstrap
# Context: DELETION_PROTECTION=false turns the table's deletion protection off;
# ALARM_EMAIL=ops@example.com subscribes an address to the alarms.
set -euo pipefail
cd "$(dirname "$0")/.."

STAGE=${STAGE:-dev}
ctx=(-c "stage=$STAGE")
[ -n "${DELETION_PROTECTION:-}" ] && ctx+=(-c "deletionProtection=$DELETION_PROTECTION")
[ -n "${ALARM_EMAIL:-}" ] && ctx+=(-c "alarmEmail=$ALARM_EMAIL")

./scripts/cdk-synth.sh "${ctx[@]}"

if command -v aws >/dev/null 2>&1; then
  if ! aws ssm get-parameter --name "/igny8/$STAGE/CURSOR_SECRET" --query Parameter.Name --output text >/dev/null 2>&1; then
    echo "cdk-deploy: /igny8/$STAGE/CURSOR_SECRET is not set: every function refuses to start without it." >&2
    echo "  aws ssm put-parameter --type SecureString --name /igny8/$STAGE/CURSOR_SECRET --value \"\$(openssl rand -hex 32)\"" >&2
  fi
fi

export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
exec .cache/npm-cdk/node_modules/.bin/cdk deploy --app cdk.out Igny8Stack --no-notices "$@"
