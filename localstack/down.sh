#!/usr/bin/env bash
# make local-down: stop the stand-in (its tasks, databases and HAProxy), destroy the stack with
# `cdklocal destroy`, stop LocalStack. Everything by the PIDs recorded at start.
set -euo pipefail
cd "$(dirname "$0")/.."
source localstack/env.sh
export PYTHONPATH=$PWD/localstack

python=.venv/bin/python
stack=$($python -c 'import json; print(json.load(open("cdk.json"))["context"]["stackName"])')
phase_start=$SECONDS
phase() {
    local now=$SECONDS
    printf '[local-down] %-20s %4d s\n' "$1" $((now - phase_start)) | tee -a .local/timings.txt
    phase_start=$now
}
mkdir -p .local

$python -m standin down
phase "stand-in down"

if localstack/localstack.sh status >/dev/null 2>&1; then
    if .local/localstack-venv/bin/aws cloudformation describe-stacks --stack-name "$stack" >/dev/null 2>&1; then
        context=()
        [[ -f .local/cdk-context.args ]] && mapfile -t context <.local/cdk-context.args
        npx --no-install cdklocal destroy "$stack" "${context[@]}" --force >.local/destroy.log 2>&1 ||
            { tail -n 20 .local/destroy.log >&2; echo "cdklocal destroy failed (log: .local/destroy.log)" >&2; }
    fi
    phase "cdklocal destroy"
fi
# LocalStack's state (EIPs included) goes with it: each start begins from an empty state.
localstack/localstack.sh stop
phase "LocalStack stop"
# The stand-in's databases and volumes belonged to the destroyed stack.
rm -rf .local/standin .local/outputs.json .local/cdk-outputs.json .local/cdk-context.args
