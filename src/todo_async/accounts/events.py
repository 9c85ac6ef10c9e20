"""Security events: one structured log line each (logger `todo_async.security`), for an
operator to alarm on. A line names the event, the user's id (when one is known) and the
client's address; never a password, a token, a cookie or a digest of one.
"""

from __future__ import annotations

import logging
from typing import Literal

from starlette.requests import HTTPConnection

logger = logging.getLogger("todo_async.security")

Event = Literal[
    "sign_up",
    "sign_in",
    "sign_in_failed",
    "lockout",
    "password_changed",
    "signed_out_everywhere",
    "token_created",
    "token_revoked",
    "token_expired",
    "account_deleted",
]


def client_address(connection: HTTPConnection | None) -> str | None:
    """The client's address as the proxy-headers middleware found it."""
    client = connection.client if connection is not None else None
    return client.host if client else None


def record(
    event: Event,
    connection: HTTPConnection | None,
    user_id: int | None,
    **fields: str | int | float | None,
) -> None:
    """Log `event` for `user_id`, from the client of `connection` (None: the command line)."""
    address = client_address(connection)
    logger.info(
        "%s user=%s address=%s",
        event,
        user_id,
        address,
        extra={"fields": {"event": event, "user_id": user_id, "address": address, **fields}},
    )
