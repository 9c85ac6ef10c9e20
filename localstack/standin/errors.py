"""The harness's one error type: what it cannot do, with the reason, for the command line to
print and for a task to stop with."""

from __future__ import annotations


class HarnessError(RuntimeError):
    """A stack missing or not deployed, something in it the stand-in cannot run, a step of
    `local-up` or `local-down` that failed, or a stand-in that is not running."""
