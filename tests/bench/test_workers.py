"""The workers benchmark: its same-round ratios, and one short run end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from bench.workers import POSTGRES_VARIANTS, create_database, summary
from testbed.postgres import running_postgres


def _record(app: str, round_: int, rps: float) -> dict[str, object]:
    return {
        "database": "sqlite",
        "endpoint": "create",
        "app": app,
        "round": round_,
        "rps": rps,
        "p50_ms": 1.0,
        "p90_ms": 1.5,
        "p99_ms": 2.0,
        "non_2xx": 0,
        "socket_errors": 0,
        "cpu_us": 100.0,
        "busy": 0.9,
        "waiting": 0.1,
    }


def test_two_workers_over_one_is_the_median_of_same_round_ratios() -> None:
    # Round 1 is twice as fast for both: its ratio is round 0's.
    records = [_record("service", 0, 100), _record("service-w2", 0, 150)]
    records += [_record("service", 1, 200), _record("service-w2", 1, 300)]
    records += [_record("service", 2, 100), _record("service-w2", 2, 90)]
    rows = {line.split(" | ")[2]: line.split(" | ") for line in summary(records).splitlines()}
    assert rows["service-w2"][-1] == "1.50x"
    assert rows["service"][-1] == ""
    assert rows["service-w2"][3] == "150"


def test_both_scenarios_report_every_run_as_json() -> None:
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: scripts/system-deps.sh bench installs it")
    command = [sys.executable, "-m", "bench.workers", "--rounds", "1", "--duration", "1"]
    command += ["--warmup", "0", "--connections", "4"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)

    runs = [json.loads(line) for line in output.stdout.split("\n\n")[0].splitlines()]
    assert {(run["database"], run["endpoint"], run["app"]) for run in runs} == {
        ("sqlite", "create", "service"),
        ("sqlite", "create", "service-w2"),
        *(("postgresql", endpoint, "service") for endpoint in ("list", "get", "create", "patch")),
    }
    for run in runs:
        assert run["requests"] > 0
        assert run["non_2xx"] == 0
        assert run["socket_errors"] == 0
        assert 0 < run["busy"] <= 2.1  # two workers: both cores, and the supervisor
        assert 0 <= run["waiting"] <= 1.1  # the loop thread's wait, within the run's time
    assert "vs 1 worker" in output.stdout


def test_a_variant_has_a_database_of_its_own_with_its_server_settings() -> None:
    variant = POSTGRES_VARIANTS["async-commit"]
    with running_postgres() as server:
        url = create_database(server, variant)

        assert url == server.url_for("async_commit")
        assert server.psql("SHOW synchronous_commit", "async_commit").strip() == "off"
        assert server.psql("SHOW synchronous_commit", "todo").strip() == "on"
        assert server.psql("SELECT count(*) FROM todos", "async_commit").strip() == "0"


def test_the_pool_variants_set_the_services_pool_size() -> None:
    sizes = {
        name: dict(POSTGRES_VARIANTS[name].app.env("postgresql://x/y"))["DATABASE_POOL_SIZE"]
        for name in ("pool5", "pool20", "pool50")
    }
    assert sizes == {"pool5": "5", "pool20": "20", "pool50": "50"}
