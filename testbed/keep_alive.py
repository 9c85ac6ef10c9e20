"""HTTP clients on one keep-alive connection each, counting the connections the server
dropped: closed after a response, or reset under a request."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    at: float  # time.monotonic() when it arrived
    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: Any  # parsed when JSON, else the text
    took: float  # seconds from sending the request to the whole answer

    @property
    def retry_after(self) -> int | None:
        value = self.headers.get("retry-after")
        return None if value is None else int(value)


class KeepAliveClient:
    def __init__(
        self, url: str, headers: dict[str, str] | None = None, timeout: float = 30.0
    ) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None
        assert parts.port is not None
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.dropped = 0
        self._headers = headers or {}

    def call(self, method: str, path: str, body: Any = None) -> Answer | None:
        """The answer; None if the connection broke under the request (counted dropped)."""
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self._headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        sent = time.monotonic()
        try:
            self._connection.request(method, path, data, headers)
            response = self._connection.getresponse()
            raw = response.read()
        except (http.client.HTTPException, ConnectionError):
            self.dropped += 1
            self._connection.close()
            return None
        if response.will_close:
            self.dropped += 1  # the server ends the connection after this answer
            self._connection.close()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
        # What a proxy answers of its own (an HTML error page) is kept as text.
        is_json = "json" in answer_headers.get("content-type", "")
        parsed = (json.loads(raw) if is_json else raw.decode(errors="replace")) if raw else None
        arrived = time.monotonic()
        return Answer(
            arrived, method, path, response.status, answer_headers, parsed, arrived - sent
        )

    def close(self) -> None:
        self._connection.close()


@dataclass
class Traffic:
    """Clients in threads, each repeating its request on its own connection until stopped."""

    url: str
    # Sent with every request: an account's Authorization, say.
    headers: dict[str, str] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)
    dropped: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, clients: int, request: Callable[[int, int], tuple[str, str, Any]]) -> None:
        """`request(client, n)` gives the n-th request of a client: method, path, body."""
        for number in range(clients):
            thread = threading.Thread(target=self._run, args=(number, request), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, number: int, request: Callable[[int, int], tuple[str, str, Any]]) -> None:
        client = KeepAliveClient(self.url, self.headers)
        n = 0
        try:
            while not self._stop.is_set():
                method, path, body = request(number, n)
                answer = client.call(method, path, body)
                n += 1
                if answer is not None:
                    with self._lock:
                        self.answers.append(answer)
                if answer is not None and answer.status in (503, 507):
                    time.sleep(0.02)  # as a client pausing before its retry, briefly
        finally:
            client.close()
            with self._lock:
                self.dropped += client.dropped

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
            assert not thread.is_alive(), "a client did not stop within 60 s"
