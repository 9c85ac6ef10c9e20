"""Let SIGTERM and SIGINT end a wait that the server would otherwise sit out.

uvicorn's handler only notes a signal, and uvicorn acts on it once application
start-up is over: a start-up waiting for a database lock would sit the signal out.
Inside `interruptible()` the signal still reaches the handler that was there (so
uvicorn records it, and exits by it), and it also cancels the waiting task, which
then raises `Interrupted`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Interrupted(Exception):
    """A stop signal ended the wait."""


@contextlib.contextmanager
def interruptible(what: str) -> Iterator[None]:
    """Turn a stop signal during the block into `Interrupted`; `what` names the wait."""
    task = asyncio.current_task()
    # Only the main thread receives signals.
    if task is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    if any(_stop_requested(handler) for handler in previous.values()):
        # The signal came while the app was being loaded, before this handler was in place.
        logger.warning("stop requested before %s: stopping", what)
        raise Interrupted(f"stop requested before {what}")
    received: list[signal.Signals] = []

    def handle(sig: signal.Signals) -> None:
        handler = previous[sig]
        if callable(handler):
            handler(sig, None)
        if not received:
            received.append(sig)
            task.cancel()

    # The loop's own handlers wake it at once; a plain Python handler would wait for
    # whatever the loop is waiting for (the lock) before it runs.
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, handle, sig)
    try:
        yield
    except asyncio.CancelledError:
        if not received:
            raise
        task.uncancel()
        logger.warning("%s received while %s: stopping", received[0].name, what)
        raise Interrupted(f"{received[0].name} while {what}") from None
    finally:
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            if handler is not None:
                signal.signal(sig, handler)


def _stop_requested(handler: object) -> bool:
    """Whether the handler is a server's (uvicorn's `Server.handle_exit`) that saw a stop."""
    return getattr(getattr(handler, "__self__", None), "should_exit", False) is True
