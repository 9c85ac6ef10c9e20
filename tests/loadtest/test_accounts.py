"""Who a simulated user is: the mode read from GET /api/session, new logins, the accounts
file and its turns, the Origin a page would send."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from loadtest.accounts import ACCOUNTS, OPEN, Login, Logins, mode_of, new_login, origin, read_logins


@pytest.mark.parametrize(
    ("status", "body", "mode"),
    [
        (401, {"type": "about:blank", "status": 401}, ACCOUNTS),
        (200, {"username": None, "mode": "open"}, OPEN),
        (404, {"status": 404}, OPEN),  # a server from before accounts
        (200, {"username": "ana", "mode": "accounts"}, None),  # signed in without credentials?
        (200, [{"id": 1}], None),
        (500, None, None),
        (403, None, None),
    ],
)
def test_the_mode_from_the_session_answer(status: int, body: Any, mode: str | None) -> None:
    assert mode_of(status, body) == mode


def test_new_logins_are_valid_unique_names_with_long_passwords() -> None:
    made = [new_login() for _ in range(100)]
    assert len({login.username for login in made}) == 100
    for login in made:
        assert re.fullmatch(r"[a-z0-9][a-z0-9_.-]{2,31}", login.username), login
        assert len(login.password) >= 20
    assert made[0].body() == {"username": made[0].username, "password": made[0].password}


def test_the_accounts_file_is_read_and_taken_in_turn(tmp_path: Path) -> None:
    path = tmp_path / "accounts.txt"
    path.write_text("# made with todo-async users add\nana:pass:with:colons\n\n  bo:secret  \n")
    assert read_logins(path) == [Login("ana", "pass:with:colons"), Login("bo", "secret")]
    turns = Logins(path)
    assert not turns.signs_up
    assert [turns.next().username for _ in range(5)] == ["ana", "bo", "ana", "bo", "ana"]


def test_without_a_file_every_user_signs_up_with_a_new_login() -> None:
    fresh = Logins()
    assert fresh.signs_up
    assert fresh.next() != fresh.next()


@pytest.mark.parametrize(
    ("text", "message"),
    [("ana\n", "accounts.txt:1: want NAME:PASSWORD"), ("# none\n\n", "no NAME:PASSWORD line")],
)
def test_a_bad_accounts_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "accounts.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        Logins(path)


def test_the_origin_is_the_hosts_scheme_and_authority() -> None:
    assert origin("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert origin("https://todo.example.com/base") == "https://todo.example.com"
    # A default port is left out, by the browser's Origin as by the client's Host.
    assert origin("http://127.0.0.1:80") == "http://127.0.0.1"
    assert origin("https://todo.example.com:443") == "https://todo.example.com"
    assert origin("http://todo.example.com:443") == "http://todo.example.com:443"
