"""The previous release: the last commit before the due-date migration, read from this
clone's history by the tests that run it beside the new release."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

# The last release before due dates: its schema stops at migration 5.
PREVIOUS_RELEASE = "8142bb01ea176d08979a79a75c9daf2b0b91f6f0"
REPOSITORY = Path(__file__).resolve().parents[1]


def extract(target: Path, *paths: str) -> Path:
    """The previous release's tree (or only `paths` of it) extracted into `target`. A clone
    without the commit (a shallow one) skips, saying so."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPOSITORY), "archive", PREVIOUS_RELEASE, *paths],
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
    except subprocess.CalledProcessError as error:
        pytest.skip(
            f"the previous release {PREVIOUS_RELEASE} is not in this clone's history "
            f"(a full clone is needed, not a shallow one): {error.stderr.decode().strip()}"
        )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True, timeout=120)
    return target
