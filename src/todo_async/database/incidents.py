"""One log line per storage incident, not one traceback per request.

The first failure of a kind logs a warning with its cause. Repeats are counted, and while
they go on a summary says how many every `summary_every` seconds. The first database
answer after the failures stopped ends the incident with one line giving its length; a
kind that reads survive (a full disk, a held lock) ends only with a write that succeeded.
An answer within `settle` seconds of the last failure does not end it yet, so that
alternating failures and answers (a pool that is sometimes exhausted) stay one incident.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from todo_async.database.failures import StorageFailure, cause

logger = logging.getLogger(__name__)

SUMMARY_EVERY_S = 10.0
SETTLE_S = 1.0


@dataclass
class Incident:
    failure: StorageFailure
    started: float
    last_failure: float
    last_summary: float
    failures: int = 1
    since_summary: int = 0
    # When the database first answered after the last failure.
    answered_at: float | None = field(default=None)


class Incidents:
    def __init__(
        self,
        summary_every: float = SUMMARY_EVERY_S,
        settle: float = SETTLE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._summary_every = summary_every
        self._settle = settle
        self._clock = clock
        self._open: dict[str, Incident] = {}
        # Read on every statement: whether there is anything to end.
        self.any_open = False

    def failed(self, failure: StorageFailure, error: BaseException) -> None:
        now = self._clock()
        incident = self._open.get(failure.kind)
        if incident is None:
            self._open[failure.kind] = Incident(failure, now, now, now)
            self.any_open = True
            logger.warning(
                "database %s: %s; answering %d with Retry-After until it recovers",
                failure.kind,
                cause(error),
                failure.status,
            )
            return
        incident.failures += 1
        incident.since_summary += 1
        incident.last_failure = now
        incident.answered_at = None
        if now - incident.last_summary >= self._summary_every:
            logger.warning(
                "database %s goes on: %d more failures in the last %.0f s, %d since it began"
                " %.0f s ago; latest: %s",
                failure.kind,
                incident.since_summary,
                now - incident.last_summary,
                incident.failures,
                now - incident.started,
                cause(error),
            )
            incident.last_summary = now
            incident.since_summary = 0

    def answered(self, wrote: bool) -> None:
        """The database answered a statement (`wrote`: a write, outside a transaction)."""
        now = self._clock()
        for kind, incident in list(self._open.items()):
            if incident.failure.ends_with_a_write and not wrote:
                continue
            if incident.answered_at is None:
                incident.answered_at = now
            if now - incident.last_failure < self._settle:
                continue
            del self._open[kind]
            logger.info(
                "database %s over: answering again after %.1f s, %d failures answered %d",
                kind,
                incident.answered_at - incident.started,
                incident.failures,
                incident.failure.status,
            )
        self.any_open = bool(self._open)
