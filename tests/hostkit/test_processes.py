"""Processes stopped by their PID: a registry's survivors, a PID recorded in a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hostkit.processes import ProcessRegistry, recorded_pid, stop_recorded


def test_survivors_are_stopped_by_pid(tmp_path: Path) -> None:
    registry = ProcessRegistry(tmp_path / "processes")
    sleepers = [subprocess.Popen(["sleep", "60"], start_new_session=True) for _ in range(2)]
    try:
        for process in sleepers:
            registry.add(process.pid)
        registry.remove(sleepers[1].pid)
        assert registry.survivors() == [sleepers[0].pid]

        assert registry.stop_survivors(grace=5) == [sleepers[0].pid]
        assert sleepers[0].wait(timeout=5) != 0
        assert sleepers[1].poll() is None  # not registered: left alone
        assert not registry.path.exists()
    finally:
        for process in sleepers:
            process.kill()
            process.wait()


def test_a_reused_pid_is_not_a_survivor(tmp_path: Path) -> None:
    registry = ProcessRegistry(tmp_path / "processes")
    process = subprocess.Popen(["true"])
    process.wait()
    registry.path.write_text(f"{process.pid} 1\n")
    assert registry.survivors() == []


def test_recorded_pid_is_the_process_only_while_it_runs_that_command(tmp_path: Path) -> None:
    pid_file = tmp_path / "server.pid"
    assert recorded_pid(pid_file, b"python") is None
    pid_file.write_text(str(os.getpid()))
    assert recorded_pid(pid_file, b"python") == os.getpid()
    assert recorded_pid(pid_file, b"python", b"no-such-argument") is None
    pid_file.write_text("not a pid")
    assert recorded_pid(pid_file) is None


def test_a_process_just_started_is_recognised_by_its_command(tmp_path: Path) -> None:
    # Read straight after Popen returns, /proc/PID/cmdline is often still empty.
    pid_file = tmp_path / "server.pid"
    for _ in range(50):
        process = subprocess.Popen(["sleep", "30"], start_new_session=True)
        try:
            pid_file.write_text(str(process.pid))
            assert recorded_pid(pid_file, b"sleep") == process.pid
        finally:
            process.kill()
            process.wait()
    assert recorded_pid(pid_file, b"sleep") is None


def test_a_recorded_process_that_stops_on_sigterm_is_not_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    with subprocess.Popen(["sleep", "60"]) as process:
        pid_file.write_text(str(process.pid))
        assert not stop_recorded(process.pid, lambda: recorded_pid(pid_file, b"sleep"), 10)
        assert process.wait(timeout=5) == -15


def test_a_recorded_process_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    ignores = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ignoring', flush=True); time.sleep(60)"
    )
    command = [sys.executable, "-c", ignores, "ignores-term"]
    with subprocess.Popen(command, stdout=subprocess.PIPE) as process:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ignoring\n"  # SIGTERM is ignored from here on
        pid_file.write_text(str(process.pid))
        assert stop_recorded(process.pid, lambda: recorded_pid(pid_file, b"ignores-term"), 0.5)
        assert process.wait(timeout=5) == -9
