"""Versioned schema migrations: applied in order, once each, one process at a time."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Index, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex, CreateTable, DropIndex, ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler

from todo_async.database import schema_v1, schema_v2, schema_v3
from todo_async.database.engine import TodoDatabase
from todo_async.database.tables import (
    DEFAULT_TOKEN_DAYS,
    attempt_buckets,
    devices,
    due_indexes,
    guard_indexes,
    list_indexes,
    schema_migrations,
    sessions,
    todos,
    tokens,
)

logger = logging.getLogger(__name__)

# Any constant: the key of the PostgreSQL advisory lock that serialises migrators.
ADVISORY_LOCK_KEY = 7_346_120_001
# Another: the session lock held by the one process building indexes concurrently.
INDEX_BUILD_LOCK_KEY = 7_346_120_002


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: Sequence[ExecutableDDLElement]
    # Indexes the code runs without (only slower): built in the migration's transaction on
    # SQLite, after it on PostgreSQL without blocking writes (see `build_indexes`).
    indexes: Sequence[Index] = ()


class AddColumn(ExecutableDDLElement):
    """ALTER TABLE ... ADD COLUMN, the column written as CREATE TABLE would write it."""

    def __init__(self, column: Column[Any]) -> None:
        self.column = column


@compiles(AddColumn)
def _compile_add_column(element: AddColumn, compiler: DDLCompiler, **_: Any) -> str:
    table = compiler.preparer.format_table(element.column.table)
    return f"ALTER TABLE {table} ADD COLUMN {compiler.get_column_specification(element.column)}"


class AddGeneratedColumn(ExecutableDDLElement):
    """ALTER TABLE ... ADD COLUMN for a generated column, as each database can add one:
    PostgreSQL 15 has stored generated columns only, SQLite adds virtual ones only."""

    def __init__(self, column: Column[Any]) -> None:
        assert column.computed is not None
        self.column = column


@compiles(AddGeneratedColumn)
def _compile_add_generated_column(
    element: AddGeneratedColumn, compiler: DDLCompiler, **_: Any
) -> str:
    column = element.column
    assert column.computed is not None
    table = compiler.preparer.format_table(column.table)
    name = compiler.preparer.format_column(column)
    type_ = compiler.dialect.type_compiler_instance.process(column.type)
    expression = compiler.sql_compiler.process(
        column.computed.sqltext, include_table=False, literal_binds=True
    )
    storage = "STORED" if compiler.dialect.name == "postgresql" else "VIRTUAL"
    return (
        f"ALTER TABLE {table} ADD COLUMN {name} {type_} "
        f"GENERATED ALWAYS AS ({expression}) {storage}"
    )


class ExpireTokensMadeBefore(ExecutableDDLElement):
    """Give every token without an expiry one DEFAULT_TOKEN_DAYS from now."""


@compiles(ExpireTokensMadeBefore)
def _compile_expire_on_postgres(
    element: ExpireTokensMadeBefore, compiler: DDLCompiler, **_: Any
) -> str:
    return (
        f"UPDATE tokens SET expires_at = now() + interval '{DEFAULT_TOKEN_DAYS} days' "
        "WHERE expires_at IS NULL"
    )


@compiles(ExpireTokensMadeBefore, "sqlite")
def _compile_expire_on_sqlite(
    element: ExpireTokensMadeBefore, compiler: DDLCompiler, **_: Any
) -> str:
    # The text SQLAlchemy stores for a datetime on SQLite, in UTC.
    moment = f"strftime('%Y-%m-%d %H:%M:%S.000000', 'now', '+{DEFAULT_TOKEN_DAYS} days')"
    return f"UPDATE tokens SET expires_at = {moment} WHERE expires_at IS NULL"


class CreateIndexConcurrently(ExecutableDDLElement):
    """CREATE INDEX CONCURRENTLY: PostgreSQL builds it while writes go on."""

    def __init__(self, index: Index) -> None:
        self.index = index


@compiles(CreateIndexConcurrently, "postgresql")
def _compile_create_index_concurrently(
    element: CreateIndexConcurrently, compiler: DDLCompiler, **kw: Any
) -> str:
    sql: str = compiler.process(CreateIndex(element.index), **kw)
    return sql.replace(" INDEX ", " INDEX CONCURRENTLY ", 1)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "create todos with list indexes",
        (
            CreateTable(schema_v1.todos),
            *(CreateIndex(index) for index in schema_v1.list_indexes),
        ),
    ),
    # A generated column costs no write path a change: PostgreSQL fills it in one table
    # rewrite, SQLite computes it (no rewrite) and stores it only in the new indexes.
    Migration(
        2,
        "list order in a generated position column, one index per filter",
        (
            AddGeneratedColumn(todos.c.position),
            *(DropIndex(index) for index in schema_v1.list_indexes),
            *(CreateIndex(index) for index in schema_v2.list_indexes),
        ),
    ),
    # Every todo so far was open mode's shared list: the owner column's default says so.
    Migration(
        3,
        "users, sessions and tokens; an owner for every todo, first in every list index",
        (
            CreateTable(schema_v3.users),
            CreateTable(schema_v3.sessions),
            CreateTable(schema_v3.tokens),
            *(CreateIndex(index) for index in schema_v3.account_indexes),
            AddColumn(todos.c.owner_id),
            *(DropIndex(index) for index in schema_v2.list_indexes),
            *(CreateIndex(index) for index in list_indexes),
        ),
    ),
    Migration(
        4,
        "attempt buckets shared by every process; the devices users signed in from",
        (
            CreateTable(attempt_buckets),
            CreateTable(devices),
            *(CreateIndex(index) for index in guard_indexes),
        ),
    ),
    Migration(
        5,
        "tokens expire and show when they were last used; sessions end when idle",
        (
            AddColumn(sessions.c.last_seen_at),
            AddColumn(tokens.c.expires_at),
            AddColumn(tokens.c.last_used_at),
            ExpireTokensMadeBefore(),
        ),
    ),
    # Expand only: nullable columns without a default are a catalog change on both
    # databases (no table rewrite, no lock held beyond the moment), and the previous
    # release names its columns in every statement, so it neither sees nor fills them.
    # See docs/schema-changes.md.
    Migration(
        6,
        "due dates and imported todos' digests, with their indexes",
        (AddColumn(todos.c.due), AddColumn(todos.c.import_digest)),
        indexes=due_indexes,
    ),
)


def migration_lock(database: TodoDatabase) -> str:
    """The lock that `migrate` waits for, as a log line names it."""
    if database.dialect_name == "postgresql":
        where = database.url.obscure_password
        return f"the PostgreSQL advisory lock {ADVISORY_LOCK_KEY} on {where}"
    return f"the SQLite write lock on {Path(database.url.database).resolve()}"


async def migrate(database: TodoDatabase, lock_timeout: float = 5.0) -> list[int]:
    """Apply the pending migrations; returns the versions applied now.

    Everything runs in one transaction that first takes a lock (an advisory lock on
    PostgreSQL, the write lock on SQLite), so processes starting together apply each
    migration once and a failed migration leaves no trace. It waits at most
    `lock_timeout` seconds for that lock, then raises what `lock_wait_expired` knows.
    """
    async with database.transaction(lock_timeout=lock_timeout):
        done = await _migrate_in_transaction(database)
    if database.dialect_name == "postgresql":
        await build_indexes(database)
    return done


async def _migrate_in_transaction(database: TodoDatabase) -> list[int]:
    """Apply what is pending inside `migrate`'s transaction, its lock taken first."""
    if database.dialect_name == "postgresql":
        # Building an index on a large table may take longer than a request may.
        await database.execute(text("SET LOCAL statement_timeout = 0"))
        await database.execute(
            text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=ADVISORY_LOCK_KEY)
        )
    await database.execute(CreateTable(schema_migrations, if_not_exists=True))
    applied = {row[0] for row in await database.fetch_all(select(schema_migrations.c.version))}
    done = []
    for migration in MIGRATIONS:
        if migration.version in applied:
            continue
        for statement in migration.statements:
            await database.execute(statement)
        if database.dialect_name == "sqlite":
            # SQLite writers wait for the build (measured in docs/schema-changes.md).
            for index in migration.indexes:
                await database.execute(CreateIndex(index, if_not_exists=True))
        await database.execute(
            schema_migrations.insert().values(version=migration.version, name=migration.name)
        )
        logger.info("applied migration %d: %s", migration.version, migration.name)
        done.append(migration.version)
    return done


