"""The Docker engine (running, or started for the session and stopped by its PID) and the
service image, built once per session the way `make image` builds it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from hostkit.docker import Engine, EngineUnavailable, docker_engine
from imagebuild.base import default_base, resolve_base
from imagebuild.build import build_image
from imagebuild.load import build_load_image
from imagebuild.postgres import build_postgres_image
from tests import summary

# Set to 1 on a machine that cannot run Docker at all: the image tests are then skipped.
SKIP_VARIABLE = "SKIP_IMAGE_TESTS"


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{SKIP_VARIABLE}=1")
    with contextlib.ExitStack() as stack:
        try:
            running = stack.enter_context(docker_engine())
        except EngineUnavailable as exc:
            pytest.fail(f"no Docker engine ({exc}); {SKIP_VARIABLE}=1 skips the image tests")
        yield running


@pytest.fixture(scope="session")
def base(engine: Engine) -> str:
    return resolve_base(engine, os.environ.get("BASE_IMAGE") or default_base())


@pytest.fixture(scope="session")
def image(engine: Engine, base: str, request: pytest.FixtureRequest) -> str:
    built = build_image(engine, base)
    summary.add_line(
        request.config,
        f"image {built.tag} on {built.base}: {built.size_bytes / 1e6:.0f} MB "
        f"(build {built.seconds:.1f} s)",
    )
    return built.tag


@pytest.fixture(scope="session")
def postgres_image(engine: Engine, base: str) -> str:
    """The local stand-in for the db container's PostgreSQL image."""
    return build_postgres_image(engine, base).tag


@pytest.fixture(scope="session")
def load_image(engine: Engine, base: str) -> str:
    """The load generators' image."""
    return build_load_image(engine, base).tag
