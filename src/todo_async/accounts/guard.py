"""The service's one guess budget for sign-ins, and its sign-up budget (`attempt_budget`).

Sign-in: a wrong password is charged to the account named (known or not, so a 429 tells
nothing about which names exist) and to the client's address; 5 in a row per account, then
one a minute; 20 per address, then four a minute. A sign-in that succeeds is refunded.

A browser that signed in to an account before holds a device cookie (OWASP's "device
cookies"): its attempts at that account are charged to that device's own budget instead
(as many as an account's), so a stranger guessing at an account locks out strangers, never
the owner's browsers. A stolen device cookie buys a thief no more than a stranger has.

Sign-up: every attempt is charged to the client's address and to the whole service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from todo_async.accounts.attempt_budget import AttemptBudget, Charge, Limit, address_key
from todo_async.database.engine import TodoDatabase
from todo_async.problems import Problem
from todo_async.settings import Settings

PER_ACCOUNT = Limit(attempts=5, seconds=300)
# Higher: several people behind one NAT share an address.
PER_ADDRESS = Limit(attempts=20, seconds=300)
PER_DEVICE = PER_ACCOUNT
DEVICE_COOKIE = "todo_device"
DEVICE_TTL_S = 365 * 24 * 3600


def device_cookie(scheme: str) -> str:
    """The device cookie's name over `scheme`: __Host- over HTTPS, as the session's."""
    return "__Host-" + DEVICE_COOKIE if scheme == "https" else DEVICE_COOKIE


@dataclass
class Charges:
    """The attempts one request was charged, to refund if it is not to count."""

    budget: AttemptBudget
    charged: list[tuple[str, Charge]] = field(default_factory=list)

    @property
    def locked(self) -> list[str]:
        """The keys this request's charge filled (the next attempt will be refused)."""
        return [key for key, charge in self.charged if charge.full]

    async def refund(self) -> None:
        for key, charge in self.charged:
            await self.budget.refund(key, charge.limit)
        self.charged.clear()


class Guard:
    def __init__(self, database: TodoDatabase, settings: Settings) -> None:
        self.sign_up_per_service = Limit(settings.sign_up_per_minute, 60)
        self.sign_up_per_address = Limit(settings.sign_up_per_address_per_hour, 3600)
        limits = (PER_ACCOUNT, PER_ADDRESS, self.sign_up_per_service, self.sign_up_per_address)
        self.budget = AttemptBudget(database, keep_s=max(limit.seconds for limit in limits))

    async def sign_in(self, username: str, host: str | None, device: bytes | None) -> Charges:
        """Charge a sign-in attempt: to `device` (the digest of the caller's device cookie,
        if it is a device of this user), else to the account and the address."""
        if device is not None:
            return await self._charge((f"device:{device.hex()}", PER_DEVICE))
        return await self._charge(
            (f"address:{address_key(host)}", PER_ADDRESS), (f"account:{username}", PER_ACCOUNT)
        )

    async def sign_up(self, host: str | None) -> Charges:
        return await self._charge(
            (f"sign-up:{address_key(host)}", self.sign_up_per_address),
            ("sign-up", self.sign_up_per_service),
        )

    async def _charge(self, *buckets: tuple[str, Limit]) -> Charges:
        """Charge each key in turn; at the first without room, refund the others and 429."""
        charges = Charges(self.budget)
        for key, limit in buckets:
            charge = await self.budget.charge(key, limit)
            if not charge.allowed:
                await charges.refund()
                raise too_many(charge.retry_after)
            charges.charged.append((key, charge))
        return charges


def too_many(retry_after: int) -> Problem:
    return Problem(
        429,
        f"Too many attempts: try again in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )
