"""Users, sessions and tokens as migration 3 created them; migration 5 adds to sessions and
tokens from here."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

from todo_async.database.tables import TOKEN_NAME_MAX_LENGTH, USERNAME_MAX_LENGTH

_id_type = BigInteger().with_variant(Integer, "sqlite")
_metadata = MetaData()

users = Table(
    "users",
    _metadata,
    Column("id", _id_type, primary_key=True, autoincrement=True),
    Column("username", String(USERNAME_MAX_LENGTH), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)

sessions = Table(
    "sessions",
    _metadata,
    Column("digest", LargeBinary(32), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

tokens = Table(
    "tokens",
    _metadata,
    Column("id", _id_type, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False),
    Column("name", String(TOKEN_NAME_MAX_LENGTH), nullable=False),
    Column("digest", LargeBinary(32), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)

account_indexes = (
    Index("ix_sessions_user", sessions.c.user_id),
    Index("ix_tokens_user", tokens.c.user_id, tokens.c.id),
)
