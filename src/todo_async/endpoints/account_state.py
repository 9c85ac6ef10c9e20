"""What the accounts endpoints share: the account store, the guess budget, the password
hashing threads and the request's settings."""

from __future__ import annotations

from starlette.requests import Request

from todo_async.accounts.guard import Guard
from todo_async.accounts.passwords import PasswordHashing
from todo_async.accounts.store import AccountStore
from todo_async.settings import Settings


def account_store(request: Request) -> AccountStore:
    store: AccountStore = request.app.state.accounts
    return store


def guard_of(request: Request) -> Guard:
    guard: Guard = request.app.state.guard
    return guard


def hashing_of(request: Request) -> PasswordHashing:
    hashing: PasswordHashing = request.app.state.hashing
    return hashing


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
