#!/usr/bin/env bash
# Installs what the local full stack needs, and only what is missing: HAProxy, PostgreSQL,
# Node.js/npm, curl and openssl from the distribution; LocalStack in its own virtualenv from
# localstack/requirements.lock. The Makefile adds the rest: the CDK CLI and cdklocal
# (package-lock.json) and the app's virtualenv with the `infra` and `local` extras.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v haproxy >/dev/null || missing+=(haproxy)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v curl >/dev/null || missing+=(curl)
command -v openssl >/dev/null || missing+=(openssl)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if ((${#missing[@]})); then
    echo "installing from the distribution: ${missing[*]}"
    sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts its own PostgreSQL and HAProxy services when it installs them; the harness
# runs its own processes on free ports and needs neither.

venv=.local/localstack-venv
lock=localstack/requirements.lock
stamp=$venv/.lock-sha256
want=$(sha256sum "$lock" | cut -d' ' -f1)
if [[ ! -f $stamp || $(<"$stamp") != "$want" ]]; then
    echo "installing LocalStack into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r "$lock"
    "$venv/bin/pip" check >/dev/null
    echo "$want" >"$stamp"
fi
