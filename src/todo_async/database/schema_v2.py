"""The list indexes as migration 2 created them; migration 3 puts the owner before them.

Index DDL needs only the table's and the columns' names, so a table of those columns
stands in for today's `tables.todos` (whose metadata must not carry these indexes).
"""

from sqlalchemy import BigInteger, Boolean, Column, Index, MetaData, String, Table

_todos = Table(
    "todos",
    MetaData(),
    Column("id", BigInteger, primary_key=True),
    Column("category", String),
    Column("completed", Boolean),
    Column("position", BigInteger),
)
_c = _todos.c

list_indexes = (
    Index("ix_todos_position", _c.position, _c.id),
    Index("ix_todos_completed_position", _c.completed, _c.position, _c.id),
    Index("ix_todos_category_position", _c.category, _c.position, _c.id),
    Index("ix_todos_category_completed_position", _c.category, _c.completed, _c.position, _c.id),
)
