# Sourced by the harness scripts: point the AWS CLI, boto3 and cdklocal at LocalStack.
# This machine resolves no public DNS (*.localhost.localstack.cloud included), hence the
# explicit endpoints and path-style S3; cdklocal passes on only the AWS_* variables listed in
# AWS_ENVAR_ALLOWLIST.
export LOCALSTACK_PORT=${LOCALSTACK_PORT:-4566}
export AWS_ENDPOINT_URL=http://127.0.0.1:$LOCALSTACK_PORT
export AWS_ENDPOINT_URL_S3=$AWS_ENDPOINT_URL
export AWS_S3_FORCE_PATH_STYLE=1
export AWS_ENVAR_ALLOWLIST=AWS_S3_FORCE_PATH_STYLE,AWS_ENDPOINT_URL,AWS_ENDPOINT_URL_S3
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
export AWS_REGION=$AWS_DEFAULT_REGION
export CDK_DEFAULT_ACCOUNT=000000000000
export CDK_DEFAULT_REGION=$AWS_DEFAULT_REGION
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
export CDK_DISABLE_VERSION_CHECK=1
