"""The hashed lock files the image and the run virtualenv install from, resolved with uv.

requirements.lock: the runtime dependencies in pyproject.toml, transitive ones included.
build-requirements.lock: the build backend ([build-system] requires), which builds the
package in the image and stays out of the virtualenv that ships.
loadtest/requirements.lock: the `load` extra alone, for the load-generator image
(loadtest/Dockerfile), which runs Locust and not the service.

`python -m imagebuild.lock` writes both; `--check` re-resolves each into a copy that
starts from the locked versions (uv keeps them where they still fit) and fails on any
difference, i.e. when pyproject.toml changed without `make lock`.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from imagebuild import REPO_ROOT

PYPROJECT = REPO_ROOT / "pyproject.toml"
RUNTIME_LOCK = REPO_ROOT / "requirements.lock"
BUILD_LOCK = REPO_ROOT / "build-requirements.lock"
LOAD_LOCK = REPO_ROOT / "loadtest" / "requirements.lock"
UV = [sys.executable, "-m", "uv"]
COMPILE_OPTIONS = [
    "--quiet",
    "--universal",
    "--python-version",
    "3.11",
    "--generate-hashes",
    "--custom-compile-command",
    "make lock",
]


def compile_runtime(output: Path) -> None:
    _compile([str(PYPROJECT)], output, stdin=None)


def compile_build(output: Path) -> None:
    _compile_list(tomllib.loads(PYPROJECT.read_text())["build-system"]["requires"], output)


def compile_load(output: Path) -> None:
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    _compile_list(extras["load"], output)


def _compile_list(requirements: list[str], output: Path) -> None:
    _compile(["-"], output, stdin="\n".join(requirements) + "\n")


def _compile(sources: list[str], output: Path, stdin: str | None) -> None:
    subprocess.run(
        [*UV, "pip", "compile", *sources, *COMPILE_OPTIONS, "--output-file", str(output)],
        input=stdin,
        text=True,
        check=True,
        timeout=300,
        cwd=REPO_ROOT,
    )


LOCKS = {RUNTIME_LOCK: compile_runtime, BUILD_LOCK: compile_build, LOAD_LOCK: compile_load}


def stale_locks() -> dict[Path, str]:
    """Each lock that differs from a fresh resolution, with the unified diff."""
    stale = {}
    with tempfile.TemporaryDirectory(prefix="todo-lock-") as workdir:
        for lock, compile_into in LOCKS.items():
            fresh = Path(workdir) / lock.name
            shutil.copyfile(lock, fresh)
            compile_into(fresh)
            diff = difflib.unified_diff(
                lock.read_text().splitlines(keepends=True),
                fresh.read_text().splitlines(keepends=True),
                str(lock.name),
                "resolved now",
            )
            text = "".join(diff)
            if text:
                stale[lock] = text
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m imagebuild.lock", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a lock is out of date")
    if not parser.parse_args().check:
        for lock, compile_into in LOCKS.items():
            compile_into(lock)
        return 0
    stale = stale_locks()
    for lock, diff in stale.items():
        print(diff, end="")
        print(f"{lock.name} is out of date with pyproject.toml: run make lock", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
