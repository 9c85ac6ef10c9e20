"""The schema as SQLAlchemy Core tables."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    Date,
    DateTime,
    Double,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    text,
)

TITLE_MAX_LENGTH = 500
CATEGORY_MAX_LENGTH = 64
# `order` values a client may set: integers a JavaScript client holds exactly.
ORDER_LIMIT = 2**53 - 1
# Todos without an `order` sort after every ordered one.
UNORDERED = 2**62
USERNAME_MAX_LENGTH = 32
TOKEN_NAME_MAX_LENGTH = 100
BUCKET_KEY_MAX_LENGTH = 100
# A token's lifetime when its maker names none.
DEFAULT_TOKEN_DAYS = 90
# The owner of open mode's shared list, which no user is (user ids start at 1).
OPEN_LIST_OWNER = 0

# Both databases' 64-bit integer key; SQLite's is the rowid only when declared INTEGER.
_id_type = BigInteger().with_variant(Integer, "sqlite")

metadata = MetaData()

todos = Table(
    "todos",
    metadata,
    Column("id", _id_type, primary_key=True, autoincrement=True),
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
    # Whose todo this is: a user's id, or OPEN_LIST_OWNER. Every query names it first.
    Column("owner_id", BigInteger, nullable=False, server_default=text(str(OPEN_LIST_OWNER))),
    # The calendar day it is due, if any: a date without a time or a zone.
    Column("due", Date, nullable=True),
    # An imported todo's digest (see todo_async.imports): the same file imported again
    # finds its todos here and adds none. Null for todos made any other way.
    Column("import_digest", LargeBinary(32), nullable=True),
    # AUTOINCREMENT: a deleted todo's id (and so its URL) is never handed out again.
    sqlite_autoincrement=True,
)

# Keyset pagination walks one owner's (position, id); each filter has a variant led by the
# owner and the filter's columns, so every list seeks straight to its cursor in that
# owner's todos, whatever the filter, and never reads another owner's.
list_indexes = (
    Index("ix_todos_owner_position", todos.c.owner_id, todos.c.position, todos.c.id),
    Index(
        "ix_todos_owner_completed_position",
        todos.c.owner_id,
        todos.c.completed,
        todos.c.position,
        todos.c.id,
    ),
    Index(
        "ix_todos_owner_category_position",
        todos.c.owner_id,
        todos.c.category,
        todos.c.position,
        todos.c.id,
    ),
    Index(
        "ix_todos_owner_category_completed_position",
        todos.c.owner_id,
        todos.c.category,
        todos.c.completed,
        todos.c.position,
        todos.c.id,
    ),
)

# The due-date views: `due=today` and `due=none` seek (owner, due) and read in list order,
# sort=due reads it in its own order; overdue (open todos due before today) seeks the
# second. The digests of the todos an import made, looked up per owner (partial: the
# todos made any other way have none, and cost it nothing).
due_indexes = (
    Index(
        "ix_todos_owner_due_position",
        todos.c.owner_id,
        todos.c.due,
        todos.c.position,
        todos.c.id,
    ),
    Index(
        "ix_todos_owner_completed_due_position",
        todos.c.owner_id,
        todos.c.completed,
        todos.c.due,
        todos.c.position,
        todos.c.id,
    ),
    Index(
        "ix_todos_owner_import_digest",
        todos.c.owner_id,
        todos.c.import_digest,
        sqlite_where=todos.c.import_digest.is_not(None),
        postgresql_where=todos.c.import_digest.is_not(None),
    ),
)

users = Table(
    "users",
    metadata,
    Column("id", _id_type, primary_key=True, autoincrement=True),
    # Stored lowercased: "Ann" and "ann" are one account.
    Column("username", String(USERNAME_MAX_LENGTH), nullable=False, unique=True),
    # argon2id's encoded form: its parameters and salt travel with the hash.
    Column("password_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # A deleted user's id is never handed out again, so nothing stale can point at a new one.
    sqlite_autoincrement=True,
)

# A session's and a token's secret is never stored: only its SHA-256 digest.
sessions = Table(
    "sessions",
    metadata,
    Column("digest", LargeBinary(32), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # When a request last came with it, to the minute: a session idle too long ends.
    # Null only for sessions older than the column: seen at their next request.
    Column("last_seen_at", DateTime(timezone=True), nullable=True),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", _id_type, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False),
    Column("name", String(TOKEN_NAME_MAX_LENGTH), nullable=False),
    Column("digest", LargeBinary(32), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Every token ends; tokens made before expiries existed were given one when the
    # column was added (null would never match `expires_at > now`, so it would end at once).
    Column("expires_at", DateTime(timezone=True), nullable=True),
    # When a request last came with it, to the minute.
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    sqlite_autoincrement=True,
)

# A user's sessions and tokens, found when the user is deleted.
account_indexes = (
    Index("ix_sessions_user", sessions.c.user_id),
    Index("ix_tokens_user", tokens.c.user_id, tokens.c.id),
)

# Leaky buckets of attempts (failed sign-ins, sign-ups), shared by every worker and task:
# a key ("account:ann", "address:2001:db8::/64", ...) holds a level that drains at its
# limit's rate since `at` (Unix seconds). A row whose level has drained is deleted.
attempt_buckets = Table(
    "attempt_buckets",
    metadata,
    Column("key", String(BUCKET_KEY_MAX_LENGTH), primary_key=True),
    Column("level", Double, nullable=False),
    Column("at", Double, nullable=False),
)

# Browsers a user signed in from (the device cookie's digest): each keeps a failure budget
# of its own, so strangers' guesses at the account never lock its owner out of them.
devices = Table(
    "devices",
    metadata,
    Column("digest", LargeBinary(32), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# The buckets drained long enough to be forgotten, found by age; a user's devices.
guard_indexes = (
    Index("ix_attempt_buckets_at", attempt_buckets.c.at),
    Index("ix_devices_user", devices.c.user_id),
)

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
