"""The built image, run as ECS runs the `app` container: it serves, stays healthy, drains on
SIGTERM, logs only JSON, and holds nothing it should not."""

from __future__ import annotations

import asyncio
import functools
import json
import secrets
import socket
import time
from collections.abc import Iterator
from importlib.metadata import version
from urllib.parse import urlsplit

import httpx
import pytest

from hostkit.docker import Engine
from infra.database import SidecarDatabase
from testbed.accounts import sign_up
from testbed.in_flight import start_creates
from tests.image.containers import (
    DATA,
    ECS_ENVIRONMENT,
    STOP_TIMEOUT_SECONDS,
    Container,
    run_container,
    run_db_container,
)

APP_UID = "10001"
# Every directory and file the running user could write to, outside /proc, /sys and /dev.
FIND_WRITABLE = """
import os
found = []
for top, dirs, files in os.walk("/"):
    if top == "/":
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
    found += [p for p in [top, *(os.path.join(top, f) for f in files)]
              if not os.path.islink(p) and os.access(p, os.W_OK)]
print("\\n".join(found))
"""
# Compilers on PATH, and cache directories (pip's is ~/.cache/pip) anywhere in the image.
FIND_BUILD_LEFTOVERS = """
import os, shutil
compilers = [c for c in ("cc", "gcc", "g++", "c++", "clang", "tcc", "ld", "as") if shutil.which(c)]
caches = []
for top, dirs, files in os.walk("/"):
    if top == "/":
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
    caches += [os.path.join(top, d) for d in dirs if d == ".cache"]
print(compilers, caches)
"""


@pytest.fixture(scope="module")
def served(engine: Engine, image: str) -> Iterator[Container]:
    with run_container(engine, image) as container:
        yield container


def test_serves_health_and_an_api_round_trip(served: Container) -> None:
    with httpx.Client(base_url=served.url, timeout=10) as http:
        http.headers.update(sign_up(http).headers)
        health = http.get("/health")
        created = http.post("/api/todos", json={"title": "ship it", "category": "work"})
        location = created.headers["location"]
        patched = http.patch(location, json={"completed": True})
        listed = http.get("/api/todos", params={"category": "work"})
        deleted = http.delete(location)
        gone = http.get(location)

    assert health.status_code == 200
    assert created.status_code == 201
    assert patched.json()["completed"] is True
    assert [t["title"] for t in listed.json()] == ["ship it"]
    assert (deleted.status_code, gone.status_code) == (204, 404)
    assert gone.headers["content-type"] == "application/problem+json"


def test_by_default_it_refuses_unauthenticated_api_calls(engine: Engine, image: str) -> None:
    """The image's own AUTH_MODE (accounts), not the task definition's: no list is served
    to a request without credentials."""
    environment = {k: v for k, v in ECS_ENVIRONMENT.items() if k != "AUTH_MODE"}
    with (
        run_container(engine, image, environment=environment) as container,
        httpx.Client(base_url=container.url, timeout=10) as http,
    ):
        mode = container.exec("printenv", "AUTH_MODE").strip()
        answers = [http.get("/api/todos"), http.post("/api/todos", json={"title": "mine?"})]
        session = http.get("/api/session")

    assert mode == "accounts"
    assert [a.status_code for a in answers] == [401, 401]
    assert all(a.headers["www-authenticate"].startswith("Bearer") for a in answers)
    assert all(a.headers["content-type"] == "application/problem+json" for a in answers)
    assert session.status_code == 401


def test_runs_as_the_unprivileged_user(served: Container) -> None:
    assert served.exec("id", "-u").strip() == APP_UID
    assert served.exec("id", "-g").strip() == APP_UID
    status = served.exec("cat", "/proc/1/status")
    [uids] = [line.split()[1:] for line in status.splitlines() if line.startswith("Uid:")]
    assert set(uids) == {APP_UID}


def test_nothing_writable_outside_the_data_mount(served: Container) -> None:
    writable = served.exec("python", "-c", FIND_WRITABLE).split()
    # /tmp is the task definition's scratch volume; /app/data the data mount.
    outside = [p for p in writable if not p.startswith((DATA, "/tmp"))]
    assert DATA in writable
    assert outside == []


def test_no_compiler_and_no_pip_cache(engine: Engine, image: str) -> None:
    found = engine.run("run", "--rm", "--entrypoint", "python", image, "-c", FIND_BUILD_LEFTOVERS)
    assert found.stdout.strip() == "[] []"


def test_the_postgresql_driver_loads(engine: Engine, image: str) -> None:
    """asyncpg, a compiled wheel, is only imported for a PostgreSQL DATABASE_URL (the
    deployed case): the SQLite-backed containers above never load it."""
    loaded = engine.run(
        "run",
        "--rm",
        "--read-only",
        "--entrypoint",
        "python",
        image,
        "-c",
        "import asyncpg, asyncpg.pgproto.pgproto; print(asyncpg.__version__)",
    )
    # The version requirements.lock pins, as in the checkout's virtualenv.
    assert loaded.stdout.strip() == version("asyncpg")


def test_the_image_health_check_turns_healthy_on_its_port(engine: Engine, image: str) -> None:
    """The image's own CMD and HEALTHCHECK (first probe after its 10 s interval), on the
    default port and on one moved with PORT."""
    moved = {**ECS_ENVIRONMENT, "PORT": "8080"}
    with (
        run_container(engine, image, command=()) as default,
        run_container(engine, image, command=(), environment=moved, container_port=8080) as other,
    ):
        statuses = [default.wait_health("healthy", 60), other.wait_health("healthy", 60)]

    assert statuses == ["healthy", "healthy"]


