"""Each statement shape is compiled once; its values are bound per execution."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, select
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.sql.compiler import Compiled

from todo_async.serving.statement_cache import MAX_SHAPES, StatementCache

things = Table("things", MetaData(), Column("id", Integer), Column("name", String))


def cache() -> tuple[StatementCache[str], list[str]]:
    prepared: list[str] = []

    def prepare(compiled: Compiled) -> str:
        prepared.append(compiled.string)
        return compiled.string

    return StatementCache(pysqlite.dialect(paramstyle="qmark"), prepare), prepared


def by_id(value: int):  # type: ignore[no-untyped-def]
    return select(things.c.name).where(things.c.id == bindparam("id", value))


def test_one_shape_is_compiled_once_and_bound_per_call() -> None:
    statements, prepared = cache()
    first, sql, params = statements.compile(by_id(1))
    again, same_sql, other_params = statements.compile(by_id(2))
    assert again is first
    assert (sql, same_sql) == (prepared[0], prepared[0])
    assert len(prepared) == 1
    assert (params["id"], other_params["id"]) == (1, 2)


def test_in_lists_are_compiled_per_call() -> None:
    statements, prepared = cache()
    _, two, _ = statements.compile(select(things).where(things.c.id.in_([1, 2])))
    _, three, _ = statements.compile(select(things).where(things.c.id.in_([1, 2, 3])))
    assert (two.count("?"), three.count("?")) == (2, 3)
    assert len(prepared) == 2


def test_shapes_beyond_the_bound_start_over() -> None:
    statements, _ = cache()
    for n in range(MAX_SHAPES + 1):
        statements.compile(select(things.c.id.label(f"shape_{n}")))
    assert len(statements._entries) <= MAX_SHAPES
