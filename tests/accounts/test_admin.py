"""`todo-async users`: the real command, on both databases, with the password piped in."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from todo_async.accounts.credentials import digest
from todo_async.accounts.passwords import PASSWORD_MIN_LENGTH
from todo_async.accounts.store import AccountStore
from todo_async.database.engine import open_database
from todo_async.database.migrations import migrate
from todo_async.database.tables import OPEN_LIST_OWNER
from todo_async.repository import TITLE, TodoRepository
from todo_async.settings import Settings

PASSWORD = "a long enough password"


def users(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "todo_async", "users", *args],
        input=stdin,
        env={"DATABASE_URL": database_url, "LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def titles_of(database_url: str, owner: int) -> list[str]:
    database = open_database(Settings(database_url=database_url))
    async with database:
        rows, _ = await TodoRepository(database).page(
            owner, completed=None, category=None, limit=100, after=None
        )
    return [row[TITLE] for row in rows]


def test_add_list_and_delete(database_url: str) -> None:
    added = users(database_url, "add", "Ann", stdin=PASSWORD + "\n")
    again = users(database_url, "add", "ann", stdin=PASSWORD + "\n")
    users(database_url, "add", "bob", stdin=PASSWORD + "\n")
    listed = users(database_url, "list")
    unconfirmed = users(database_url, "delete", "ann")
    deleted = users(database_url, "delete", "ann", "--yes")
    missing = users(database_url, "delete", "ann", "--yes")

    assert (added.returncode, added.stdout) == (0, "added ann\n")
    assert again.returncode == 1
    assert "taken" in again.stderr
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["ann", "bob"]
    assert unconfirmed.returncode == 2
    assert "--yes" in unconfirmed.stderr
    assert deleted.returncode == 0
    assert missing.returncode == 1
    assert users(database_url, "list").stdout.split("\t")[0] == "bob"


@pytest.mark.parametrize(
    ("name", "password", "field"),
    [("ann", "x" * (PASSWORD_MIN_LENGTH - 1), "password"), ("ann smith", PASSWORD, "username")],
)
def test_a_refused_name_or_password_adds_nobody(
    database_url: str, name: str, password: str, field: str
) -> None:
    refused = users(database_url, "add", name, stdin=password + "\n")

    assert refused.returncode == 2
    assert f"  {field}: " in refused.stderr
    assert users(database_url, "list").stdout == ""


async def test_adopt_existing_gives_the_open_list_to_the_new_user(database_url: str) -> None:
    database = open_database(Settings(database_url=database_url))
    async with database:
        await migrate(database)
        for title in ("from open mode", "also"):
            await TodoRepository(database).create(
                OPEN_LIST_OWNER, {"title": title, "completed": False}
            )

    adopted = users(database_url, "add", "ann", "--adopt-existing", stdin=PASSWORD + "\n")

    assert adopted.returncode == 0, adopted.stderr
    assert "2 todo(s) of the open list are theirs now" in adopted.stdout
    async with database:
        [ann] = await AccountStore(database).users()
    assert await titles_of(database_url, ann.id) == ["from open mode", "also"]
    assert await titles_of(database_url, OPEN_LIST_OWNER) == []


async def test_password_sign_out_and_export(database_url: str) -> None:
    users(database_url, "add", "ann", stdin=PASSWORD + "\n")
    database = open_database(Settings(database_url=database_url))
    async with database:
        accounts = AccountStore(database)
        found = await accounts.password_hash("ann")
        assert found is not None
        ann = found[0]
        await TodoRepository(database).create(ann.id, {"title": "mine", "completed": False})
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        await accounts.start_session(ann.id, digest("s1"), later, 5)
        await accounts.create_token(ann.id, "ci", digest("tdat_1"), dt.timedelta(days=1), 5)

        signed_out = users(database_url, "sign-out", "ann")
        assert (signed_out.returncode, signed_out.stdout) == (0, "ended 1 session(s) of ann\n")
        await accounts.start_session(ann.id, digest("s2"), later, 5)
        short = users(database_url, "password", "ann", stdin="short\n")
        changed = users(database_url, "password", "ann", stdin="another long password\n")
        exported = users(database_url, "export", "ann")
        missing = users(database_url, "export", "nobody")

        assert short.returncode == 2
        assert changed.returncode == 0
        assert await accounts.tokens(ann.id) == []
        fresh = AccountStore(database)
        assert await fresh.session_owner(digest("s2"), dt.datetime.now(dt.UTC), 3600) is None
        hashed = await accounts.password_hash("ann")
        assert hashed is not None
        assert hashed[1] != found[1]
    document = json.loads(exported.stdout)
    assert document["username"] == "ann"
    assert [todo["title"] for todo in document["todos"]] == ["mine"]
    assert "url" not in document["todos"][0]
    assert missing.returncode == 1
