"""Failed sign-ins, limited per account and per client address.

Each account and each client address has a bucket that fills by one with every failed
sign-in and drains at a steady rate: a few mistakes cost nothing, a guessing run soon
meets 429 with Retry-After (the seconds until the bucket has room for one more try).
An attempt is charged before its password is checked and refunded if it succeeds, so a
burst of concurrent guesses cannot all pass before the first failure is counted.

Memory stays bounded: unknown usernames are charged to the client's address only (an
account's bucket exists only for accounts that exist), and each table keeps at most
`max_keys` buckets, forgetting the least recently charged (by then mostly drained).
IPv6 clients are counted per /64, the block one host is usually given whole.

The counts live in this process. With W workers in each of T tasks behind the load
balancer, a client spreading its guesses over connections gets up to W x T times the
budget (still a handful of guesses a minute per account), and a restart forgets them.
Exact limits across processes would need a shared store and a write per failure.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from todo_async.problems import Problem


@dataclass(frozen=True)
class Limit:
    """`failures` in a row are allowed; that many drain again over `seconds`."""

    failures: int
    seconds: float


PER_ACCOUNT = Limit(failures=5, seconds=300)
# Higher: several people behind one NAT share an address.
PER_ADDRESS = Limit(failures=20, seconds=300)
MAX_KEYS = 100_000


class Buckets:
    """Leaky buckets of failures, one per key, at most `max_keys` of them."""

    def __init__(self, limit: Limit, max_keys: int, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.max_keys = max_keys
        self.clock = clock
        self._drain_per_second = limit.failures / limit.seconds
        # key -> (level, when it was that level), least recently charged first.
        self._levels: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._levels)

    def _level(self, key: Hashable, now: float) -> float:
        level, since = self._levels.get(key, (0.0, now))
        return max(0.0, level - (now - since) * self._drain_per_second)

    def retry_after(self, key: Hashable) -> int | None:
        """Whole seconds until `key` may try again, or None if it may now."""
        excess = self._level(key, self.clock()) - (self.limit.failures - 1)
        if excess <= 0:
            return None
        # Rounded first: a float a hair over a whole second must not cost another one.
        return max(1, math.ceil(round(excess / self._drain_per_second, 6)))

    def charge(self, key: Hashable) -> None:
        now = self.clock()
        self._levels[key] = (self._level(key, now) + 1, now)
        self._levels.move_to_end(key)
        if len(self._levels) > self.max_keys:
            self._levels.popitem(last=False)

    def refund(self, key: Hashable) -> None:
        now = self.clock()
        level = self._level(key, now) - 1
        if level > 0:
            self._levels[key] = (level, now)
        else:
            self._levels.pop(key, None)


def address_key(host: str | None) -> str:
    """Who a client is, for counting: its address, or its /64 if IPv6."""
    if host is None:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def too_many(retry_after: int) -> Problem:
    return Problem(
        429,
        f"Too many failed sign-ins: try again in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )


class Attempt:
    """One sign-in, charged to its address and (once known) its account until it succeeds."""

    def __init__(self, limits: SignInLimits, address: str) -> None:
        self._limits = limits
        self._address = address
        self._account: int | None = None

    def account(self, user_id: int) -> None:
        """Charge the account too; 429 if it has failed too often."""
        buckets = self._limits.accounts
        wait = buckets.retry_after(user_id)
        if wait is not None:
            raise too_many(wait)
        buckets.charge(user_id)
        self._account = user_id

    def succeeded(self) -> None:
        self._limits.addresses.refund(self._address)
        if self._account is not None:
            self._limits.accounts.refund(self._account)


class SignInLimits:
    def __init__(
        self,
        per_account: Limit = PER_ACCOUNT,
        per_address: Limit = PER_ADDRESS,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.accounts = Buckets(per_account, max_keys, clock)
        self.addresses = Buckets(per_address, max_keys, clock)

    def attempt(self, client_host: str | None) -> Attempt:
        """Start a sign-in from this client, charged to its address; 429 if it failed too often."""
        address = address_key(client_host)
        wait = self.addresses.retry_after(address)
        if wait is not None:
            raise too_many(wait)
        self.addresses.charge(address)
        return Attempt(self, address)
