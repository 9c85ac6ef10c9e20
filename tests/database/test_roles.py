"""The service as a runtime role on real PostgreSQL: migrations run as the owner, and the role
the service then connects as reads and writes rows but cannot change the schema."""

from __future__ import annotations

import argparse
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import text

from testbed.postgres import PostgresServer
from todo_async.app import create_app
from todo_async.cli import migrate
from todo_async.database.engine import TodoDatabase, open_database
from todo_async.database.roles import grant_runtime_role
from todo_async.settings import Settings

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def runtime_url(database_url: str, postgres: PostgresServer, tmp_path: Path) -> Iterator[str]:
    """DATABASE_URL for a role of its own (roles are cluster-wide: one per test)."""
    role = f"rt_{tmp_path.name.lower().replace('-', '_')[:40]}"
    database = database_url.rsplit("/", 1)[1]
    yield f"postgresql://{role}@{postgres.host}:{postgres.port}/{database}"
    # Its grants live in the test's database: dropped there, then the role itself.
    command = [str(postgres.bindir / "psql"), "-h", postgres.host, "-p", str(postgres.port)]
    command += ["-U", postgres.user, "-d", database, "-v", "ON_ERROR_STOP=1"]
    subprocess.run([*command, "-qc", f"DROP OWNED BY {role}"], check=True, capture_output=True)
    postgres.psql(f"DROP ROLE {role}")


def as_runtime(database_url: str, runtime_url: str) -> Settings:
    return Settings(database_url=runtime_url, migration_database_url=database_url)


async def test_the_service_migrates_as_owner_and_serves_as_the_runtime_role(
    database_url: str, runtime_url: str
) -> None:
    app = create_app(as_runtime(database_url, runtime_url))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            created = await http.post("/api/todos", json={"title": "written as the runtime role"})
            assert created.status_code == 201, created.text
            assert (await http.patch(created.json()["url"], json={"completed": True})).is_success
            assert (await http.delete(created.json()["url"])).status_code == 204
        # The service's connections are the runtime role's; the owner's is closed.
        owner = open_database(Settings(database_url=database_url))
        async with owner:
            users = await owner.fetch_all(
                text(
                    "SELECT usename FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    role = runtime_url.split("//", 1)[1].split("@", 1)[0]
    assert {row[0] for row in users} == {role}


async def test_the_runtime_role_cannot_drop_alter_or_create(
    database_url: str, runtime_url: str
) -> None:
    # A second start-up (another task) finds the role made and grants it again.
    for _ in range(2):
        async with LifespanManager(create_app(as_runtime(database_url, runtime_url))):
            pass
    runtime = open_database(Settings(database_url=runtime_url))
    async with runtime:
        await runtime.execute(text("SELECT count(*) FROM todos"))
        for statement in (
            "DROP TABLE todos",
            "ALTER TABLE todos ADD COLUMN extra integer",
            "CREATE TABLE intruder (id integer)",
            "CREATE INDEX intruder ON todos (title)",
            "TRUNCATE todos",
            "CREATE ROLE intruder",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await runtime.execute(text(statement))
    owner = open_database(Settings(database_url=database_url))
    async with owner:
        tables = await owner.fetch_all(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
    assert "intruder" not in {row[0] for row in tables}
    assert "todos" in {row[0] for row in tables}


async def test_the_owner_cannot_be_the_runtime_role(database_url: str) -> None:
    owner = TodoDatabase(database_url)
    async with owner:
        with pytest.raises(ValueError, match="name the same user"):
            await grant_runtime_role(owner, owner.url.username, None)


def test_todo_async_migrate_runs_as_the_owner_too(
    database_url: str, runtime_url: str, postgres: PostgresServer
) -> None:
    settings = as_runtime(database_url, runtime_url)
    assert migrate(argparse.Namespace(), settings) == 0
    role = runtime_url.split("//", 1)[1].split("@", 1)[0]
    database = database_url.rsplit("/", 1)[1]
    command = [str(postgres.bindir / "psql"), "-h", postgres.host, "-p", str(postgres.port)]
    command += ["-U", postgres.user, "-d", database, "-tAc"]
    query = f"SELECT has_table_privilege('{role}', 'todos', 'INSERT'), "
    query += f"has_table_privilege('{role}', 'todos', 'TRUNCATE')"
    granted = subprocess.run([*command, query], check=True, capture_output=True, text=True)
    assert granted.stdout.strip() == "t|f"
