"""`python -m loadtest`: where it sends the load and where the results go."""

from __future__ import annotations

import json
from argparse import ArgumentTypeError
from pathlib import Path

import pytest

from hostkit.ports import free_port
from loadtest.__main__ import (
    DEFAULT_HOST,
    EXPECT_WORKERS_MAX_WAIT_S,
    LOCUSTFILE,
    default_target,
    locust_command,
    main,
    new_run_dir,
    worker_command,
)
from loadtest.options import think_time, timespan


def test_the_host_is_the_local_front_door_when_the_stack_is_up(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    assert default_target(outputs) == (DEFAULT_HOST, None)
    stack = {"FrontDoorUrl": "https://127.0.0.1:8443/", "FrontDoorCa": "/ca.pem", "Other": "x"}
    outputs.write_text(json.dumps(stack))
    asked = []
    target = default_target(outputs, is_up=lambda url, ca: asked.append((url, ca)) or True)
    assert target == ("https://127.0.0.1:8443", "/ca.pem")
    assert asked == [("https://127.0.0.1:8443", "/ca.pem")]
    outputs.write_text("not json")
    assert default_target(outputs) == (DEFAULT_HOST, None)


def test_a_front_door_that_does_not_answer_is_not_the_default(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"FrontDoorUrl": f"https://127.0.0.1:{free_port()}"}))
    assert default_target(outputs) == (DEFAULT_HOST, None)


def test_each_run_gets_a_new_folder_named_by_profile_and_time(tmp_path: Path) -> None:
    first = new_run_dir(tmp_path, "step")
    assert first.name.startswith("step-20")
    assert not first.exists()
    first.mkdir()
    assert new_run_dir(tmp_path, "step") != first


def test_locust_runs_headless_with_csv_html_and_the_profile(tmp_path: Path) -> None:
    command = locust_command("spike", "http://127.0.0.1:5000", tmp_path, ["-u", "20"])
    assert command[1:5] == ["-m", "locust", "--locustfile", str(LOCUSTFILE)]
    for option, value in [
        ("--profile", "spike"),
        ("--host", "http://127.0.0.1:5000"),
        ("--csv", str(tmp_path / "locust")),
        ("--html", str(tmp_path / "report.html")),
        ("--results-dir", str(tmp_path)),
    ]:
        assert command[command.index(option) + 1] == value
    assert "--headless" in command
    assert command[-2:] == ["-u", "20"]


def test_workers_run_as_locust_processes_under_a_master_that_waits_a_bounded_time(
    tmp_path: Path,
) -> None:
    alone = locust_command("step", "http://127.0.0.1:5000", tmp_path, [])
    assert "--processes" not in alone
    assert "--expect-workers-max-wait" not in alone
    forked = locust_command("step", "http://127.0.0.1:5000", tmp_path, [], workers=3)
    assert forked[forked.index("--processes") + 1] == "3"
    assert forked[forked.index("--expect-workers-max-wait") + 1] == EXPECT_WORKERS_MAX_WAIT_S
    # Its own port on loopback, where its forked workers look for it.
    assert forked[forked.index("--master-bind-host") + 1] == "127.0.0.1"
    port = forked[forked.index("--master-bind-port") + 1]
    assert forked[forked.index("--master-port") + 1] == port != "5557"
    chosen = ["--master-bind-port=6000", "--master-port=6000"]
    told = locust_command("step", "http://127.0.0.1:5000", tmp_path, chosen, workers=3)
    assert "--master-bind-host" not in told
    assert told[-2:] == chosen
    master = locust_command("step", "http://127.0.0.1:5000", tmp_path, ["--master"])
    assert master[master.index("--expect-workers-max-wait") + 1] == EXPECT_WORKERS_MAX_WAIT_S
    patient = ["--master", "--expect-workers-max-wait", "600"]
    assert (
        locust_command("step", "http://127.0.0.1:5000", tmp_path, patient).count(
            "--expect-workers-max-wait"
        )
        == 1
    )


def test_workers_elsewhere_take_host_and_options_from_their_master() -> None:
    command = worker_command(2, ["--worker", "--master-host", "10.0.0.5"])
    assert command[1:5] == ["-m", "locust", "--locustfile", str(LOCUSTFILE)]
    assert command[command.index("--processes") + 1] == "2"
    for option in ("--host", "--csv", "--html", "--results-dir", "--headless"):
        assert option not in command
    assert "--processes" not in worker_command(0, ["--worker"])


def test_a_negative_worker_count_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--results", str(tmp_path), "--workers", "-1"])
    assert stopped.value.code == 2
    assert "--workers: want 0 or more, not -1" in capsys.readouterr().err


def test_profile_options_are_checked_before_locust_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--results", str(tmp_path), "--step-time", "5x"])
    assert stopped.value.code == 2
    assert "want a time span like 90, 90s, 20m or 1h30m, not '5x'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_time_spans_and_think_times_read_as_locust_reads_them() -> None:
    assert [timespan(text) for text in ("90", "90s", "20m", "1h30m", "1h2m3s")] == [
        90,
        90,
        1200,
        5400,
        3723,
    ]
    assert think_time("1-3") == (1.0, 3.0)
    assert think_time("0.5") == (0.5, 0.5)
    for bad in ("3-1", "-1", "soon"):
        with pytest.raises(ArgumentTypeError):
            think_time(bad)
