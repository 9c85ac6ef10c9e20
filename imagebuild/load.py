"""The load generators' image (loadtest/Dockerfile, with loadtest/ as its context): what the
load-generator stack's task runs, as master and as workers."""

from __future__ import annotations

from hostkit.docker import Engine
from imagebuild import REPO_ROOT
from imagebuild.build import Built, build_image

LOAD_TAG = "todo-async-load:local"
CONTEXT = REPO_ROOT / "loadtest"
# The image's user (loadtest/Dockerfile): a results mount must be writable by it.
LOAD_UID = 10002


def build_load_image(engine: Engine, base: str) -> Built:
    return build_image(engine, base, LOAD_TAG, context=CONTEXT)
