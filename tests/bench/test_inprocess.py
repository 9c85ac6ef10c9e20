"""The in-process CPU measurement: its ratios, and one short measurement of each mode."""

from __future__ import annotations

import pytest

from bench import inprocess


def _run(open_us: float, accounts_us: float) -> dict[str, dict[str, float]]:
    return {
        "open": dict.fromkeys(inprocess.ENDPOINTS, open_us),
        "accounts": dict.fromkeys(inprocess.ENDPOINTS, accounts_us),
    }


def test_ratios_are_medians_of_same_round_ratios() -> None:
    # The second round is slower for both: its ratio is still 1.1.
    rounds = [_run(100, 110), _run(200, 220), _run(100, 150)]

    assert inprocess.ratios(rounds, "accounts", "open") == pytest.approx(
        dict.fromkeys(inprocess.ENDPOINTS, 1.1)
    )
    assert "| accounts / open | 1.100 | 1.100 | 1.100 |" in inprocess.table(rounds)


@pytest.mark.parametrize("mode", inprocess.MODES)
async def test_each_endpoint_is_measured_with_answers_that_succeed(mode: str) -> None:
    cpu_us = await inprocess.measure(mode, requests=5)

    assert set(cpu_us) == set(inprocess.ENDPOINTS)
    assert all(value > 0 for value in cpu_us.values())
