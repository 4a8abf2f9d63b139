#!/usr/bin/env bash
# Deploys the cloud stack to the AWS account and region of your credentials
# (AWS_PROFILE / AWS_REGION, or the usual environment variables). See
# docs/cloud.md. It is not run by make test, and needs the network.
#
#   STAGE=dev scripts/cdk-deploy.sh [cdk deploy options]
#
# 1. synthesizes (scripts/cdk-synth.sh: CLI, bootstraps, cdk.out/) for STAGE,
# 2. creates the secrets /igny8/$STAGE/CURSOR_SECRET and SECRETS_KEY when
#    missing (infra/bootstrap secrets),
# 3. deploys that assembly: cdk deploy --app cdk.out Igny8Stack, its outputs
#    in .local/cdk-outputs.json,
# 4. seeds the models and billing and creates the first admin API key in
#    /igny8-admin/$STAGE/ADMIN_API_KEY (infra/bootstrap data).
# Both bootstrap steps are idempotent: redeploying changes nothing.
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

# The secrets every function needs to start, created when missing.
go run ./infra/bootstrap -stage "$STAGE" secrets

export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
mkdir -p .local
.cache/npm-cdk/node_modules/.bin/cdk deploy --app cdk.out Igny8Stack --no-notices --outputs-file .local/cdk-outputs.json "$@"

# The default models and billing, and the first admin API key (once).
go run ./infra/bootstrap -stage "$STAGE" -outputs .local/cdk-outputs.json data
