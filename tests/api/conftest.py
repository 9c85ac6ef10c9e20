"""Fixtures for accounts mode: the app, an anonymous client, and two users."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from tests.api.accounts import User, http_client, new_user
from todo_async.app import create_app
from todo_async.settings import Settings


@pytest.fixture
def accounts_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, auth_mode="accounts", auth_mode_chosen=True)


@pytest.fixture
async def accounts_app(accounts_settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(accounts_settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def anonymous(accounts_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(accounts_app) as http:
        yield http


async def _user(app: Starlette, name: str) -> AsyncIterator[User]:
    user = await new_user(app, name)
    try:
        yield user
    finally:
        await user.api.aclose()
        await user.browser.aclose()


@pytest.fixture
async def ann(accounts_app: Starlette) -> AsyncIterator[User]:
    async for user in _user(accounts_app, "ann"):
        yield user


@pytest.fixture
async def bob(accounts_app: Starlette) -> AsyncIterator[User]:
    async for user in _user(accounts_app, "bob"):
        yield user
