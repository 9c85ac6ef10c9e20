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
    # The owner migrations run as, when the service itself runs as a role that can only read
    # and write the tables (PostgreSQL; see database/roles.py). Its password, kept apart too.
    migration_database_url: str | None = None
    migration_database_password: str | None = None
    # "normal" survives a killed process; "full" also survives power loss, at a cost per write.
    sqlite_synchronous: str = "normal"
    cors_allow_origins: tuple[str, ...] = ("*",)
    # Peers whose X-Forwarded-* headers are believed: the load balancer.
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1", "::1")
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
    # "accounts": every todo belongs to a user, nothing is served without credentials.
    # "open": one shared list, no sign-in, for a laptop and the Todo-Backend conventions.
    auth_mode: str = "open"
    # Whether AUTH_MODE was set: an open list is served beyond loopback only if chosen.
    auth_mode_chosen: bool = False
    # Whether POST /api/users creates accounts; closed, only `todo-async users add` does.
    sign_up_open: bool = True
    session_ttl_s: int = 14 * 24 * 3600

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL", defaults.database_url),
            database_password=env.get("DATABASE_PASSWORD") or None,
            database_pool_size=int(env.get("DATABASE_POOL_SIZE", defaults.database_pool_size)),
            migration_database_url=env.get("MIGRATION_DATABASE_URL") or None,
            migration_database_password=env.get("MIGRATION_DATABASE_PASSWORD") or None,
            sqlite_synchronous=env.get("SQLITE_SYNCHRONOUS", defaults.sqlite_synchronous).lower(),
            cors_allow_origins=_split(env.get("CORS_ALLOW_ORIGINS", "*")),
            forwarded_allow_ips=_split(
                env.get("FORWARDED_ALLOW_IPS", ",".join(defaults.forwarded_allow_ips))
            ),
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
        )


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value.lower() not in choices:
        raise ValueError(f"{name}={value!r}: expected one of {', '.join(choices)}")
    return value.lower()
