"""uvicorn's supervisor of several workers, with an exit status for a failed start-up."""

from __future__ import annotations

from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess


class Supervisor(Multiprocess):
    # uvicorn stops every worker once one fails start-up, then exits 0 all the same.
    stop_requested = False

    def handle_int(self) -> None:
        self.stop_requested = True
        super().handle_int()

    def handle_term(self) -> None:
        self.stop_requested = True
        super().handle_term()

    @property
    def startup_failed(self) -> bool:
        """Whether the workers stopped because one failed start-up, not because we were asked."""
        failed = any(worker.exitcode == STARTUP_FAILURE for worker in self.processes)
        return failed and not self.stop_requested
