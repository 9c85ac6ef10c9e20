"""Starlette's HTTPEndpoint, with its allowed methods found once per class.

Overrides: `starlette.endpoints.HTTPEndpoint.__init__`, which looks up each HTTP method
on the class for every request (the list behind a 405's Allow header). A class's methods
do not change, so Starlette's own code runs once, when the class is defined, and each
request reuses its answer. Endpoints subclass this class as they would Starlette's.
"""

from __future__ import annotations

from typing import Any, ClassVar

from starlette import endpoints
from starlette.types import Receive, Scope, Send


class HTTPEndpoint(endpoints.HTTPEndpoint):
    _methods: ClassVar[list[str]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        probe = cls.__new__(cls)
        endpoints.HTTPEndpoint.__init__(probe, {"type": "http"}, _unused, _unused)
        cls._methods = probe._allowed_methods

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self._allowed_methods = self._methods


async def _unused(*args: Any) -> Any:
    raise AssertionError("the probe only lists methods")
