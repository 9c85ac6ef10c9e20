"""The user's own account: change the password, sign out everywhere, export, delete."""

from __future__ import annotations

import datetime as dt
import logging

import httpx
import pytest
from starlette.applications import Starlette

from tests.api.accounts import PASSWORD, User, http_client, sign_in, sign_up
from tests.api.test_bad_input import assert_problem
from todo_async.accounts.credentials import SESSION_COOKIE, digest
from todo_async.accounts.store import AccountStore

NEW_PASSWORD = "a new battery staple"


def change(current: str, new: str = NEW_PASSWORD) -> dict[str, str]:
    return {"currentPassword": current, "newPassword": new}


def security_events(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.fields["event"]  # type: ignore[attr-defined]
        for record in caplog.records
        if record.name == "todo_async.security"
    ]


async def test_a_password_change_ends_every_other_session_and_every_token(
    ann: User, accounts_app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "todo_async.security")
    async with http_client(accounts_app) as laptop:
        assert (await sign_in(laptop, "ann")).status_code == 200
        assert_problem(await ann.browser.put("/api/account/password", json=change("wrong")), 401)
        changed = await ann.browser.put("/api/account/password", json=change(PASSWORD))
        assert changed.status_code == 204, changed.text

        assert (await ann.browser.get("/api/todos")).status_code == 200
        assert_problem(await laptop.get("/api/todos"), 401)
        assert_problem(await ann.api.get("/api/todos"), 401)
        assert (await sign_in(laptop, "ann")).status_code == 401
        assert (await sign_in(laptop, "ann", NEW_PASSWORD)).status_code == 200
    assert "password_changed" in security_events(caplog)


async def test_a_token_changes_nothing_of_the_account(ann: User) -> None:
    assert_problem(await ann.api.put("/api/account/password", json=change(PASSWORD)), 403)
    assert_problem(await ann.api.delete("/api/account/sessions"), 403)
    deletion = ann.api.build_request("DELETE", "/api/account", json={"password": PASSWORD})
    assert_problem(await ann.api.send(deletion), 403)
    assert (await ann.api.get("/api/account")).json()["username"] == "ann"


async def test_signing_out_everywhere_ends_every_session(
    ann: User, accounts_app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "todo_async.security")
    async with http_client(accounts_app) as laptop:
        assert (await sign_in(laptop, "ann")).status_code == 200
        response = await ann.browser.delete("/api/account/sessions")
        assert response.status_code == 204
        assert 'todo_session=""' in response.headers["set-cookie"]
        assert_problem(await laptop.get("/api/todos"), 401)
        assert_problem(await ann.browser.get("/api/todos"), 401)
        # Tokens are not sessions: they stay until revoked or the password changes.
        assert (await ann.api.get("/api/todos")).status_code == 200
    assert "signed_out_everywhere" in security_events(caplog)


async def test_a_session_unused_for_the_idle_time_ends(ann: User, accounts_app: Starlette) -> None:
    accounts: AccountStore = accounts_app.state.accounts
    secret = ann.browser.cookies[SESSION_COOKIE]
    idle = accounts_app.state.settings.session_idle_s
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=idle + 61)
    # Looked up again (not from memory) that much later:
    accounts._owners.clear()
    assert await accounts.session_owner(digest(secret), later, idle) is None
    assert_problem(await ann.browser.get("/api/todos"), 401)


async def test_export_holds_every_todo(ann: User) -> None:
    for n in range(3):
        await ann.api.post("/api/todos", json={"title": f"t{n}", "completed": n == 1})
    response = await ann.api.get("/api/account/export")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]
    document = response.json()
    assert document["username"] == "ann"
    assert [todo["title"] for todo in document["todos"]] == ["t0", "t1", "t2"]
    assert document["todos"][1]["completed"] is True


async def test_deleting_the_account_takes_the_password_and_everything_with_it(
    ann: User, anonymous: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "todo_async.security")
    await ann.api.post("/api/todos", json={"title": "mine"})

    wrong = ann.browser.build_request("DELETE", "/api/account", json={"password": "wrong"})
    assert_problem(await ann.browser.send(wrong), 401)
    right = ann.browser.build_request("DELETE", "/api/account", json={"password": PASSWORD})
    assert (await ann.browser.send(right)).status_code == 204

    assert_problem(await ann.api.get("/api/todos"), 401)
    assert_problem(await ann.browser.get("/api/todos"), 401)
    assert (await sign_in(anonymous, "ann")).status_code == 401
    await sign_up(anonymous, "ann")
    assert (await sign_in(anonymous, "ann")).status_code == 200
    assert (await anonymous.get("/api/todos")).json() == []
    assert "account_deleted" in security_events(caplog)
