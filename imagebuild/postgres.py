"""A local stand-in for the official postgres image that the sidecar's `db` container names
(infra/database.py), which cannot be pulled here: Debian's PostgreSQL 15 on the same Debian
base as the service image, honouring the official image's POSTGRES_USER, POSTGRES_PASSWORD,
POSTGRES_DB and PGDATA, its postgres user (uid/gid 999) and its stop signal."""

from __future__ import annotations

from pathlib import Path

from hostkit.docker import Engine
from imagebuild.build import Built, build_image

POSTGRES_TAG = "local/postgres:15-bookworm"
CONTEXT = Path(__file__).resolve().parent / "postgres-image"


def build_postgres_image(engine: Engine, base: str) -> Built:
    return build_image(engine, base, POSTGRES_TAG, context=CONTEXT)
