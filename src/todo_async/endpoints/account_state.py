"""What the accounts endpoints share: the account store and the request's settings."""

from __future__ import annotations

from starlette.requests import Request

from todo_async.accounts.store import AccountStore
from todo_async.settings import Settings


def account_store(request: Request) -> AccountStore:
    store: AccountStore = request.app.state.accounts
    return store


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
