"""What the profiles conclude from measurements: percentiles, breaches, knee, recovery, drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtest.analysis import Step, soak_outcome, spike_outcome, step_outcome, whole_run
from loadtest.measure import Snapshot, Window, percentile
from loadtest.thresholds import Breach, Thresholds, check
from loadtest.timeline import Sample, Timeline

LIMITS = Thresholds(max_error_ratio=0.01, max_p95_ms=100, max_p99_ms=250)


def window(seconds: float, histogram: dict[int, int], failures: int = 0) -> Window:
    return Window.between(
        Snapshot(0, 0, {}), Snapshot(sum(histogram.values()), failures, histogram), seconds
    )


def sample(t: float, p95_rolling: float, rss_mb: float | None = None) -> Sample:
    return Sample(t, 10, 100.0, 0.0, 5.0, p95_rolling, p95_rolling, p95_rolling, "", rss_mb)


def test_percentiles_are_computed_as_locust_reports_them() -> None:
    histogram = {1: 90, 10: 9, 100: 1}
    assert percentile(histogram, 0.50) == 1
    assert percentile(histogram, 0.95) == 10
    assert percentile(histogram, 0.99) == 100
    assert percentile({}, 0.95) == 0


def test_a_window_is_the_difference_of_two_snapshots() -> None:
    old = Snapshot(10, 1, {5: 10})
    new = Snapshot(30, 2, {5: 25, 40: 5})
    between = Window.between(old, new, 2.0)
    assert (between.requests, between.failures, dict(between.histogram)) == (20, 1, {5: 15, 40: 5})
    assert between.rps == 10
    assert between.error_ratio == 0.05
    # Statistics reset in between: count from zero rather than go negative.
    assert Window.between(new, Snapshot(3, 0, {5: 3}), 1.0).requests == 3


def test_set_up_times_are_not_judged_and_set_up_failures_still_count() -> None:
    # Locust's totals: 3 list requests, 3 sign-ups (one failed) and a sign-in.
    total = Snapshot(7, 1, {10: 1, 12: 1, 14: 1, 480: 1, 30: 1, 450: 1, 5: 1})
    sign_ups = Snapshot(3, 1, {480: 1, 30: 1, 5: 1})
    sign_ins = Snapshot(1, 0, {450: 1})

    judged = total.less_set_up([sign_ups, sign_ins])

    assert (judged.requests, judged.failures) == (4, 1)
    assert judged.histogram == {10: 1, 12: 1, 14: 1}
    window = Window.between(Snapshot(0, 0, {}), judged, 1.0)
    assert window.error_ratio == 0.25
    assert window.p(0.99) == 14
    assert total.less_set_up([]) == total


def test_a_breach_says_which_limit_and_by_how_much() -> None:
    breaches = check(window(10, {50: 90, 180: 10}, failures=3), LIMITS)
    assert [str(breach) for breach in breaches] == [
        "error ratio 3.00% > 1.00% (over by 2.00 percentage points)",
        "p95 180 ms > 100 ms (over by 80 ms, +80%)",
    ]
    assert str(Breach("p95", 4, 0, "ms")) == "p95 4 ms > 0 ms (over by 4 ms)"
    assert check(window(10, {50: 100}), LIMITS) == []


def test_whole_run_passes_within_the_limits() -> None:
    outcome = whole_run(window(10, {20: 100}), LIMITS)
    assert outcome.breaches == []
    assert outcome.facts["whole_run"]["rps"] == 10


def steps(*latencies: int) -> list[Step]:
    result = []
    for number, latency in enumerate(latencies, start=1):
        measured = window(10, {latency: 100 * number})
        start = 20.0 * number
        result.append(
            Step(number, 10 * number, start, start + 10, measured, tuple(check(measured, LIMITS)))
        )
    return result


def test_the_knee_is_the_last_step_before_a_threshold_broke() -> None:
    outcome = step_outcome(steps(10, 40, 90, 300), LIMITS, top_users=100)
    knee = outcome.facts["knee"]
    assert (knee["users"], knee["rps"], knee["p95_ms"]) == (30, 30.0, 90)
    assert outcome.breaches == []
    assert outcome.headline.startswith("knee: 30 users, 30 req/s")
    assert any("beyond it, at 40 users: p95 300 ms > 100 ms" in line for line in outcome.lines)


def test_no_knee_when_the_first_step_already_breaks() -> None:
    outcome = step_outcome(steps(300), LIMITS, top_users=100)
    assert outcome.facts["knee"] is None
    assert [breach.what for breach in outcome.breaches] == [
        "p95 at step 1 (10 users)",
        "p99 at step 1 (10 users)",
    ]


def test_a_knee_above_the_top_step_is_a_lower_bound() -> None:
    outcome = step_outcome(steps(10, 20), LIMITS, top_users=20)
    assert outcome.facts["knee"]["users"] == 20
    assert outcome.facts["knee_is_lower_bound"] is True
    assert any("raise -u" in line for line in outcome.lines)


def test_spike_recovery_is_when_the_p95_is_back_near_its_level_before_the_burst() -> None:
    phases = {"before": window(20, {10: 100}), "burst": window(10, {900: 100})}
    # The burst lasts from 30 s to 40 s. The bound is max(1.5 x 10, 10 + 10) = 20 ms; the
    # first 5-second window back under it ends at 53 s, so it starts 8 s after the burst.
    samples = [sample(t, 500.0) for t in range(30, 53)] + [sample(t, 18.0) for t in range(53, 60)]
    outcome = spike_outcome(samples, phases, window(60, {10: 100}), LIMITS, (30, 40), 30)
    assert outcome.facts["recovery_bound_p95_ms"] == 20
    assert outcome.facts["recovery_s"] == 8
    assert outcome.breaches == []

    slow = spike_outcome(samples, phases, window(60, {10: 100}), LIMITS, (30, 40), 5)
    assert [str(breach) for breach in slow.breaches] == ["recovery 8 s > 5 s (over by 3 s, +60%)"]


def test_a_spike_that_never_recovers_fails() -> None:
    phases = {"before": window(20, {10: 100})}
    samples = [sample(t, 500.0) for t in range(30, 90)]
    outcome = spike_outcome(samples, phases, window(60, {10: 100}), LIMITS, (30, 40), 30)
    assert outcome.facts["recovery_s"] is None
    assert outcome.breaches[0].what == "recovery (not seen before the run ended)"


SOAK_WINDOWS = {"early": (60.0, 160.0), "late": (500.0, 600.0)}


def test_soak_reports_latency_drift_and_breaks_on_too_much() -> None:
    phases = {"early": window(100, {20: 100}), "late": window(100, {40: 100})}
    outcome = soak_outcome([], phases, window(600, {30: 100}), LIMITS, SOAK_WINDOWS, 0.5, None)
    assert outcome.facts["p95_drift"] == 1.0
    assert [str(breach) for breach in outcome.breaches] == [
        "p95 drift 100.00% > 50.00% (over by 50.00 percentage points)"
    ]
    # A rise of a few milliseconds is noise, whatever the ratio.
    phases = {"early": window(100, {2: 100}), "late": window(100, {4: 100})}
    outcome = soak_outcome([], phases, window(600, {3: 100}), LIMITS, SOAK_WINDOWS, 0.5, None)
    assert outcome.breaches == []


def test_soak_reports_server_memory_growth_when_watched() -> None:
    phases = {"early": window(100, {20: 100}), "late": window(100, {20: 100})}
    samples = [sample(float(t), 20.0, rss_mb=100 + t / 10) for t in range(60, 600)]
    outcome = soak_outcome(samples, phases, window(600, {20: 100}), LIMITS, SOAK_WINDOWS, 0.5, 30)
    memory = outcome.facts["memory_mb"]
    assert (memory["early"], memory["late"]) == pytest.approx((111.0, 155.0), abs=0.1)
    assert memory["growth"] == 44.0
    assert memory["per_hour"] == 360.0
    assert [breach.what for breach in outcome.breaches] == ["server memory growth"]


def test_the_timeline_groups_samples_into_phases_and_writes_them(tmp_path: Path) -> None:
    ended: list[tuple[str, int]] = []
    timeline = Timeline(
        lambda t: "first" if t < 2 else "second",
        lambda name, measured: ended.append((name, measured.requests)),
        tmp_path / "timeline.csv",
    )
    for t, requests in [(1, 10), (2, 30), (3, 60), (4, 100)]:
        timeline.record(t, 5, Snapshot(requests, 0, {7: requests}))
    timeline.close()

    assert ended == [("first", 30), ("second", 70)]
    assert [s.rps for s in timeline.samples] == [10, 20, 30, 40]
    assert [s.p95_rolling for s in timeline.samples] == [7, 7, 7, 7]
    lines = (tmp_path / "timeline.csv").read_text().splitlines()
    assert lines[0] == "t,users,rps,failures_per_s,p50,p95,p99,p95_rolling,phase,rss_mb"
    assert len(lines) == 5
