"""The runtime role: it reads and writes the tables and can do nothing else.

With MIGRATION_DATABASE_URL set, start-up migrates as the owner given there, then keeps the
role named in DATABASE_URL in step: it may log in with the password the service was given,
select, insert, update and delete rows and use the sequences; it owns nothing and cannot
create, alter or drop anything. The service then serves as that role, so a statement that
goes wrong can change rows but never the schema.
"""

from __future__ import annotations

from sqlalchemy import text

from todo_async.database.engine import TodoDatabase
from todo_async.database.migrations import ADVISORY_LOCK_KEY

# Identifiers and the password are quoted by PostgreSQL itself (quote_ident, quote_literal),
# read from transaction-local settings: no value is ever spliced into SQL here.
_PROVISION = text(
    """
DO $$
DECLARE
    runtime text := current_setting('todo_async.runtime_role');
    secret text := current_setting('todo_async.runtime_password');
    role_name text := quote_ident(runtime);
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = runtime) THEN
        EXECUTE 'CREATE ROLE ' || role_name;
    END IF;
    EXECUTE 'ALTER ROLE ' || role_name
        || ' WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS NOREPLICATION'
        || ' PASSWORD ' || CASE WHEN secret = '' THEN 'NULL' ELSE quote_literal(secret) END;
    EXECUTE 'REVOKE CREATE ON SCHEMA public FROM PUBLIC';
    EXECUTE 'GRANT CONNECT ON DATABASE ' || quote_ident(current_database()) || ' TO ' || role_name;
    EXECUTE 'GRANT USAGE ON SCHEMA public TO ' || role_name;
    EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ' || role_name;
    EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ' || role_name;
END
$$
"""
)


async def grant_runtime_role(owner: TodoDatabase, role: str | None, password: str | None) -> None:
    """As the owner: make `role` able to read and write the tables, and nothing more."""
    if owner.dialect_name != "postgresql":
        raise ValueError("a runtime database role needs PostgreSQL")
    if not role or role == owner.url.username:
        raise ValueError(
            f"the runtime role {role!r} must be another role than the owner the migrations "
            "run as (DATABASE_URL and MIGRATION_DATABASE_URL name the same user)"
        )
    # Under the migrations' lock: two tasks starting together would race on CREATE ROLE.
    async with owner.transaction():
        await owner.execute(
            text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=ADVISORY_LOCK_KEY)
        )
        await owner.execute(
            text(
                "SELECT set_config('todo_async.runtime_role', :role, true),"
                " set_config('todo_async.runtime_password', :password, true)"
            ).bindparams(role=role, password=password or "")
        )
        await owner.execute(_PROVISION)
