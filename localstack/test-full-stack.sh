#!/usr/bin/env bash
# The local full stack (README "Local full stack") in both database modes: LocalStack,
# cdklocal deploy, the ECS service/ALB stand-in, then the integration tests through the
# load balancer. Whatever happens, local-down runs and must leave nothing behind; each
# phase's time is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

local_down() {
    local status=$? start=$SECONDS
    make --no-print-directory local-down || status=1
    echo "[full-stack] local-down: $((SECONDS - start)) s"
    return "$status"
}
trap 'local_down; exit' EXIT
for mode in rds sidecar; do
    start=$SECONDS
    make --no-print-directory local-up LOCAL_DATABASE="$mode"
    echo "[full-stack] local-up ($mode): $((SECONDS - start)) s (phases above)"
    start=$SECONDS
    make --no-print-directory local-test
    echo "[full-stack] local-test ($mode): $((SECONDS - start)) s"
    local_down
done
trap - EXIT
