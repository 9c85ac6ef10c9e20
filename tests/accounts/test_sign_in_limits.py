"""Failed sign-ins fill a bucket per account and per address that drains with time."""

from __future__ import annotations

import pytest

from todo_async.accounts.sign_in_limits import Limit, SignInLimits, address_key
from todo_async.problems import Problem


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limits(clock: Clock, max_keys: int = 100) -> SignInLimits:
    # 3 failures allowed, then one more every 10 s.
    return SignInLimits(Limit(3, 30), Limit(6, 30), max_keys=max_keys, clock=clock)


def fail(limits: SignInLimits, host: str, user_id: int | None = None) -> None:
    attempt = limits.attempt(host)
    if user_id is not None:
        attempt.account(user_id)


def refused(limits: SignInLimits, host: str, user_id: int | None = None) -> int:
    with pytest.raises(Problem) as raised:
        fail(limits, host, user_id)
    problem = raised.value
    assert problem.status == 429
    assert problem.headers is not None
    return int(problem.headers["Retry-After"])


def test_an_account_is_refused_after_its_failures_then_allowed_as_they_drain() -> None:
    clock = Clock()
    sign_ins = limits(clock)
    for n in range(3):
        fail(sign_ins, f"192.0.2.{n}", user_id=7)

    assert refused(sign_ins, "192.0.2.9", user_id=7) == 10
    clock.now += 9
    assert refused(sign_ins, "192.0.2.9", user_id=7) == 1
    clock.now += 1
    fail(sign_ins, "192.0.2.9", user_id=7)
    assert refused(sign_ins, "192.0.2.9", user_id=7) == 10
    # Other accounts are not held up.
    fail(sign_ins, "192.0.2.9", user_id=8)


def test_an_address_is_refused_whatever_names_it_tries() -> None:
    clock = Clock()
    sign_ins = limits(clock)
    for _ in range(6):
        fail(sign_ins, "198.51.100.1")  # unknown usernames: the address alone pays

    assert refused(sign_ins, "198.51.100.1") == 5
    fail(sign_ins, "198.51.100.2")


def test_a_success_is_refunded() -> None:
    sign_ins = limits(Clock())
    for _ in range(10):
        attempt = sign_ins.attempt("203.0.113.5")
        attempt.account(1)
        attempt.succeeded()

    assert len(sign_ins.accounts) == len(sign_ins.addresses) == 0


def test_concurrent_attempts_are_counted_before_their_outcome() -> None:
    sign_ins = limits(Clock())
    pending = [sign_ins.attempt("203.0.113.5") for _ in range(6)]
    for attempt in pending[:3]:
        attempt.account(1)

    with pytest.raises(Problem):
        pending[3].account(1)
    assert refused(sign_ins, "203.0.113.5") > 0


def test_memory_is_bounded_by_max_keys() -> None:
    sign_ins = limits(Clock(), max_keys=50)
    for n in range(1000):
        fail(sign_ins, f"10.0.{n // 256}.{n % 256}", user_id=n)

    assert len(sign_ins.addresses) == 50
    assert len(sign_ins.accounts) == 50


def test_drained_buckets_are_dropped_on_refund() -> None:
    clock = Clock()
    sign_ins = limits(clock)
    fail(sign_ins, "192.0.2.1", user_id=1)
    clock.now += 60
    attempt = sign_ins.attempt("192.0.2.1")
    attempt.account(1)
    attempt.succeeded()

    assert len(sign_ins.accounts) == len(sign_ins.addresses) == 0


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("testclient", "testclient"),
        (None, "unknown"),
    ],
)
def test_address_keys(host: str | None, key: str) -> None:
    assert address_key(host) == key
