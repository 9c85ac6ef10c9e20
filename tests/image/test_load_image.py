"""The load generators' image (loadtest/Dockerfile) run as their task definition runs it: a
master and a worker in one network namespace, read-only roots, the image's own user, the
results in a mount; against the real service on loopback."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hostkit.docker import Engine
from hostkit.ports import free_port
from imagebuild.load import LOAD_UID
from testbed.live_server import live_server

RUN_TIMEOUT = 120


def test_a_master_and_its_worker_run_a_profile_and_keep_the_results(
    engine: Engine, load_image: str, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    results.mkdir()
    os.chown(results, LOAD_UID, LOAD_UID)
    confined = ["--detach", "--read-only", "--tmpfs=/tmp"]
    # The host's network stands in for the task's: the service listens on its loopback, and
    # the master on a free port of it rather than the task's 5557, which another run on this
    # machine may hold.
    port = str(free_port())
    with live_server(f"sqlite:///{tmp_path}/todo.db", tmp_path) as server:
        master = engine.run(
            "run",
            *confined,
            "--network=host",
            f"--mount=type=bind,src={results},dst=/results",
            load_image,
            *("--profile", "smoke", "--host", server.url, "-u", "2", "-t", "4"),
            *("--master", "--master-bind-host", "127.0.0.1"),
            *("--master-bind-port", port, "--expect-workers", "1"),
        ).stdout.strip()
        worker = ""
        try:
            worker = engine.run(
                "run",
                *confined,
                f"--network=container:{master}",
                load_image,
                *("--worker", "--master-host", "127.0.0.1", "--master-port", port),
            ).stdout.strip()
            exit_code = engine.run("wait", master, timeout=RUN_TIMEOUT).stdout.strip()
            logs = engine.run("logs", master).stderr
        finally:
            engine.run("rm", "--force", master, *filter(None, [worker]), check=False)

    assert exit_code == "0", logs
    [run_dir] = list(results.iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["passed"] is True, summary
    assert summary["workers"] == "1 worker(s) (expected 1)"
    assert summary["whole_run"]["requests"] > 0
    assert summary["whole_run"]["failures"] == 0
    for name in ("report.html", "plot.png", "timeline.csv", "locust_stats.csv"):
        assert (run_dir / name).stat().st_size > 0, name


def test_runs_as_its_own_unprivileged_user(engine: Engine, load_image: str) -> None:
    who = engine.run("run", "--rm", "--entrypoint=id", load_image).stdout
    assert who.startswith(f"uid={LOAD_UID}(locust) gid={LOAD_UID}(locust)"), who
