"""The metric math of the stack's alarms: sums of metrics, missing ones filled or not."""

from __future__ import annotations

import pytest
from standin.cloudwatch import metric_math


def test_filled_sum() -> None:
    expression = "FILL(m0, 0) + FILL(m1, 0)"
    assert metric_math.supported(expression)
    assert metric_math.evaluate(expression, {"m0": 2.0, "m1": None}) == 2.0
    assert metric_math.evaluate(expression, {"m0": None, "m1": None}) == 0.0


def test_a_bare_missing_metric_makes_the_sum_missing() -> None:
    assert metric_math.evaluate("m0 + FILL(m1, 1)", {"m0": None, "m1": 3.0}) is None
    assert metric_math.evaluate("m0 + FILL(m1, 1)", {"m0": 1.0, "m1": None}) == 2.0


def test_other_expressions_are_not_evaluated() -> None:
    assert not metric_math.supported("100 * m0 / m1")
    with pytest.raises(ValueError, match="not evaluated locally"):
        metric_math.evaluate("RATE(m0)", {"m0": 1.0})
