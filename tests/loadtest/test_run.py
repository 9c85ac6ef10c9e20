"""The load-test entry point end to end: Locust against the real server, a few seconds each.

Runs `python -m loadtest` as `make load` does; each run is bounded by -t and by a timeout.
"""

from __future__ import annotations

import contextlib
import csv
import json
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from testbed.live_server import LiveServer, live_server
from testbed.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("loadtest-server")
    with live_server(f"sqlite:///{directory}/todo.db", directory) as running:
        yield running


def run_smoke(host: str, results: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "loadtest", "--profile", "smoke", "--host", host]
    command += ["--results", str(results), "-u", "4", "-t", "5", "--think-time", "0.05-0.2"]
    return subprocess.run(
        [*command, *extra], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def only_run_dir(results: Path) -> Path:
    [run_dir] = list(results.iterdir())
    return run_dir


def stats_rows(run_dir: Path) -> dict[str, dict[str, str]]:
    with (run_dir / "locust_stats.csv").open(newline="") as file:
        return {row["Name"]: row for row in csv.DictReader(file)}


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


class WrongAnswers(BaseHTTPRequestHandler):
    """Right status codes, wrong bodies: what a broken service might do."""

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(200, b'[{"id": 1, "title": "not yours"}]')

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer(201, b'{"id": "x"}')

    do_PATCH = do_POST

    def do_DELETE(self) -> None:
        self._answer(200, b'{"deleted": 0}')

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def wrong_answers() -> Iterator[str]:
    stub = ThreadingHTTPServer(("127.0.0.1", free_port()), WrongAnswers)
    thread = threading.Thread(target=stub.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{stub.server_address[1]}"
    finally:
        stub.shutdown()
        stub.server_close()


def test_wrong_bodies_count_as_failures(tmp_path: Path) -> None:
    with wrong_answers() as host:
        done = run_smoke(host, tmp_path, "-t", "3")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "threshold breached: error ratio " in done.stdout
    with (only_run_dir(tmp_path) / "locust_failures.csv").open(newline="") as file:
        errors = {row["Error"] for row in csv.DictReader(file)}
    assert any("created todo has no id" in error for error in errors), errors
    assert "most frequent failures:\n  " in done.stdout
