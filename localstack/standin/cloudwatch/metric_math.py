"""The metric math the stack's alarms use, evaluated for one period: a sum of metrics, each
bare (`m0`) or with its missing datapoint filled (`FILL(m0, 0)`). Anything else is not
evaluated locally, and says so."""

from __future__ import annotations

import re
from collections.abc import Mapping

_TERM = re.compile(
    r"^\s*(?:FILL\(\s*(?P<filled>\w+)\s*,\s*(?P<fill>-?[\d.]+)\s*\)|(?P<bare>\w+))\s*$"
)


def supported(expression: str) -> bool:
    return all(_TERM.match(term) for term in expression.split("+"))


def evaluate(expression: str, values: Mapping[str, float | None]) -> float | None:
    """The expression's value for one period; None (missing) when a bare term is missing."""
    total = 0.0
    for term in expression.split("+"):
        match = _TERM.match(term)
        if match is None:
            raise ValueError(f"metric math {expression!r} is not evaluated locally")
        if match["filled"]:
            value = values[match["filled"]]
            total += float(match["fill"]) if value is None else value
        else:
            value = values[match["bare"]]
            if value is None:
                return None
            total += value
    return total