async def build_indexes(database: TodoDatabase) -> list[str]:
    """Build the migrations' indexes that PostgreSQL lacks, or holds INVALID, without
    blocking writes; returns their names.

    CREATE INDEX CONCURRENTLY cannot run in a transaction, and one that fails halfway
    (a cancelled build, a lost connection) leaves an INVALID index behind: it is dropped
    (concurrently too) and built again here, at the next start. One process builds at a
    time; one that finds another building goes on without waiting: the code runs without
    these indexes, only slower.
    """
    wanted = [index for migration in MIGRATIONS for index in migration.indexes]
    async with database.connection() as connection:
        locked = await connection.fetch_val(
            text("SELECT pg_try_advisory_lock(:key)").bindparams(key=INDEX_BUILD_LOCK_KEY)
        )
        if not locked:
            logger.info("another process builds the indexes; serving without waiting")
            return []
        try:
            valid = {
                row[0]: row[1]
                for row in await connection.fetch_all(
                    text(
                        "SELECT c.relname, i.indisvalid FROM pg_index i "
                        "JOIN pg_class c ON c.oid = i.indexrelid "
                        "WHERE i.indrelid = 'todos'::regclass"
                    )
                )
            }
            missing = [index for index in wanted if not valid.get(index.name, False)]
            if missing:
                # A build reads the whole table: longer than any request may take.
                await connection.execute(text("SET statement_timeout = 0"))
            for index in missing:
                if index.name in valid:
                    logger.warning("index %s is INVALID (a build failed): rebuilding", index.name)
                    await connection.execute(DropIndex(index, if_exists=True))
                started = time.monotonic()
                await connection.execute(CreateIndexConcurrently(index))
                logger.info("built index %s in %.1f s", index.name, time.monotonic() - started)
            if missing:
                await connection.execute(text("RESET statement_timeout"))
            return [str(index.name) for index in missing]
        finally:
            await connection.execute(
                text("SELECT pg_advisory_unlock(:key)").bindparams(key=INDEX_BUILD_LOCK_KEY)
            )
