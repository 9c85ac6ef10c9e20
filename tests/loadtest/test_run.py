"""The load-test entry point end to end: Locust against the real server, a few seconds each.

Runs `python -m loadtest` as `make load` does; each run is bounded by -t and by a timeout.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from pathlib import Path

import httpx
import pytest

from hostkit.processes import stop
from testbed.accounts import sign_up
from testbed.live_server import LiveServer
from tests.loadtest.runs import (
    failure_messages,
    held_create,
    only_run_dir,
    run_smoke,
    start_load,
    stats_by_method,
    stats_rows,
    summary,
    wrong_answers,
)

GROUPED_NAMES = {
    "/api/session",
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
    # Locust rewrites its CSV once a second; the summary counts up to the very end, less
    # each user's one question for the mode (set-up, not judged).
    set_up = stats_by_method(run_dir)[("GET", "/api/session")]
    assert set_up == 4
    assert summary["whole_run"]["requests"] + set_up >= int(rows["Aggregated"]["Request Count"])
    assert done.stdout.rstrip().endswith(f"results: {run_dir}")
    assert "PASSED" in done.stdout

    # The simulated users' own categories are gone again.
    with urllib.request.urlopen(f"{server.url}/api/categories", timeout=5) as response:
        assert json.load(response) == []


def test_sigterm_ends_the_run_early_with_its_summary(server: LiveServer, tmp_path: Path) -> None:
    """A stop signal in the middle of a profile's shape: the run ends as with Ctrl-C, its
    verdict and results written, instead of Locust being killed."""
    run = start_load("smoke", server.url, tmp_path, "-u", "2", "-t", "600")
    try:
        assert run.stdout is not None
        for line in run.stdout:  # users at work: the shape is running
            if "All users spawned" in line:
                break
        time.sleep(2)
        run.send_signal(signal.SIGTERM)
        output, _ = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode in (0, 1), output
    run_dir = only_run_dir(tmp_path)
    assert {"summary.json", "summary.txt", "report.html", "locust_stats.csv"} <= {
        path.name for path in run_dir.iterdir()
    }
    assert summary(tmp_path)["whole_run"]["requests"] > 0


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["alone", "workers"])
def test_a_create_in_flight_at_the_stop_is_cleaned_up_too(
    server: LiveServer, tmp_path: Path, workers: list[str]
) -> None:
    """A user stopping in the middle of a create waits for its answer before the clean-up
    runs; cut off, the create would land after the delete and stay behind. Distributed,
    the workers stop their users as the master says."""
    with held_create(server.url) as relay:
        url = f"http://127.0.0.1:{relay.server_address[1]}"
        run = start_load("smoke", url, tmp_path, "-u", "1", "-t", "600", *workers)
        try:
            assert relay.holding.wait(30), "no create arrived"
            run.send_signal(signal.SIGTERM)
            output, _ = run.communicate(timeout=60)
        finally:
            stop(run)  # Locust ends its forked workers
        assert run.returncode in (0, 1), output
        assert relay.deleted.is_set(), output  # the clean-up ran, after the create

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


def test_in_accounts_mode_each_user_signs_up_and_works_with_a_token(
    accounts_server: LiveServer, tmp_path: Path
) -> None:
    done = run_smoke(accounts_server.url, tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    run_dir = only_run_dir(tmp_path)
    counts = stats_by_method(run_dir)
    # Four users: each asks the mode, signs up, signs in, makes a token and signs out.
    for request in (
        ("GET", "/api/session"),
        ("POST", "/api/users"),
        ("POST", "/api/session"),
        ("POST", "/api/tokens"),
        ("DELETE", "/api/session"),
    ):
        assert counts[request] == 4, (request, counts)
    assert counts[("GET", "/api/todos?category=[c]")] > 4
    rows = stats_rows(run_dir)
    assert int(rows["Aggregated"]["Failure Count"]) == 0
    judged = summary(tmp_path)
    assert judged["passed"] is True
    # The set-up (20 requests, argon2id among them) is in Locust's tables, not judged.
    assert judged["whole_run"]["requests"] + 20 >= int(rows["Aggregated"]["Request Count"])


def test_with_an_accounts_file_the_users_share_its_accounts_and_tidy_up(
    accounts_server: LiveServer, tmp_path: Path
) -> None:
    with httpx.Client(base_url=accounts_server.url, timeout=10) as http:
        accounts = [sign_up(http, prefix="pre") for _ in range(2)]
    listing = tmp_path / "accounts.txt"
    listing.write_text("".join(f"{a.username}:{a.password}\n" for a in accounts))

    done = run_smoke(accounts_server.url, tmp_path / "results", "--accounts-file", str(listing))

    assert done.returncode == 0, done.stdout + done.stderr
    counts = stats_by_method(only_run_dir(tmp_path / "results"))
    assert ("POST", "/api/users") not in counts
    assert counts[("POST", "/api/session")] == 4
    with httpx.Client(base_url=accounts_server.url, timeout=10) as http:
        for account in accounts:
            # Two users worked in each account: their todos and their tokens are gone.
            assert http.get("/api/categories", headers=account.headers).json() == []
            tokens = http.get("/api/tokens", headers=account.headers).json()
            assert [str(token["id"]) for token in tokens] == [account.token_id]


def test_a_bad_accounts_file_stops_the_run_before_any_user(tmp_path: Path) -> None:
    with wrong_answers() as host:
        done = run_smoke(host, tmp_path, "--accounts-file", str(tmp_path / "missing.txt"))

    assert done.returncode != 0
    assert "--accounts-file: " in done.stderr
    assert "No such file" in done.stderr
