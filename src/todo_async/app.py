"""The application factory: routes, middleware, error handlers, and the database lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async import web
from todo_async.accounts.guard import Guard
from todo_async.accounts.passwords import hashing_from
from todo_async.accounts.store import AccountStore
from todo_async.database.engine import open_database, open_migration_database
from todo_async.database.startup import connect_and_migrate, migrate_as_owner
from todo_async.endpoints import (
    account,
    categories,
    health,
    session,
    todo_files,
    todos,
    tokens,
    users,
)
from todo_async.middleware.authentication import AuthenticationMiddleware
from todo_async.middleware.fault_injection import FaultInjectionMiddleware
from todo_async.middleware.proxy_headers import ProxyHeadersMiddleware
from todo_async.middleware.request_log import RequestLogMiddleware
from todo_async.middleware.security_headers import SecurityHeadersMiddleware
from todo_async.middleware.startup_failures import StartupFailuresMiddleware
from todo_async.middleware.storage_failures import StorageFailuresMiddleware
from todo_async.openapi import build_openapi
from todo_async.problems import (
    Problem,
    http_exception_handler,
    problem_handler,
    server_error_handler,
)
from todo_async.rendering import JSONResponse
from todo_async.repository import TodoRepository
from todo_async.serving.cors import CORSMiddleware
from todo_async.serving.gc_freeze import start_up_objects_frozen
from todo_async.settings import Settings
from todo_async.stop_signals import interruptible


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    database = open_database(settings)
    owner = open_migration_database(settings)
    accounts = AccountStore(database)
    accounts_mode = settings.auth_mode == "accounts"
    openapi = build_openapi(accounts=accounts_mode, token_max_days=settings.token_max_days)
    # In open mode only the mode itself can be asked; the rest is 404 as any unknown path.
    account_routes = (
        [*users.routes, *session.routes, *tokens.routes, *account.routes]
        if accounts_mode
        else session.open_routes
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            with interruptible("waiting for the database at start-up"):
                if owner is None:
                    await connect_and_migrate(database, settings.migration_lock_timeout)
                else:
                    await migrate_as_owner(
                        owner,
                        database,
                        settings.database_password,
                        settings.migration_lock_timeout,
                    )
            with start_up_objects_frozen():
                yield
        finally:
            await database.disconnect()

    async def openapi_document(request: Request) -> Response:
        return JSONResponse(openapi)

    app = Starlette(
        routes=[
            *todo_files.routes,
            *todos.routes,
            *categories.routes,
            *account_routes,
            *health.routes,
            Route("/openapi.json", openapi_document, methods=["GET"]),
            *web.routes,
        ],
        middleware=[
            Middleware(StartupFailuresMiddleware),
            Middleware(
                ProxyHeadersMiddleware,
                trusted=settings.forwarded_allow_ips,
                hosts=settings.forwarded_allow_hosts,
                proto_header=settings.forwarded_proto_header,
                client_header=settings.forwarded_client_header,
            ),
            Middleware(SecurityHeadersMiddleware),
            Middleware(RequestLogMiddleware),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_allow_origins,
                allow_methods=["GET", "POST", "PATCH", "DELETE"],
                # Tokens work from any origin. Credentials (the cookie) are never allowed:
                # with "*" Starlette would echo any Origin back as allowed, and the only
                # page the cookie is for is this service's own.
                allow_credentials=False,
                allow_headers=["Authorization", "Content-Type", "If-Match", "X-Request-ID"],
                expose_headers=["ETag", "Location", "Link", "X-Request-ID"],
                max_age=600,
            ),
            # Inside CORS and the request log: their headers and line describe the 503 too.
            Middleware(
                StorageFailuresMiddleware,
                incidents=database.incidents,
                retry_after=settings.retry_after,
            ),
            Middleware(
                AuthenticationMiddleware,
                accounts=accounts if accounts_mode else None,
                session_idle_s=settings.session_idle_s,
                public_paths=frozenset(route.path for route in health.routes),
            ),
            *(
                [Middleware(FaultInjectionMiddleware, path_prefix=fault)]
                if (fault := settings.fault_server_errors_path)
                else []
            ),
        ],
        exception_handlers={
            Problem: problem_handler,
            HTTPException: http_exception_handler,
            Exception: server_error_handler,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.repository = TodoRepository(database)
    app.state.incidents = database.incidents
    app.state.accounts = accounts
    app.state.guard = Guard(database, settings)
    app.state.hashing = hashing_from(settings)
    return app
