"""The todos table as migration 1 created it; later migrations change it from here.

A migration must build the same schema whenever it runs, so the first one cannot use
today's `tables.todos`.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
    literal_column,
)

from todo_async.database.tables import CATEGORY_MAX_LENGTH, TITLE_MAX_LENGTH, UNORDERED

todos = Table(
    "todos",
    MetaData(),
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("title", String(TITLE_MAX_LENGTH), nullable=False),
    Column("category", String(CATEGORY_MAX_LENGTH), nullable=True),
    Column("completed", Boolean, nullable=False),
    Column("order", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    sqlite_autoincrement=True,
)

sort_key = func.coalesce(todos.c.order, literal_column(str(UNORDERED)))

list_indexes = (
    Index("ix_todos_position", sort_key, todos.c.id),
    Index("ix_todos_completed_position", todos.c.completed, sort_key, todos.c.id),
    Index("ix_todos_category_position", todos.c.category, sort_key, todos.c.id),
)
