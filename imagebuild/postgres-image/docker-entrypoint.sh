#!/usr/bin/env bash
# The official postgres image's start-up, for its documented environment:
#   POSTGRES_PASSWORD (required), POSTGRES_USER (default postgres),
#   POSTGRES_DB (default POSTGRES_USER), PGDATA (default /var/lib/postgresql/data).
# An empty PGDATA is initialised (password auth from anywhere but the local socket) and
# POSTGRES_DB created; then the server runs as PID 1. Runs as root (dropping to postgres)
# or directly as the postgres user (uid 999), as a task definition's `user` may ask.
set -euo pipefail

if [[ ${1:-} != postgres ]]; then
    exec "$@"
fi
if [[ $(id -u) == 0 ]]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [[ ! -s $PGDATA/PG_VERSION ]]; then
    if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
        echo "error: database is uninitialized and POSTGRES_PASSWORD is not set" >&2
        exit 1
    fi
    mkdir -p "$PGDATA"
    chmod 700 "$PGDATA"
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 >/dev/null
    printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
    # A server on the socket only, to create the database; then the real one.
    pg_ctl --pgdata="$PGDATA" --options="-c listen_addresses=''" --wait --silent start
    if [[ $POSTGRES_DB != postgres ]]; then
        psql --username="$POSTGRES_USER" --dbname=postgres --quiet --set=ON_ERROR_STOP=1 \
            --command="CREATE DATABASE \"$POSTGRES_DB\""
    fi
    pg_ctl --pgdata="$PGDATA" --mode=fast --wait --silent stop
    echo "PostgreSQL init process complete; ready for start up."
fi
exec postgres -c listen_addresses='*' "${@:2}"
