"""An id of any length or script names no todo or token: 404 (or 401 without credentials),
never a 5xx, and nothing logged as an error."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.api.accounts import User
from tests.api.test_bad_input import assert_problem

IDS = [
    "9" * 5000,
    "0" * 4999 + "1",
    "18446744073709551616",  # 2**64
    "9223372036854775808",  # 2**63: one past the last row id
    "٣",  # ARABIC-INDIC DIGIT THREE: a digit to str.isdigit, not to the route
    "1e3",
    "-1",
]
METHODS = ["GET", "PATCH", "DELETE"]


def _request(client: httpx.AsyncClient, method: str, path: str) -> httpx.Request:
    json = {"title": "x"} if method == "PATCH" else None
    return client.build_request(method, path, json=json)


def _assert_no_error_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [record.getMessage() for record in errors]


@pytest.mark.parametrize("todo_id", IDS)
async def test_open_mode_todo_ids(
    client: httpx.AsyncClient, todo_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    for method in METHODS:
        response = await client.send(_request(client, method, f"/api/todos/{todo_id}"))
        assert_problem(response, 404)
    _assert_no_error_logged(caplog)


@pytest.mark.parametrize("row_id", IDS)
async def test_accounts_mode_todo_and_token_ids(
    ann: User, anonymous: httpx.AsyncClient, row_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    for method in METHODS:
        response = await ann.api.send(_request(ann.api, method, f"/api/todos/{row_id}"))
        assert_problem(response, 404)
    for client in (ann.api, ann.browser):
        assert_problem(await client.delete(f"/api/tokens/{row_id}"), 404)
    # Without credentials an existing route says 401, a path no route takes 404: no 5xx.
    response = await anonymous.delete(f"/api/tokens/{row_id}")
    assert response.status_code in (401, 404)
    _assert_no_error_logged(caplog)


async def test_the_largest_row_id_is_a_plain_miss(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(f"/api/todos/{2**63 - 1}"), 404)
    assert body["detail"] == f"There is no todo {2**63 - 1}."
