"""Fixtures for accounts mode: two users of the app (tests/conftest.py makes it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette

from tests.api.accounts import User, new_user


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
