"""Storage: table definitions, migrations and the connection to SQLite or PostgreSQL."""
