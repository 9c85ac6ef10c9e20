"""Clients of the local front door as its viewers: each from an address of its own, all
trusting the local certificate authority by its file (nothing is installed system-wide).

The front door's WAF counts requests per client address with the template's limits, and
the service sees each viewer's address (CloudFront-Viewer-Address). Every client here is a
viewer of its own, as a deployed service's clients are: Linux routes the whole 127.0.0.0/8
to the loopback interface, so a client binds a fresh 127.x.y.z with no set-up. Addresses are
drawn at random, so a test run repeated within the WAF's window starts from fresh counts.
"""

from __future__ import annotations

import random
import ssl
from typing import Any

import httpx


def fresh_address() -> str:
    """A loopback address outside 127.0.0.0/16, where the stack's own processes talk."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


class Viewers:
    def __init__(self, url: str, ca_file: str) -> None:
        self.url = url
        self.ca_file = ca_file
        self.trust = ssl.create_default_context(cafile=ca_file)

    def client(self, *, address: str | None = None, **options: Any) -> httpx.Client:
        """A client of the front door (or of `base_url`), from `address` or a fresh one."""
        transport = httpx.HTTPTransport(verify=self.trust, local_address=address or fresh_address())
        options.setdefault("base_url", self.url)
        options.setdefault("timeout", 10)
        return httpx.Client(transport=transport, **options)
