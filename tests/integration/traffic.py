"""Clients that keep sending requests through the front door in a background thread and
record every outcome, bounded in time and count."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from tests.integration.viewers import Viewers

# Requests sent from one address before the next: a crowd of viewers, each well under the
# WAF's rate limit for every request (2,000 per 5 minutes per address by default).
REQUESTS_PER_VIEWER = 500


@dataclass(frozen=True)
class Outcome:
    started: float  # time.monotonic() when the request was sent
    ok: bool
    detail: str


class Background(threading.Thread):
    """A loop in a daemon thread for the length of a `with` block: `run` ends when
    `stopping` is set."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stopping = threading.Event()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stopping.set()
        self.join()


class Traffic(Background):
    """GET (or POST, with `write=True`) in a loop until stopped; at most `limit` seconds,
    `pause` seconds between requests. `headers` go with every request (the credentials); a
    new viewer (address, connection) every REQUESTS_PER_VIEWER requests."""

    def __init__(
        self,
        viewers: Viewers,
        *,
        headers: Mapping[str, str],
        write: bool = False,
        label: str = "traffic",
        limit: float = 600,
        pause: float = 0.01,
    ) -> None:
        super().__init__()
        self.viewers = viewers
        self.headers = dict(headers)
        self.write = write
        self.label = label
        self.limit = limit
        self.pause = pause
        self.outcomes: list[Outcome] = []
        self.written: dict[int, str] = {}  # acknowledged writes: id -> title

    def run(self) -> None:
        deadline = time.monotonic() + self.limit
        numbers = itertools.count()
        while not self.stopping.is_set() and time.monotonic() < deadline:
            with self.viewers.client(headers=self.headers) as client:
                for number in itertools.islice(numbers, REQUESTS_PER_VIEWER):
                    if self.stopping.is_set() or time.monotonic() > deadline:
                        return
                    started = time.monotonic()
                    try:
                        ok, detail = self._request(client, number)
                    except httpx.HTTPError as error:
                        ok, detail = False, f"{type(error).__name__}: {error}"
                    self.outcomes.append(Outcome(started, ok, detail))
                    time.sleep(self.pause)

    def _request(self, client: httpx.Client, number: int) -> tuple[bool, str]:
        if not self.write:
            response = client.get("/api/todos", params={"limit": 1})
            return response.status_code == 200, str(response.status_code)
        title = f"{self.label}-{number}"
        response = client.post("/api/todos", json={"title": title, "category": self.label})
        if response.status_code == 201:
            body: dict[str, Any] = response.json()
            self.written[int(body["id"])] = title
        return response.status_code == 201, str(response.status_code)

    def failures(self, since: float = 0.0, until: float = float("inf")) -> list[Outcome]:
        return self._sent(False, since, until)

    def successes(self, since: float = 0.0, until: float = float("inf")) -> list[Outcome]:
        return self._sent(True, since, until)

    def _sent(self, ok: bool, since: float, until: float) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok is ok and since <= o.started < until]

    def summary(self) -> str:
        failed = self.failures()
        kinds: dict[str, int] = {}
        for outcome in failed:
            kinds[outcome.detail] = kinds.get(outcome.detail, 0) + 1
        return f"{len(self.outcomes)} requests, {len(failed)} failed {kinds or ''}".strip()
