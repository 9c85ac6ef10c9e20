"""LocalStack (free edition) in host mode from its own virtualenv, started and stopped by the
PID recorded at start, and nothing else. Each start begins from an empty state: a failed
stack leaves LocalStack in a state that only a restart clears.

The virtualenv holds localstack/requirements.lock and nothing else (its pins clash with the
app's); it is made again when the lock changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from hostkit.processes import recorded_pid, stop_recorded

from .. import paths
from ..errors import HarnessError
from .environment import localstack_port

START_TIMEOUT = 60
STOP_TIMEOUT = 20
INSTALL_TIMEOUT = 1200
LOCK = paths.REPO / "localstack" / "requirements.lock"
# On LocalStack's PYTHONPATH: a fix it needs on Python 3.11 (see its sitecustomize.py).
SITE = Path(__file__).parent / "localstack_site"
INSTALLED = paths.LOCALSTACK_VENV / ".lock-sha256"  # the lock the virtualenv was made from


def install() -> None:
    """Make LocalStack's virtualenv unless it holds the current lock."""
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if INSTALLED.exists() and INSTALLED.read_text().strip() == wanted:
        return
    print(f"installing LocalStack into {paths.LOCALSTACK_VENV}", flush=True)
    shutil.rmtree(paths.LOCALSTACK_VENV, ignore_errors=True)
    pip = [str(paths.LOCALSTACK_VENV / "bin" / "pip"), "-q", "--disable-pip-version-check"]
    for command in (
        [sys.executable, "-m", "venv", str(paths.LOCALSTACK_VENV)],
        [*pip, "install", "--no-deps", "-r", str(LOCK)],
        [*pip, "check"],
    ):
        result = subprocess.run(
            command, stdout=subprocess.DEVNULL, timeout=INSTALL_TIMEOUT, check=False
        )
        if result.returncode != 0:
            raise HarnessError(f"installing LocalStack failed: {' '.join(command)}")
    INSTALLED.write_text(wanted + "\n")


def health_url() -> str:
    return f"http://127.0.0.1:{localstack_port()}/_localstack/health"


def healthy() -> bool:
    try:
        with urllib.request.urlopen(health_url(), timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def running_pid() -> int | None:
    return recorded_pid(paths.LOCALSTACK_PID, b"localstack.runtime.main")


def start() -> None:
    pid = running_pid()
    if pid is not None:
        print(f"LocalStack already running (pid {pid})")
    else:
        port = localstack_port()
        if healthy():
            raise HarnessError(
                f"port {port} already answers as LocalStack but not one this checkout "
                "started; stop it or set LOCALSTACK_PORT"
            )
        for directory in (paths.LOCALSTACK_VOLUME, paths.LOCALSTACK_TMP):
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True)
        environment = {
            **os.environ,
            "GATEWAY_LISTEN": f"127.0.0.1:{port}",
            "DNS_ADDRESS": "0",
            "DISABLE_EVENTS": "1",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "LOCALSTACK_VOLUME_DIR": str(paths.LOCALSTACK_VOLUME),
            "FILESYSTEM_ROOT": str(paths.LOCALSTACK_TMP),
            "TMPDIR": str(paths.LOCALSTACK_TMP),
            "PYTHONPATH": os.pathsep.join(
                item for item in (str(SITE), os.environ.get("PYTHONPATH")) if item
            ),
        }
        with paths.LOCALSTACK_LOG.open("wb") as log:
            process = subprocess.Popen(
                [str(paths.LOCALSTACK_VENV / "bin" / "python"), "-m", "localstack.runtime.main"],
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        pid = process.pid
        paths.LOCALSTACK_PID.write_text(str(pid))
        paths.LOCALSTACK_PORT.write_text(str(port))
        print(f"LocalStack starting (pid {pid}, log {paths.LOCALSTACK_LOG})")
    deadline = time.monotonic() + START_TIMEOUT
    while not healthy():
        if running_pid() is None:
            tail = paths.LOCALSTACK_LOG.read_text(errors="replace").splitlines()[-30:]
            raise HarnessError("LocalStack exited; last lines of its log:\n" + "\n".join(tail))
        if time.monotonic() > deadline:
            raise HarnessError(
                f"LocalStack not healthy after {START_TIMEOUT} s; see {paths.LOCALSTACK_LOG}"
            )
        time.sleep(0.5)
    print(f"LocalStack healthy on 127.0.0.1:{localstack_port()}")


def stop() -> None:
    pid = running_pid()
    if pid is None:
        paths.LOCALSTACK_PID.unlink(missing_ok=True)
        paths.LOCALSTACK_PORT.unlink(missing_ok=True)
        print("LocalStack not running")
        return
    if stop_recorded(pid, running_pid, STOP_TIMEOUT):
        print(f"LocalStack (pid {pid}) ignored SIGTERM for {STOP_TIMEOUT} s; killed it")
    paths.LOCALSTACK_PID.unlink(missing_ok=True)
    paths.LOCALSTACK_PORT.unlink(missing_ok=True)
    print(f"LocalStack stopped (pid {pid})")


def running() -> bool:
    return running_pid() is not None and healthy()
