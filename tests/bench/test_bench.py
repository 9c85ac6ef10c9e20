"""The wrk benchmark's pieces, and one short run end to end (numbers, not timed assertions)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from bench import proc, report, wrk
from bench.floor import numbered

REPORTED = {"requests", "rps", "p50_ms", "p99_ms", "non_2xx", "socket_errors", "cpu_us"}


def _record(app: str, round_: int, rps: float) -> dict[str, object]:
    return {
        "database": "sqlite",
        "pinning": "pinned",
        "endpoint": "list",
        "app": app,
        "round": round_,
        "rps": rps,
        "p50_ms": 1.0,
        "p99_ms": 2.0,
        "non_2xx": round_,
        "socket_errors": 0,
        "cpu_us": 100.0 * (round_ + 1) * (2 if app == "service" else 1),
    }


def test_ratios_are_medians_of_same_round_ratios() -> None:
    # Round 1 is twice as fast for both: the same-round ratio stays 0.5.
    records = [_record("service", 0, 100), _record("plain", 0, 200)]
    records += [_record("service", 1, 200), _record("plain", 1, 400)]
    records += [_record("service", 2, 300), _record("plain", 2, 600)]
    by_app = {summary.app: summary for summary in report.summarise(records)}

    assert by_app["service"].vs_plain == pytest.approx(0.5)
    assert by_app["service"].cpu_vs_plain == pytest.approx(0.5)
    assert by_app["service"].rps == 200
    assert by_app["service"].errors == 3
    assert by_app["plain"].vs_plain is None
    assert by_app["service"].vs_flask is None
    assert by_app["service"].vs_floor is None
    assert "0.50x" in report.table(by_app.values())


def test_pinned_and_unpinned_runs_are_compared_only_among_themselves() -> None:
    records = [_record("service", 0, 100), _record("hello", 0, 400), _record("floor", 0, 200)]
    records += [
        {**_record("service", 0, 300), "pinning": "unpinned"},
        {**_record("hello", 0, 600), "pinning": "unpinned"},
    ]
    by_pinning = {
        summary.pinning: summary
        for summary in report.summarise(records)
        if summary.app == "service"
    }

    assert by_pinning["pinned"].vs_hello == pytest.approx(0.25)
    assert by_pinning["pinned"].vs_floor == pytest.approx(0.5)
    assert by_pinning["unpinned"].vs_hello == pytest.approx(0.5)
    assert by_pinning["unpinned"].vs_floor is None


def test_memory_is_one_line_per_server() -> None:
    lines = report.memory(
        [{"database": "sqlite", "pinning": "pinned", "app": "service", "rss_mb": 71.4}]
    ).splitlines()

    assert "RSS MB per worker" in lines[0]
    assert lines[2].split(" | ")[-1].strip() == "71"


def test_the_accounts_row_shows_its_cpu_per_request_over_the_open_service() -> None:
    records = []
    for round_, (open_cpu, accounts_cpu) in enumerate([(200, 230), (400, 420), (300, 340)]):
        records += [
            {**_record("service", round_, 100), "cpu_us": open_cpu},
            {**_record(report.ACCOUNTS_APP, round_, 90), "cpu_us": accounts_cpu},
        ]
    by_app = {summary.app: summary for summary in report.summarise(records)}

    # Same-round differences 30, 20, 40: their median, not the difference of medians.
    assert by_app[report.ACCOUNTS_APP].auth_cpu_us == pytest.approx(30)
    assert by_app["service"].auth_cpu_us is None
    assert "auth CPU us" in report.table(by_app.values())
    assert "+30" in report.table(by_app.values())


def test_wrk_summary_line_is_parsed_and_commands_pin_wrk() -> None:
    assert wrk.parse('noise\n{"requests": 5, "rps": 2.5}\n') == {"requests": 5, "rps": 2.5}
    argv = wrk.command(
        "http://h", wrk.ENDPOINTS["patch"], seconds=1, connections=4, pin=["taskset", "-c", "0"]
    )
    assert argv[:4] == ["taskset", "-c", "0", "wrk"]
    assert argv[-4:] == ["--", "patch", str(wrk.SEEDED), "1"]
    assert "-d1s" in argv
    # Another user's seeded todos start further on; the token is not on the command line.
    target = wrk.Target(first_id=101, authorization="Bearer tdat_secret")
    accounts = wrk.command(
        "http://h", wrk.ENDPOINTS["get"], seconds=1, connections=4, target=target
    )
    assert accounts[-4:] == ["--", "get", str(wrk.SEEDED), "101"]
    assert "tdat_secret" not in " ".join(accounts)
    listing = wrk.command("http://h", wrk.ENDPOINTS["list"], seconds=1, connections=4)
    assert listing[-2:] == ["--", "list"]


def test_cpu_time_counts_children() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        assert child.pid in proc.tree(os.getpid())
        assert proc.cpu_seconds(os.getpid()) > 0
        assert proc.largest_rss_mb(os.getpid()) > 1
    finally:
        child.kill()
        child.wait()


def test_floor_numbers_placeholders_for_asyncpg() -> None:
    assert numbered("SELECT ? WHERE a = ? AND b = ?") == "SELECT $1 WHERE a = $2 AND b = $3"


def test_benchmark_reports_every_app_and_endpoint_as_json() -> None:
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: scripts/system-deps.sh bench installs it")
    command = [sys.executable, "-m", "bench", "--databases", "sqlite", "--rounds", "1"]
    command += ["--duration", "1", "--warmup", "0", "--connections", "4"]
    command += ["--pinning", "unpinned"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=180)

    lines = output.stdout.split("\n\n")[0].splitlines()
    records = [json.loads(line) for line in lines]
    runs = [record for record in records if "endpoint" in record]
    apps = ("service", report.ACCOUNTS_APP, "plain", "floor", "hello", "flask")
    assert {(run["app"], run["endpoint"]) for run in runs} == {
        (app, endpoint) for app in apps for endpoint in wrk.ENDPOINTS
    }
    for run in runs:
        assert run.keys() >= REPORTED
        assert run["requests"] > 0
        assert run["non_2xx"] == 0
        assert run["socket_errors"] == 0
    assert {record["app"] for record in records if "rss_mb" in record} == set(apps)
    assert {run["pinning"] for run in runs} == {"unpinned"}
    assert "vs plain" in output.stdout
    assert "RSS MB per worker" in output.stdout
    assert "auth CPU us" in output.stdout
