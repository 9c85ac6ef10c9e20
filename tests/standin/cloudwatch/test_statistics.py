"""CloudWatch's statistics over what was put: plain ones over values and statistic sets,
percentiles over single values only."""

from __future__ import annotations

import pytest
from standin.cloudwatch.statistics import Sample, compute, is_percentile


def test_plain_statistics_over_values_and_statistic_sets() -> None:
    samples = [Sample.value(1.0), Sample.value(3.0, count=2), Sample(0.0, 4.0, 6.0, 3)]
    assert compute("SampleCount", samples) == 6
    assert compute("Sum", samples) == 13.0
    assert compute("Average", samples) == pytest.approx(13 / 6)
    assert compute("Minimum", samples) == 0.0
    assert compute("Maximum", samples) == 4.0


def test_percentiles_by_nearest_rank_with_counts() -> None:
    samples = [Sample.value(0.010, count=98), Sample.value(0.5), Sample.value(2.0)]
    assert compute("p50", samples) == 0.010
    assert compute("p99", samples) == 0.5
    assert compute("p100", samples) == 2.0
    assert compute("p99.9", samples) == 2.0


def test_percentiles_ignore_statistic_sets_and_no_data_is_missing() -> None:
    assert compute("p99", [Sample(0.0, 1.0, 1.0, 2)]) is None
    assert compute("Maximum", []) is None


def test_which_statistics_are_percentiles() -> None:
    assert is_percentile("p99")
    assert is_percentile("p99.9")
    assert is_percentile("p100")
    assert not is_percentile("Maximum")
    assert not is_percentile("tm99")
    with pytest.raises(ValueError, match="tm99"):
        compute("tm99", [Sample.value(1.0)])
