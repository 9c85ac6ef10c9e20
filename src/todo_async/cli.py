"""The `todo-async` command: serve, migrate, healthcheck, users."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging.config
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

from todo_async.logging_config import logging_config, skip_unprinted_record_fields
from todo_async.settings import Settings

# As argparse's usage errors: the command line (with its environment) asks for the wrong thing.
EXPOSURE_REFUSED = 2


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def exposure_refusal(host: str, settings: Settings) -> str | None:
    """Why `serve` must not listen on `host`, if it must not."""
    if settings.auth_mode == "open" and not settings.auth_mode_chosen and not is_loopback(host):
        # Anyone who can reach that address could read and wipe the one shared list.
        return (
            f"todo-async: not serving the open list on {host}: set AUTH_MODE=accounts,"
            " or AUTH_MODE=open to share it on purpose"
        )
    return None


def serve(args: argparse.Namespace, settings: Settings) -> int:
    refusal = exposure_refusal(args.host, settings)
    if refusal:
        print(refusal, file=sys.stderr)
        return EXPOSURE_REFUSED
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from todo_async.http_protocol import HttpToolsProtocol
    from todo_async.workers import Supervisor

    skip_unprinted_record_fields()
    config = uvicorn.Config(
        "todo_async.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http=HttpToolsProtocol,
        # X-Forwarded-* are read by the app itself, which also honours X-Forwarded-Host.
        proxy_headers=False,
        server_header=False,
        # Longer than the load balancer's 60 s idle timeout: the balancer, not the app,
        # must be the side that closes an idle connection, or requests race the close (502).
        timeout_keep_alive=75,
        access_log=False,
        log_config=logging_config(settings.log_level),
        # On SIGTERM, stop accepting, let in-flight requests finish for up to this long.
        timeout_graceful_shutdown=settings.shutdown_timeout,
    )
    # As uvicorn.run: a SIGINT, re-raised once the server has stopped, ends here.
    if config.workers > 1:
        supervisor = Supervisor(config, sockets=[config.bind_socket()])
        with contextlib.suppress(KeyboardInterrupt):
            supervisor.run()
        return STARTUP_FAILURE if supervisor.startup_failed else 0
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else STARTUP_FAILURE


def migrate(args: argparse.Namespace, settings: Settings) -> int:
    from todo_async.database.engine import open_database, open_migration_database
    from todo_async.database.startup import (
        LockWaitExpired,
        connect_and_migrate,
        migrate_as_owner,
    )

    async def run() -> list[int]:
        database = open_database(settings)
        owner = open_migration_database(settings)
        try:
            if owner is None:
                return await connect_and_migrate(database, settings.migration_lock_timeout)
            # As the service starts: the owner migrates and grants the runtime role.
            return await migrate_as_owner(
                owner, database, settings.database_password, settings.migration_lock_timeout
            )
        finally:
            await database.disconnect()

    logging.config.dictConfig(logging_config(settings.log_level))
    try:
        applied = asyncio.run(run())
    except LockWaitExpired:
        return 1  # the log says which lock
    print(f"applied {len(applied)} migration(s)" + (f": {applied}" if applied else ""))
    return 0


def users(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here: the other commands (the container's health check) start faster without.
    from todo_async.accounts import admin

    logging.config.dictConfig(logging_config(settings.log_level))
    return admin.run(args, settings)


def healthcheck(args: argparse.Namespace, settings: Settings) -> int:
    # The port `serve` defaults to: a container that sets PORT is probed where it listens.
    url = args.url or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}/health"
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="todo-async", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="serve the API and the web page")
    serve_cmd.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve_cmd.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    serve_cmd.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1"))
    )
    serve_cmd.set_defaults(handler=serve)

    migrate_cmd = commands.add_parser("migrate", help="apply pending schema migrations")
    migrate_cmd.set_defaults(handler=migrate)

    check_cmd = commands.add_parser("healthcheck", help="exit 0 if the server answers 200")
    check_cmd.add_argument("--url", help="default: http://127.0.0.1:$PORT/health (PORT 5000)")
    check_cmd.add_argument("--timeout", type=float, default=3.0)
    check_cmd.set_defaults(handler=healthcheck)

    users_cmd = commands.add_parser("users", help="add, list and delete accounts")
    users_cmd.set_defaults(handler=users)
    actions = users_cmd.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser("add", help="add an account (password asked for, or piped in)")
    add.add_argument("name")
    add.add_argument(
        "--adopt-existing",
        action="store_true",
        help="give the user every todo of the open list (a database used in open mode)",
    )
    actions.add_parser("list", help="every account, by name")
    delete = actions.add_parser("delete", help="delete an account with all its todos")
    delete.add_argument("name")
    delete.add_argument("--yes", action="store_true", help="do not ask to confirm")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.handler(args, Settings.from_env()))