async def test_sigterm_answers_in_flight_requests_and_exits_0(engine: Engine, image: str) -> None:
    volume = f"todo-image-test-{secrets.token_hex(4)}"
    try:
        with run_container(engine, image, data=volume) as container:
            with httpx.Client(base_url=container.url, timeout=10) as signing_up:
                credentials = sign_up(signing_up).headers
            limits = httpx.Limits(max_connections=100)
            async with httpx.AsyncClient(
                base_url=container.url, headers=credentials, limits=limits, timeout=30
            ) as http:
                tasks = await start_creates(http, 300)
                started = time.monotonic()
                stopping = asyncio.create_task(
                    asyncio.to_thread(
                        engine.run,
                        "stop",
                        f"--time={STOP_TIMEOUT_SECONDS}",
                        container.id,
                        timeout=STOP_TIMEOUT_SECONDS + 30,
                    )
                )
                outcomes = await asyncio.gather(*tasks)
                await stopping
            stopped_after = time.monotonic() - started
            exit_code = json.loads(container.state("ExitCode"))
            oom_or_killed = json.loads(container.state("OOMKilled"))

        with run_container(engine, image, data=volume) as restarted:
            # The account and its token are stored in the data volume too.
            async with httpx.AsyncClient(
                base_url=restarted.url, headers=credentials, timeout=10
            ) as http:
                stored = (await http.get("/api/todos?limit=1000")).json()
    finally:
        engine.run("volume", "rm", "--force", volume, check=False)

    statuses = [o for o in outcomes if isinstance(o, int)]
    assert statuses
    assert set(statuses) == {201}, outcomes
    assert exit_code == 0
    assert not oom_or_killed
    assert stopped_after < STOP_TIMEOUT_SECONDS
    # Every 201 was stored, and nothing was stored without its 201.
    assert len(stored) == len(statuses)
    print(f"docker stop: exit {exit_code} after {stopped_after:.2f} s, {len(statuses)} answered")


def test_every_log_line_is_one_json_object(engine: Engine, image: str) -> None:
    with run_container(engine, image) as container:
        with httpx.Client(base_url=container.url, timeout=10) as http:
            http.headers.update(sign_up(http).headers)
            http.get("/health")
            http.post(
                "/api/todos", content=b"{not json", headers={"content-type": "application/json"}
            )
            http.get("/no/such/page")
        # Bytes that are not HTTP: uvicorn's own protocol error path.
        address = urlsplit(container.url)
        with socket.create_connection((address.hostname, address.port), timeout=5) as raw:
            raw.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
            raw.recv(1024)
        engine.run("stop", f"--time={STOP_TIMEOUT_SECONDS}", container.id, timeout=60)
        stdout, stderr = container.logs()

    out_lines = [json.loads(line) for line in stdout.splitlines()]
    err_lines = [json.loads(line) for line in stderr.splitlines()]
    assert all(isinstance(line, dict) for line in out_lines + err_lines)
    assert {line["status"] for line in out_lines} >= {200, 400, 404}
    messages = " ".join(line["message"] for line in err_lines)
    for expected in ("Application startup complete", "Invalid HTTP request", "Finished server"):
        assert expected in messages, stderr


def test_sidecar_mode_app_and_db_containers_in_one_task(
    engine: Engine, image: str, postgres_image: str
) -> None:
    """The deployed sidecar configuration: the db container from the PostgreSQL image, the
    app container in its network namespace with DATABASE_URL (the runtime role) and
    MIGRATION_DATABASE_URL (the owner), no password in either, and both passwords as ECS
    injects the secrets."""
    password = secrets.token_hex(16)
    runtime_password = secrets.token_hex(16)
    volume = f"todo-image-test-pg-{secrets.token_hex(4)}"
    environment = {
        **ECS_ENVIRONMENT,
        "DATABASE_URL": SidecarDatabase.url,
        "MIGRATION_DATABASE_URL": SidecarDatabase.migration_url,
    }
    # The app container as the task runs it, beside whichever db container is up.
    app = functools.partial(
        run_container,
        engine,
        image,
        environment=environment,
        password=runtime_password,
        migration_password=password,
    )
    try:
        with run_db_container(engine, postgres_image, password=password, data=volume) as db:
            with (
                app(task=db),
                httpx.Client(base_url=db.url, timeout=10) as http,
            ):
                credentials = sign_up(http).headers
                http.headers.update(credentials)
                created = http.post("/api/todos", json={"title": "on postgres"})
                listed = http.get("/api/todos")
            with app(task=db, migration_password="wrong", wait=False) as refused:
                refused_exit = int(engine.run("wait", refused.id, timeout=60).stdout)
                _, refused_log = refused.logs()
            engine.run("stop", db.id, timeout=90)
            db_exit = json.loads(db.state("ExitCode"))
        # The data volume outlives the task, as the EFS volume does.
        with (
            run_db_container(engine, postgres_image, password=password, data=volume) as db,
            app(task=db),
        ):
            kept = httpx.get(f"{db.url}/api/todos", headers=credentials, timeout=10).json()
    finally:
        engine.run("volume", "rm", "--force", volume, check=False)

    assert created.status_code == 201
    assert [t["title"] for t in listed.json()] == ["on postgres"]
    assert [t["title"] for t in kept] == ["on postgres"]
    # A wrong owner's password stops the app at start-up (its migrations), and says why in
    # JSON (uvicorn puts the lifespan's traceback in the message).
    assert refused_exit != 0
    errors = [json.loads(line) for line in refused_log.splitlines()]
    failure = "password authentication failed"
    assert any(failure in e["message"] + e.get("exception", "") for e in errors), refused_log
    # SIGINT (the image's stop signal) is PostgreSQL's fast shutdown.
    assert db_exit == 0
