"""The endpoints' allowed methods, found once per class, are the ones Starlette finds."""

from __future__ import annotations

from typing import Any

import pytest
from starlette import endpoints

from todo_async.endpoints.account import AccountItem
from todo_async.endpoints.session import Session
from todo_async.endpoints.todos import TodoCollection, TodoItem
from todo_async.endpoints.tokens import TokenCollection, TokenItem
from todo_async.serving.endpoint import HTTPEndpoint

SCOPE = {"type": "http"}


async def unused(*args: Any) -> Any:
    raise AssertionError("not called")


ENDPOINTS = [TodoCollection, TodoItem, Session, TokenCollection, TokenItem, AccountItem]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_allowed_methods_are_starlettes(endpoint: type[HTTPEndpoint]) -> None:
    starlettes = endpoint.__new__(endpoint)
    endpoints.HTTPEndpoint.__init__(starlettes, SCOPE, unused, unused)
    ours = endpoint(SCOPE, unused, unused)
    assert ours._allowed_methods == starlettes._allowed_methods
    assert ours._allowed_methods
