"""The Docker engine the Docker runtime runs on, seen from `local-up` and `local-down`: the
running engine or one started here (stopped by its recorded PID), the images the task
definition names (built by imagebuild when missing), and removal of everything the runtime
made, found by its label.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Mapping

from hostkit.docker import STOP_TIMEOUT, Engine, answers, start_dockerd
from hostkit.docker import install as install_engine
from hostkit.processes import recorded_pid, stop_recorded
from imagebuild.base import default_base, resolve_base
from imagebuild.build import DEFAULT_TAG, build_image
from imagebuild.postgres import POSTGRES_TAG, build_postgres_image

from ... import paths
from ...errors import HarnessError

LABEL = "com.todo-async.standin"  # its value says what the runtime made it for
DATA = "data"  # the value on volumes that hold data (an EFS volume's)
COMMAND_TIMEOUT = 120.0
VOLUME_FORMAT = f'{{{{.Name}}}}\t{{{{.Label "{LABEL}"}}}}'


def client() -> str:
    found = shutil.which("docker")
    if found is None:
        raise HarnessError("no docker client on PATH (scripts/system-deps.sh image installs it)")
    return found


async def docker(
    *args: str, env: Mapping[str, str] | None = None, limit: float = COMMAND_TIMEOUT
) -> str:
    """`docker ARGS...` without blocking the stand-in; its output, or HarnessError."""
    process = await asyncio.create_subprocess_exec(
        client(),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    try:
        output, errors = await asyncio.wait_for(process.communicate(), limit)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise HarnessError(f"docker {args[0]} took over {limit:.0f} s") from None
    if process.returncode != 0:
        raise HarnessError(f"docker {' '.join(args[:2])}: {errors.decode().strip()}")
    return output.decode()


def engine_pid() -> int | None:
    """The PID of the engine local-up started, while it still runs."""
    return recorded_pid(paths.DOCKERD_PID, b"dockerd")


def ensure_engine() -> Engine:
    """The running engine, or dockerd started now; its PID is kept for local-down."""
    install_engine()
    docker_client = client()
    if not answers(docker_client):
        paths.LOCAL.mkdir(exist_ok=True)
        process = start_dockerd(docker_client, paths.DOCKERD_LOG)
        paths.DOCKERD_PID.write_text(str(process.pid))
        print(f"Docker engine started (dockerd pid {process.pid}, log {paths.DOCKERD_LOG})")
    return Engine(docker_client)


def ensure_images(engine: Engine, app_image: str) -> None:
    """The project's image built from this checkout, so the tasks run the code under test (the
    builder's cache makes an unchanged checkout a few seconds' work), and the local
    PostgreSQL image built when missing. An image given by another tag is used as it is."""
    base = resolve_base(engine, default_base())
    if app_image == DEFAULT_TAG or not engine.has_image(app_image):
        build_image(engine, base, app_image)
    if not engine.has_image(POSTGRES_TAG):
        build_postgres_image(engine, base)


def _run(*args: str) -> list[str]:
    result = subprocess.run(
        [client(), *args], capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=True
    )
    return result.stdout.splitlines()


def remove_leftovers(*, data: bool = False) -> list[str]:
    """Remove every container, network and volume the runtime made (data volumes only
    with `data`); what was removed, in words."""
    if not shutil.which("docker") or not answers(client()):
        return []
    labelled = ("--filter", f"label={LABEL}")
    containers = _run("ps", "--all", "--quiet", *labelled)
    networks = _run("network", "ls", "--quiet", *labelled)
    volumes = [
        name
        for name, kind in (
            line.split("\t") for line in _run("volume", "ls", *labelled, "--format", VOLUME_FORMAT)
        )
        if data or kind != DATA
    ]
    for kind, names, options in (
        ("container", containers, ["--force", "--volumes"]),
        ("network", networks, []),
        ("volume", volumes, []),
    ):
        if names:
            _run(kind, "rm", *options, *names)
    return [*containers, *networks, *volumes]


def stop_engine() -> None:
    """Stop the engine local-up started, by its PID (it stops its containers first)."""
    pid = engine_pid()
    if pid is not None:
        stop_recorded(pid, engine_pid, STOP_TIMEOUT)
        print(f"Docker engine stopped (dockerd pid {pid})")
    paths.DOCKERD_PID.unlink(missing_ok=True)
