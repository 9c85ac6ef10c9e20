"""Running `python -m loadtest` from a test: a real server, a stub that answers wrongly."""

from __future__ import annotations

import contextlib
import csv
import http.client
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hostkit.ports import free_port
from testbed.serving import serving

ROOT = Path(__file__).resolve().parents[2]
# Short pauses: a handful of users make enough requests in a few seconds.
QUICK = ["--think-time", "0.05-0.2"]


def load_command(profile: str, host: str, results: Path, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "loadtest", "--profile", profile, "--host", host]
    return [*command, "--results", str(results), *QUICK, *extra]


def run_load(
    profile: str, host: str, results: Path, *extra: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        load_command(profile, host, results, *extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_load(profile: str, host: str, results: Path, *extra: str) -> subprocess.Popen[str]:
    """A run left going, its output (stdout and stderr together) in a pipe, as text."""
    return subprocess.Popen(
        load_command(profile, host, results, *extra),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_smoke(host: str, results: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_load("smoke", host, results, "-u", "4", "-t", "5", *extra)


def only_run_dir(results: Path) -> Path:
    [run_dir] = list(results.iterdir())
    return run_dir


def summary(results: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((only_run_dir(results) / "summary.json").read_text())
    return document


def stats_rows(run_dir: Path) -> dict[str, dict[str, str]]:
    with (run_dir / "locust_stats.csv").open(newline="") as file:
        return {row["Name"]: row for row in csv.DictReader(file)}


def stats_by_method(run_dir: Path) -> dict[tuple[str, str], int]:
    """Requests per (method, name): one name may serve several methods (/api/session)."""
    with (run_dir / "locust_stats.csv").open(newline="") as file:
        rows = csv.DictReader(file)
        return {(row["Type"], row["Name"]): int(row["Request Count"]) for row in rows}


def failure_messages(run_dir: Path) -> set[str]:
    with (run_dir / "locust_failures.csv").open(newline="") as file:
        return {row["Error"] for row in csv.DictReader(file)}


class WrongAnswers(BaseHTTPRequestHandler):
    """Right status codes, wrong bodies: what a broken service might do."""

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/api/session":
            # Open mode, so the users go on to the todos, where the answers are wrong.
            self._answer(200, b'{"username": null, "mode": "open"}')
            return
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
    with serving(ThreadingHTTPServer(("127.0.0.1", free_port()), WrongAnswers)) as stub:
        yield f"http://127.0.0.1:{stub.server_address[1]}"


class HeldCreate(ThreadingHTTPServer):
    """A relay to the real server that holds back the first create until a delete of a
    category has been passed on, or until HOLD_S have gone by: a create that was in
    flight when its user stopped, arriving after the clean-up."""

    HOLD_S = 3.0

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", free_port()), RelayHandler)
        self.upstream = urlsplit(upstream).netloc
        self.holding = threading.Event()  # the first create has arrived and waits
        self.deleted = threading.Event()  # a clean-up's delete has been passed on
        self.first = threading.Lock()  # only one create is held


class RelayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Locust's client expects
    server: HeldCreate

    def _relay(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        method, path = self.command, self.path
        if method == "POST" and path == "/api/todos" and self.server.first.acquire(False):
            self.server.holding.set()
            self.server.deleted.wait(self.server.HOLD_S)
        upstream = http.client.HTTPConnection(self.server.upstream, timeout=10)
        try:
            upstream.request(method, path, body, dict(self.headers))
            answer = upstream.getresponse()
            content = answer.read()
        finally:
            upstream.close()
        if method == "DELETE" and path.startswith("/api/todos?category="):
            self.server.deleted.set()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in {"connection", "content-length", "transfer-encoding"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _relay

    def log_message(self, format: str, *args: object) -> None:
        pass


def held_create(upstream: str) -> contextlib.AbstractContextManager[HeldCreate]:
    return serving(HeldCreate(upstream))
