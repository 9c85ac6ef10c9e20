"""Statements compiled once: arguments come from each call's values, in placeholder order."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.sqlite import pysqlite

from todo_async.database.prepared import Prepared
from todo_async.database.tables import todos


def prepared(query):  # type: ignore[no-untyped-def]
    compiled = query.compile(dialect=pysqlite.dialect(paramstyle="qmark"))
    return Prepared.of(compiled, compiled.string, compiled.positiontup)


def test_values_are_bound_per_call_through_the_column_types() -> None:
    moment = bindparam("moment", type_=todos.c.created_at.type)
    statement = prepared(
        select(todos.c.id).where(todos.c.created_at < moment, todos.c.updated_at < moment)
    )
    at = dt.datetime(2026, 12, 1, 20, 52, 8, 5, tzinfo=dt.UTC)

    # One name used twice is bound twice; the datetime goes in as SQLite's stored text.
    assert statement.sql.count("?") == 2
    assert statement.args({"moment": at}) == ["2026-12-01 20:52:08.000005"] * 2


def test_a_value_fixed_in_the_statement_needs_no_argument() -> None:
    statement = prepared(
        select(todos.c.id).where(todos.c.id == bindparam("id"), todos.c.version == 1)
    )

    assert statement.args({"id": 7}) == [7, 1]
    assert statement.args({"id": 8}) == [8, 1]
