"""Which image references name the official PostgreSQL image."""

from __future__ import annotations

import pytest
from standin.runtime.images import is_postgres_image


@pytest.mark.parametrize(
    ("image", "postgres"),
    [
        ("postgres", True),
        ("postgres:16-alpine", True),
        ("docker.io/library/postgres@sha256:abc", True),
        ("public.ecr.aws/docker/library/postgres:16", True),
        ("postgres-exporter:1", False),
        ("mypostgres:1", False),
    ],
)
def test_postgres_images(image: str, postgres: bool) -> None:
    assert is_postgres_image(image) is postgres
