"""`docker build` of the Dockerfile on a given base image."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from hostkit.docker import Engine
from imagebuild import REPO_ROOT
from imagebuild.base import LOCAL_BASE

DEFAULT_TAG = "todo-async:local"
BUILD_TIMEOUT = 1800.0


@dataclass(frozen=True)
class Built:
    tag: str
    base: str
    seconds: float
    size_bytes: int


def uses_buildkit(engine: Engine) -> bool:
    """BuildKit needs the buildx plugin (and its syntax frontend, an image from a registry);
    without it the classic builder builds the Dockerfile unchanged."""
    return engine.run("buildx", "version", check=False).returncode == 0


def build_image(
    engine: Engine, base: str, tag: str = DEFAULT_TAG, context: Path = REPO_ROOT
) -> Built:
    started = time.monotonic()
    # The local stand-in base means no route out: no RDS CA bundle to fetch (the Dockerfile).
    offline = ["--build-arg", "RDS_CA_BUNDLE_URL="] if base == LOCAL_BASE else []
    engine.run(
        "build",
        "--build-arg",
        f"BASE_IMAGE={base}",
        *offline,
        "--tag",
        tag,
        str(context),
        env={"DOCKER_BUILDKIT": "1" if uses_buildkit(engine) else "0"},
        timeout=BUILD_TIMEOUT,
        capture=False,
    )
    return Built(tag, base, time.monotonic() - started, engine.image_size(tag))
