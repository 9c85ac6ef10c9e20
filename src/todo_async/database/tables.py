"""The schema as SQLAlchemy Core tables."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
)

TITLE_MAX_LENGTH = 500
CATEGORY_MAX_LENGTH = 64
# `order` values a client may set: integers a JavaScript client holds exactly.
ORDER_LIMIT = 2**53 - 1
# Todos without an `order` sort after every ordered one.
UNORDERED = 2**62

metadata = MetaData()

todos = Table(
    "todos",
    metadata,
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
    # The list order, kept by the database itself from `order` (stored on PostgreSQL,
    # computed on read on SQLite, where only its indexes store it): a plain column,
    # so both planners seek on it.
    Column("position", BigInteger, Computed(f'coalesce("order", {UNORDERED})')),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Bumped on every change; the ETag that If-Match compares against.
    Column("version", Integer, nullable=False),
    # AUTOINCREMENT: a deleted todo's id (and so its URL) is never handed out again.
    sqlite_autoincrement=True,
)

# Keyset pagination walks (position, id); each filter has a variant led by its columns,
# so every list seeks straight to its cursor, whatever the filter.
list_indexes = (
    Index("ix_todos_position", todos.c.position, todos.c.id),
    Index("ix_todos_completed_position", todos.c.completed, todos.c.position, todos.c.id),
    Index("ix_todos_category_position", todos.c.category, todos.c.position, todos.c.id),
    Index(
        "ix_todos_category_completed_position",
        todos.c.category,
        todos.c.completed,
        todos.c.position,
        todos.c.id,
    ),
)

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
