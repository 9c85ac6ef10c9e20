"""PostgreSQL stopped (a fast shutdown, as a reboot or failover does) and started again
under writers on keep-alive connections, through the real server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from testbed.accounts import sign_up
from testbed.keep_alive import KeepAliveClient, Traffic
from testbed.live_server import LiveServer, live_server
from testbed.postgres import PostgresServer, running_postgres
from tests.faults.checks import SERVER_ENV, check_failure_answers, check_log

WRITERS = 4
OUTAGE_S = 3.0
# Bounds generous enough for a busy 2-core machine; the measured figures are printed.
READY_BOUND_S = 5.0
RECOVERY_BOUND_S = 5.0


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    """A server of this test's own: it is stopped and started again."""
    with running_postgres() as server:
        yield server


@pytest.fixture(params=["open", "accounts"])
def auth_mode(request: pytest.FixtureRequest) -> str:
    """In accounts mode every request first looks its credentials up in the database."""
    return str(request.param)


@pytest.fixture
def server(postgres: PostgresServer, auth_mode: str, tmp_path: Path) -> Iterator[LiveServer]:
    env = {**SERVER_ENV, "AUTH_MODE": auth_mode}
    with live_server(postgres.url, tmp_path, env=env) as running:
        yield running


@pytest.fixture
def credentials(server: LiveServer, auth_mode: str) -> dict[str, str]:
    if auth_mode == "open":
        return {}
    with httpx.Client(base_url=server.url, timeout=10) as client:
        return sign_up(client).headers


def wait_for_ready(client: KeepAliveClient, status: int, bound: float) -> float:
    """Seconds until /ready answers `status`, polled every 50 ms."""
    started = time.monotonic()
    while time.monotonic() - started < bound:
        answer = client.call("GET", "/ready")
        if answer is not None and answer.status == status:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"/ready did not answer {status} within {bound} s")


def test_outage_answers_503_keeps_connections_and_loses_no_write(
    postgres: PostgresServer, server: LiveServer, auth_mode: str, credentials: dict[str, str]
) -> None:
    probe = KeepAliveClient(server.url)
    traffic = Traffic(server.url, credentials)
    traffic.start(WRITERS, lambda client, n: ("POST", "/api/todos", {"title": f"w{client}-{n}"}))
    time.sleep(1.0)

    postgres.process.stop()
    stopped = time.monotonic()
    not_ready_after = wait_for_ready(probe, 503, READY_BOUND_S)
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
    restarting = time.monotonic()
    postgres.process.start()
    back = time.monotonic()
    ready_after = wait_for_ready(probe, 200, READY_BOUND_S)
    time.sleep(2.0)  # writes after the recovery, past the incident log's settling second
    traffic.stop()
    probe_dropped = probe.dropped
    probe.close()

    answers = traffic.answers
    # PostgreSQL answers before start() has seen it ready: the outage ends at the restart.
    during = [a for a in answers if stopped <= a.at <= restarting]
    failures = check_failure_answers(answers, {503})
    first_write_after = min(a.at for a in answers if a.status == 201 and a.at > restarting)
    first_write_after -= restarting
    starting = back - restarting
    acknowledged = {a.body["id"]: a.body["title"] for a in answers if a.status == 201}
    stored = dict(
        line.split("|", 1)
        for line in postgres.psql("SELECT id, title FROM todos", postgres.database).splitlines()
    )
    lost = {i: title for i, title in acknowledged.items() if stored.get(str(i)) != title}
    print(
        f"\nPostgreSQL outage {OUTAGE_S:g} s under {WRITERS} writers ({auth_mode} mode):"
        f" {len(answers)} answers,"
        f" {sum(a.status == 201 for a in answers)} 201, {len(failures)} 503"
        f" (Retry-After {failures[0].retry_after} s), 500s {sum(a.status == 500 for a in answers)},"
        f" dropped connections {traffic.dropped + probe_dropped}; /ready 503 after"
        f" {not_ready_after:.2f} s, 200 after {ready_after:.2f} s; first write stored"
        f" {first_write_after:.2f} s after the restart began (PostgreSQL seen ready after"
        f" {starting:.2f} s); lost writes {len(lost)}"
    )
    assert traffic.dropped == 0
    assert probe_dropped == 0
    went_through = [(a.at - stopped, a.status, a.path) for a in during if a.status != 503]
    assert not [a for a in went_through if a[0] > 1.0], went_through
    assert first_write_after <= starting + RECOVERY_BOUND_S
    assert not lost, lost
    check_log(server, "unavailable")
