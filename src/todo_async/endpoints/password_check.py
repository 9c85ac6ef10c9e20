"""A password checked as the guess budget allows: sign-in, and whatever else asks for the
current password again (changing it, deleting the account)."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request

from todo_async.accounts import events
from todo_async.accounts.credentials import MAX_SECRET, digest
from todo_async.accounts.events import client_address
from todo_async.accounts.guard import device_cookie
from todo_async.accounts.identity import CHALLENGE
from todo_async.accounts.store import User
from todo_async.endpoints.account_state import account_store, guard_of, hashing_of
from todo_async.problems import Problem


async def known_device(request: Request, user_id: int | None) -> bytes | None:
    """The digest of the caller's device cookie if this user signed in from it before."""
    secret = request.cookies.get(device_cookie(request.url.scheme))
    if user_id is None or not secret or len(secret) > MAX_SECRET:
        return None
    device = digest(secret)
    owner = await account_store(request).device_user(device, dt.datetime.now(dt.UTC))
    return device if owner == user_id else None


async def checked_user(request: Request, username: str, password: str) -> tuple[User, bool]:
    """The user named if `password` is theirs, and whether the caller's browser is one of
    their devices; else 401 (or 429 past the budget, 503 when hashing is full)."""
    hashing = hashing_of(request)
    with hashing.slot():
        found = await account_store(request).password_hash(username)
        device = await known_device(request, found[0].id if found else None)
        charges = await guard_of(request).sign_in(username, client_address(request), device)
        # An unknown name costs a hash too, and gets the same answer: neither the time nor
        # the words tell which usernames exist.
        verified = await hashing.verify(found[1] if found else None, password)
    user_id = found[0].id if found else None
    if found is None or not verified:
        events.record("sign_in_failed", request, user_id, username=username)
        for key in charges.locked:
            events.record("lockout", request, user_id, bucket=key.partition(":")[0])
        raise Problem(401, "Wrong username or password.", headers=CHALLENGE)
    await charges.refund()
    return found[0], device is not None
