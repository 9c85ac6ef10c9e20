#!/usr/bin/env bash
# LocalStack (free edition) in host mode from its own virtualenv: start | stop | status.
# start: logs to .local/localstack/localstack.log, waits for /_localstack/health, records the PID.
# stop: stops that PID (TERM, then KILL after 20 s) and nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.local/localstack-venv
state=.local/localstack
pidfile=$state/localstack.pid
port=${LOCALSTACK_PORT:-4566}
health=http://127.0.0.1:$port/_localstack/health

running_pid() {
    [[ -f $pidfile ]] || return 1
    local pid
    pid=$(<"$pidfile")
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'localstack.runtime.main'; then
        echo "$pid"
    else
        return 1
    fi
}

healthy() {
    curl -fsS --max-time 2 "$health" >/dev/null 2>&1
}

start() {
    if pid=$(running_pid); then
        echo "LocalStack already running (pid $pid)"
    else
        if healthy; then
            echo "port $port already answers as LocalStack but not one this checkout started; stop it or set LOCALSTACK_PORT" >&2
            exit 1
        fi
        mkdir -p "$state/volume" "$state/tmp"
        # A fresh filesystem root each start: a failed stack leaves LocalStack in a state that needs a restart.
        rm -rf "${state:?}/volume/"* "${state:?}/tmp/"*
        GATEWAY_LISTEN=127.0.0.1:$port \
        DNS_ADDRESS=0 \
        DISABLE_EVENTS=1 \
        SKIP_SSL_CERT_DOWNLOAD=1 \
        LOCALSTACK_VOLUME_DIR=$PWD/$state/volume \
        FILESYSTEM_ROOT=$PWD/$state/tmp \
        TMPDIR=$PWD/$state/tmp \
            setsid "$venv/bin/python" -m localstack.runtime.main >"$state/localstack.log" 2>&1 </dev/null &
        echo $! >"$pidfile"
        echo "LocalStack starting (pid $!, log $state/localstack.log)"
    fi
    for _ in $(seq 1 120); do
        if healthy; then
            echo "LocalStack healthy on 127.0.0.1:$port"
            return 0
        fi
        if ! running_pid >/dev/null; then
            echo "LocalStack exited; last lines of $state/localstack.log:" >&2
            tail -n 30 "$state/localstack.log" >&2
            exit 1
        fi
        sleep 0.5
    done
    echo "LocalStack not healthy after 60 s; see $state/localstack.log" >&2
    exit 1
}

stop() {
    if ! pid=$(running_pid); then
        rm -f "$pidfile"
        echo "LocalStack not running"
        return 0
    fi
    kill -TERM "$pid"
    for _ in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "LocalStack (pid $pid) ignored SIGTERM for 20 s; killing it" >&2
        kill -KILL "$pid"
    fi
    rm -f "$pidfile"
    echo "LocalStack stopped (pid $pid)"
}

status() {
    if pid=$(running_pid) && healthy; then
        echo "LocalStack running (pid $pid) on 127.0.0.1:$port"
    else
        echo "LocalStack not running"
        return 1
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
