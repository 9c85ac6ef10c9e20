"""`python -m loadtest`: where it sends the load and where the results go."""

from __future__ import annotations

import json
from pathlib import Path

from loadtest.__main__ import DEFAULT_HOST, LOCUSTFILE, default_host, locust_command, new_run_dir


def test_the_host_is_the_local_load_balancer_when_the_stack_is_up(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    assert default_host(outputs) == DEFAULT_HOST
    outputs.write_text(json.dumps({"AlbUrl": "http://127.0.0.1:8080/", "Other": "x"}))
    assert default_host(outputs) == "http://127.0.0.1:8080"
    outputs.write_text("not json")
    assert default_host(outputs) == DEFAULT_HOST


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
