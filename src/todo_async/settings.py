"""Configuration from environment variables, with defaults that run on a laptop."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///data/todo.db"
AUTH_MODES = ("open", "accounts")


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # Kept apart from the URL so an orchestrator can inject it from a secret store.
    database_password: str | None = None
    database_pool_size: int = 10
    # Bounds on waits for the database (seconds), each answered 503 with Retry-After when
    # it runs out: a lock another transaction or process holds (PostgreSQL's lock_timeout,
    # SQLite's busy timeout), one statement (PostgreSQL's statement_timeout), a free
    # pooled connection (PostgreSQL).
    database_lock_timeout: float = 5.0
    database_statement_timeout: float = 10.0
    database_pool_timeout: float = 5.0
    # What a 503 or 507 for a storage failure tells a client to wait before retrying (s).
    retry_after: int = 2
    # The owner migrations run as, when the service itself runs as a role that can only read
    # and write the tables (PostgreSQL; see database/roles.py). Its password, kept apart too.
    migration_database_url: str | None = None
    migration_database_password: str | None = None
    # "normal" survives a killed process; "full" also survives power loss, at a cost per write.
    sqlite_synchronous: str = "normal"
    cors_allow_origins: tuple[str, ...] = ("*",)
    # Peers whose X-Forwarded-* headers are believed: the load balancer.
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1", "::1")
    # Hosts an X-Forwarded-Host (from such a peer) may name; any other is ignored.
    forwarded_allow_hosts: tuple[str, ...] = ()
    # The header those peers name the viewer's scheme in (CloudFront-Forwarded-Proto behind
    # CloudFront, whose load balancer hop is plain HTTP).
    forwarded_proto_header: str = "x-forwarded-proto"
    # And the header naming the viewer's address ("address:port"), when not X-Forwarded-For's
    # hops (CloudFront-Viewer-Address behind CloudFront).
    forwarded_client_header: str | None = None
    log_level: str = "info"
    shutdown_timeout: int = 25
    # How long start-up waits for another process's lock on the database (seconds).
    migration_lock_timeout: float = 30.0
    max_body_bytes: int = 64 * 1024
    # The largest file POST /api/todos/import reads (about 10,000 todos of 100 bytes).
    import_max_bytes: int = 1024 * 1024
    # "accounts": every todo belongs to a user, nothing is served without credentials.
    # "open": one shared list, no sign-in, for a laptop and the Todo-Backend conventions.
    auth_mode: str = "open"
    # Whether AUTH_MODE was set: an open list is served beyond loopback only if chosen.
    auth_mode_chosen: bool = False
    # Whether POST /api/users creates accounts; closed, only `todo-async users add` does.
    sign_up_open: bool = True
    session_ttl_s: int = 14 * 24 * 3600
    # A session unused for this long ends, whatever its lifetime left.
    session_idle_s: int = 24 * 3600
    # The longest lifetime a token may be given (its maker picks one up to this).
    token_max_days: int = 365
    # What one user may hold at most.
    todos_per_user: int = 10_000
    tokens_per_user: int = 20
    sessions_per_user: int = 20
    # argon2id's cost: OWASP's baseline (2 passes over 19 MiB, one lane).
    password_hash_time_cost: int = 2
    password_hash_memory_kib: int = 19 * 1024
    # Hashes waiting or running per process before sign-in and sign-up answer 503.
    password_hash_queue: int = 8
    # Sign-ups the whole service accepts per minute, and one client address per hour.
    sign_up_per_minute: int = 30
    sign_up_per_address_per_hour: int = 10
    # Requests under this path are answered 500: a bad release on purpose, for testing
    # deployment rollbacks. None: no fault.
    fault_server_errors_path: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL", defaults.database_url),
            database_password=env.get("DATABASE_PASSWORD") or None,
            database_pool_size=int(env.get("DATABASE_POOL_SIZE", defaults.database_pool_size)),
            database_lock_timeout=float(
                env.get("DATABASE_LOCK_TIMEOUT", defaults.database_lock_timeout)
            ),
            database_statement_timeout=float(
                env.get("DATABASE_STATEMENT_TIMEOUT", defaults.database_statement_timeout)
            ),
            database_pool_timeout=float(
                env.get("DATABASE_POOL_TIMEOUT", defaults.database_pool_timeout)
            ),
            retry_after=max(1, int(env.get("RETRY_AFTER", defaults.retry_after))),
            migration_database_url=env.get("MIGRATION_DATABASE_URL") or None,
            migration_database_password=env.get("MIGRATION_DATABASE_PASSWORD") or None,
            sqlite_synchronous=env.get("SQLITE_SYNCHRONOUS", defaults.sqlite_synchronous).lower(),
            cors_allow_origins=_split(env.get("CORS_ALLOW_ORIGINS", "*")),
            forwarded_allow_ips=_split(
                env.get("FORWARDED_ALLOW_IPS", ",".join(defaults.forwarded_allow_ips))
            ),
            forwarded_allow_hosts=_split(env.get("FORWARDED_ALLOW_HOSTS", "")),
            forwarded_proto_header=env.get(
                "FORWARDED_PROTO_HEADER", defaults.forwarded_proto_header
            ).lower(),
            forwarded_client_header=env.get("FORWARDED_CLIENT_HEADER") or None,
            log_level=env.get("LOG_LEVEL", defaults.log_level).lower(),
            shutdown_timeout=int(env.get("SHUTDOWN_TIMEOUT", defaults.shutdown_timeout)),
            migration_lock_timeout=float(
                env.get("MIGRATION_LOCK_TIMEOUT", defaults.migration_lock_timeout)
            ),
            auth_mode=_choice("AUTH_MODE", env.get("AUTH_MODE", defaults.auth_mode), AUTH_MODES),
            auth_mode_chosen="AUTH_MODE" in env,
            sign_up_open=_choice("SIGN_UP", env.get("SIGN_UP", "open"), ("open", "closed"))
            == "open",
            session_ttl_s=int(env.get("SESSION_TTL", defaults.session_ttl_s)),
            session_idle_s=_positive(env, "SESSION_IDLE", defaults.session_idle_s),
            token_max_days=_positive(env, "TOKEN_MAX_DAYS", defaults.token_max_days),
            todos_per_user=_positive(env, "TODOS_PER_USER", defaults.todos_per_user),
            import_max_bytes=_positive(env, "IMPORT_MAX_BYTES", defaults.import_max_bytes),
            tokens_per_user=_positive(env, "TOKENS_PER_USER", defaults.tokens_per_user),
            sessions_per_user=_positive(env, "SESSIONS_PER_USER", defaults.sessions_per_user),
            password_hash_time_cost=_positive(env, "PASSWORD_HASH_TIME_COST", 2),
            password_hash_memory_kib=_positive(env, "PASSWORD_HASH_MEMORY_KIB", 19 * 1024),
            password_hash_queue=_positive(env, "PASSWORD_HASH_QUEUE", defaults.password_hash_queue),
            sign_up_per_minute=_positive(env, "SIGN_UP_PER_MINUTE", defaults.sign_up_per_minute),
            sign_up_per_address_per_hour=_positive(
                env, "SIGN_UP_PER_ADDRESS_PER_HOUR", defaults.sign_up_per_address_per_hour
            ),
            fault_server_errors_path=_path_prefix(env, "FAULT_SERVER_ERRORS_PATH"),
        )


def _path_prefix(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name) or None
    if value is not None and not value.startswith("/"):
        raise ValueError(f"{name}={value}: expected a path starting with /")
    return value


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = int(env.get(name, default))
    if value < 1:
        raise ValueError(f"{name}={value}: expected a whole number of at least 1")
    return value


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value.lower() not in choices:
        raise ValueError(f"{name}={value!r}: expected one of {', '.join(choices)}")
    return value.lower()
