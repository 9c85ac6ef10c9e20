"""Believe X-Forwarded-For/Proto/Host only from the load balancer.

Absolute URLs (a todo's `url`, `Location`, `Link`) must name the address the client
used, which only the load balancer knows; a client talking to the app directly must not
be able to choose them.

Behind CloudFront the load balancer's X-Forwarded-Proto names its own plain-HTTP hop and
X-Forwarded-For ends with CloudFront's edge, so the viewer's scheme and address are read
from the headers CloudFront sets itself (`proto_header`: CloudFront-Forwarded-Proto,
`client_header`: CloudFront-Viewer-Address, "address:port"), still only from a trusted peer.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxyHeadersMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        trusted: Iterable[str],
        proto_header: str = "x-forwarded-proto",
        client_header: str | None = None,
    ) -> None:
        self.app = app
        self.proto_header = proto_header.lower().encode("latin-1")
        self.client_header = client_header.lower().encode("latin-1") if client_header else None
        self.names = {b"x-forwarded-for", self.proto_header, b"x-forwarded-host"}
        if self.client_header:
            self.names.add(self.client_header)
        entries = list(trusted)
        self.trust_all = "*" in entries
        self.networks: list[IPNetwork] = [
            ipaddress.ip_network(entry, strict=False) for entry in entries if entry != "*"
        ]
        # Every request asks this of its peer, and the peers are few: the load balancer's nodes.
        self._trusted = functools.lru_cache(maxsize=4096)(self._is_trusted)

    def _is_trusted(self, host: str) -> bool:
        if self.trust_all:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or not client or not self._trusted(client[0]):
            await self.app(scope, receive, send)
            return
        forwarded: dict[bytes, list[str]] = {}
        for name, value in scope["headers"]:
            if name in self.names:
                # Repeated headers make one comma-separated list.
                forwarded.setdefault(name, []).extend(value.decode("latin-1").split(","))
        if not forwarded:
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        proto = _last(forwarded.get(self.proto_header))
        if proto and proto.lower() in ("http", "https"):
            scope["scheme"] = proto.lower()
        host = _last(forwarded.get(b"x-forwarded-host"))
        if host:
            scope["headers"] = [
                *((name, value) for name, value in scope["headers"] if name != b"host"),
                (b"host", host.encode("latin-1")),
            ]
        viewer = _last(forwarded.get(self.client_header)) if self.client_header else None
        hops = [hop.strip() for hop in forwarded.get(b"x-forwarded-for", []) if hop.strip()]
        if viewer:
            scope["client"] = (viewer.rsplit(":", 1)[0], 0)  # "address:port", IPv6 unbracketed
        elif hops:
            scope["client"] = (self._original_client(hops), 0)
        await self.app(scope, receive, send)

    def _original_client(self, hops: list[str]) -> str:
        # Each proxy appends the peer it saw: the first untrusted hop from the right is
        # the client; the ones left of it could have been made up by that client.
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop
        return hops[0]


def _last(values: list[str] | None) -> str | None:
    # The nearest proxy's value is the last one; earlier ones came from further out.
    return values[-1].strip() or None if values else None
