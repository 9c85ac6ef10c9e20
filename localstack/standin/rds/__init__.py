"""The stack's RDS instances, served by one local PostgreSQL each."""
