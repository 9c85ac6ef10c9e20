"""Security events: one log line each, naming the user and the client, never a secret."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from tests.api.accounts import PASSWORD, sign_up
from todo_async.accounts.guard import PER_ACCOUNT
from todo_async.logging_config import JsonFormatter

FROM = {"X-Forwarded-For": "203.0.113.9"}


def events(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(record))
        for record in caplog.records
        if record.name == "todo_async.security"
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sign_up_sign_in_failures_and_lockout_are_logged(
    anonymous: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "todo_async.security")
    await sign_up(anonymous, "ann")
    signed_in = await anonymous.post(
        "/api/session", json={"username": "ann", "password": PASSWORD}, headers=FROM
    )
    assert signed_in.status_code == 200
    cookies = list(anonymous.cookies.values())
    anonymous.cookies.clear()  # a stranger's guesses, not the owner's device's
    for _ in range(PER_ACCOUNT.attempts):
        await anonymous.post(
            "/api/session", json={"username": "ann", "password": "wrong guess"}, headers=FROM
        )

    logged = events(caplog)
    names = [line["event"] for line in logged]
    assert names == ["sign_up", "sign_in"] + ["sign_in_failed"] * PER_ACCOUNT.attempts + ["lockout"]
    user_id = logged[0]["user_id"]
    assert isinstance(user_id, int)
    assert all(line["user_id"] == user_id for line in logged)
    assert [line["address"] for line in logged[1:]] == ["203.0.113.9"] * (len(logged) - 1)
    assert logged[-1]["bucket"] == "account"
    text = caplog.text + "".join(json.dumps(line) for line in logged)
    for secret in (PASSWORD, "wrong guess", *cookies):
        assert secret not in text
