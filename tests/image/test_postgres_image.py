"""The local PostgreSQL image honours the official image's environment and defaults."""

from __future__ import annotations

import secrets
import time

from hostkit.docker import Engine


def test_as_root_with_the_defaults_it_serves_with_password_auth(
    engine: Engine, postgres_image: str
) -> None:
    """POSTGRES_USER and POSTGRES_DB default to postgres; the entrypoint drops to uid 999."""
    password = secrets.token_hex(8)
    started = engine.run("run", "--detach", f"--env=POSTGRES_PASSWORD={password}", postgres_image)
    container = started.stdout.strip()
    try:
        query = ["exec", f"--env=PGPASSWORD={password}", container, "psql", "-h", "127.0.0.1"]
        query += ["-U", "postgres", "-d", "postgres", "-Atc", "SELECT current_user, 1"]
        deadline = time.monotonic() + 60
        answered = engine.run(*query, check=False)
        while answered.returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.5)
            answered = engine.run(*query, check=False)
        wrong = engine.run(*query[:1], "--env=PGPASSWORD=wrong", *query[2:], check=False)
        owner = engine.run("exec", container, "stat", "-c", "%u", "/proc/1").stdout.strip()
    finally:
        engine.run("rm", "--force", "--volumes", container, check=False)

    assert answered.stdout.strip() == "postgres|1", answered.stderr
    assert "password authentication failed" in wrong.stderr
    assert owner == "999"


def test_without_a_password_it_refuses_to_initialise(engine: Engine, postgres_image: str) -> None:
    refused = engine.run("run", "--rm", postgres_image, check=False, timeout=60)
    assert refused.returncode == 1
    assert "POSTGRES_PASSWORD is not set" in refused.stderr
