"""What an image reference names, as both runtimes need to know it."""

from __future__ import annotations


def is_postgres_image(image: str) -> bool:
    """Whether the image is the official PostgreSQL image (any registry, tag or digest)."""
    repository = image.rsplit("@", 1)[0]
    name = repository.rsplit("/", 1)[-1].split(":", 1)[0]
    return name == "postgres"
