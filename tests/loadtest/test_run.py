"""The load-test entry point end to end: Locust against the real server, a few seconds each.

Runs `python -m loadtest` as `make load` does; each run is bounded by -t and by a timeout.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from testbed.live_server import LiveServer
from tests.loadtest.runs import failure_messages, only_run_dir, run_smoke, stats_rows, wrong_answers

GROUPED_NAMES = {
    "/api/categories",
    "/api/todos",
    "/api/todos/[id]",
    "/api/todos?category=[c]",
    "/api/todos?category=[c]&completed=true",
    "/api/todos?category=[c]&limit=[n]",
    "/api/todos?category=[c]&limit=[n]&cursor=[cursor]",
    "Aggregated",
}


def test_smoke_profile_passes_and_writes_every_result(server: LiveServer, tmp_path: Path) -> None:
    done = run_smoke(server.url, tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    run_dir = only_run_dir(tmp_path)
    assert run_dir.name.startswith("smoke-")
    for name in ("locust_stats.csv", "locust_stats_history.csv", "report.html", "timeline.csv"):
        assert (run_dir / name).stat().st_size > 0, name
    assert (run_dir / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (run_dir / "plot.png").stat().st_size > 10_000
    assert "<html" in (run_dir / "report.html").read_text(encoding="utf-8")[:2000].lower()

    rows = stats_rows(run_dir)
    assert set(rows) <= GROUPED_NAMES, "request names must be grouped, without ids"
    assert int(rows["Aggregated"]["Request Count"]) > 20
    assert int(rows["Aggregated"]["Failure Count"]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["passed"] is True
    # Locust rewrites its CSV once a second; the summary counts up to the very end.
    assert summary["whole_run"]["requests"] >= int(rows["Aggregated"]["Request Count"])
    assert done.stdout.rstrip().endswith(f"results: {run_dir}")
    assert "PASSED" in done.stdout

    # The simulated users' own categories are gone again.
    with urllib.request.urlopen(f"{server.url}/api/categories", timeout=5) as response:
        assert json.load(response) == []


def test_an_impossible_threshold_fails_the_run_and_names_it(
    server: LiveServer, tmp_path: Path
) -> None:
    done = run_smoke(server.url, tmp_path, "--max-p95", "0")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "threshold breached: p95 " in done.stdout
    assert "> 0 ms (over by " in done.stdout
    summary = json.loads((only_run_dir(tmp_path) / "summary.json").read_text())
    assert summary["passed"] is False
    assert "p95" in [breach["what"] for breach in summary["breaches"]]
    assert (only_run_dir(tmp_path) / "plot.png").stat().st_size > 0


def test_wrong_bodies_count_as_failures(tmp_path: Path) -> None:
    with wrong_answers() as host:
        done = run_smoke(host, tmp_path, "-t", "3")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "threshold breached: error ratio " in done.stdout
    errors = failure_messages(only_run_dir(tmp_path))
    assert any("created todo has no id" in error for error in errors), errors
    assert "most frequent failures:\n  " in done.stdout
