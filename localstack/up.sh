#!/usr/bin/env bash
# make local-up: LocalStack, `cdklocal bootstrap` and `cdklocal deploy` of the stack in infra/,
# then the ECS service and ALB stand-in built from what was deployed; writes .local/outputs.json.
# Idempotent: what already runs and matches is kept.
#
# The deploy differs from an AWS one only by context: an image reference instead of the image
# asset (LocalStack has no ECR to publish to), Elastic IPs allocated beforehand for the NAT
# gateways (LocalStack cannot create AWS::EC2::EIP), and the database mode (LOCAL_DATABASE).
set -euo pipefail
cd "$(dirname "$0")/.."
source localstack/env.sh
export PYTHONPATH=$PWD/localstack

database=${LOCAL_DATABASE:-rds}
image=${LOCAL_IMAGE:-todo-async:local}
read -ra extra_context <<<"${LOCAL_CONTEXT:-}" # more -c key=value, as for make deploy
python=.venv/bin/python
cdklocal=$PWD/node_modules/.bin/cdklocal
stack=$($python -c 'import json; print(json.load(open("cdk.json"))["context"]["stackName"])')
mkdir -p .local

started=$SECONDS
phase_start=$SECONDS
phase() {
    local now=$SECONDS
    printf '[local-up] %-22s %4d s\n' "$1" $((now - phase_start)) | tee -a .local/timings.txt
    phase_start=$now
}
: >.local/timings.txt

stack_status() {
    .local/localstack-venv/bin/aws cloudformation describe-stacks --stack-name "$1" \
        --query 'Stacks[0].StackStatus' --output text 2>/dev/null || echo NONE
}

localstack/localstack.sh start
status=$(stack_status "$stack")
case $status in
    NONE | CREATE_COMPLETE | UPDATE_COMPLETE) ;;
    *)
        # A failed stack leaves LocalStack's CloudFormation in a state only a restart clears.
        echo "stack $stack is $status: restarting LocalStack with a clean state"
        $python -m standin down
        localstack/localstack.sh stop
        localstack/localstack.sh start
        ;;
esac
phase "LocalStack start"

nat_gateways=$($python -c 'import json; print(json.load(open("cdk.json"))["context"]["natGateways"])')
for item in "${extra_context[@]}"; do
    [[ $item == natGateways=* ]] && nat_gateways=${item#natGateways=}
done
eips=$($python -m standin eips --count "$nat_gateways")
context=(-c "image=$image" -c "natEipAllocationIds=$eips" -c "database=$database" "${extra_context[@]}")
printf '%s\n' "${context[@]}" >.local/cdk-context.args
phase "EIP allocation"

if [[ $(stack_status CDKToolkit) != CREATE_COMPLETE ]]; then
    # From .local/, away from cdk.json: bootstrapping an explicit environment needs no synth.
    (cd .local && "$cdklocal" bootstrap "aws://$CDK_DEFAULT_ACCOUNT/$AWS_DEFAULT_REGION" >bootstrap.log 2>&1) ||
        { tail -n 40 .local/bootstrap.log >&2; exit 1; }
fi
phase "cdklocal bootstrap"

if ! "$cdklocal" deploy "$stack" "${context[@]}" --require-approval never \
    --outputs-file .local/cdk-outputs.json >.local/deploy.log 2>&1; then
    grep -E 'FAILED|Error|error' .local/deploy.log | tail -n 20 >&2
    echo "cdklocal deploy failed (log: .local/deploy.log); the next make local-up restarts LocalStack" >&2
    exit 1
fi
status=$(stack_status "$stack")
if [[ $status != CREATE_COMPLETE && $status != UPDATE_COMPLETE ]]; then
    echo "stack $stack is $status after deploy" >&2
    exit 1
fi
echo "stack $stack: $status"
phase "cdklocal deploy"

$python -m standin up --stack "$stack" --app-image "$image"
$python -m standin outputs --stack "$stack" --cdk-outputs .local/cdk-outputs.json --out .local/outputs.json
phase "stand-in up"
printf '[local-up] %-22s %4d s\n' "total" $((SECONDS - started)) | tee -a .local/timings.txt
