"""What each profile concludes from a run: the knee, the recovery, the drift.

Each function takes the measurements and returns an Outcome: lines for a person, the
breached limits (any breach makes the run exit non-zero), facts for `summary.json` and
marks for the plot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loadtest.measure import Window
from loadtest.thresholds import Breach, Thresholds, check
from loadtest.timeline import ROLLING_SECONDS, Sample

# Spike: "recovered" means the p95 is back within this factor of the p95 before the burst,
# or within RECOVERY_SLACK_MS of it when that is the looser of the two (a 3 ms baseline
# would otherwise call 5 ms "not recovered").
RECOVERY_FACTOR = 1.5
RECOVERY_SLACK_MS = 10.0
# Soak: a p95 rise smaller than this is noise, whatever the ratio.
DRIFT_FLOOR_MS = 5.0


@dataclass(frozen=True)
class Mark:
    """Something to point at on the plot: a moment, or a stretch when `end` is set."""

    start: float
    label: str
    end: float | None = None
    colour: str = "grey"


@dataclass
class Outcome:
    headline: str = ""
    lines: list[str] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    marks: list[Mark] = field(default_factory=list)


def window_facts(window: Window) -> dict[str, float]:
    return {
        "requests": window.requests,
        "failures": window.failures,
        "rps": round(window.rps, 1),
        "error_ratio": round(window.error_ratio, 5),
        "p50_ms": window.p(0.50),
        "p95_ms": window.p(0.95),
        "p99_ms": window.p(0.99),
    }


def describe(window: Window) -> str:
    return (
        f"{window.rps:.0f} req/s, p50 {window.p(0.50):g} ms, p95 {window.p(0.95):g} ms, "
        f"p99 {window.p(0.99):g} ms, errors {window.error_ratio:.2%}"
    )


def whole_run(total: Window, limits: Thresholds) -> Outcome:
    """The smoke profile's verdict, and the part every other profile shares."""
    return Outcome(
        headline=describe(total),
        lines=[f"whole run: {describe(total)}"],
        breaches=check(total, limits),
        facts={"whole_run": window_facts(total)},
    )


@dataclass(frozen=True)
class Step:
    number: int
    users: int
    start: float
    end: float
    window: Window
    breaches: tuple[Breach, ...]


def step_outcome(steps: list[Step], limits: Thresholds, top_users: int) -> Outcome:
    """The knee: the last step before the first one whose window broke a limit."""
    outcome = Outcome()
    outcome.lines.append("step  users    req/s    p50    p95    p99  errors  verdict")
    for step in steps:
        window = step.window
        verdict = "; ".join(map(str, step.breaches)) or "held"
        outcome.lines.append(
            f"{step.number:>4}  {step.users:>5}  {window.rps:>7.0f}  {window.p(0.5):>5g}  "
            f"{window.p(0.95):>5g}  {window.p(0.99):>5g}  {window.error_ratio:>6.2%}  {verdict}"
        )
    outcome.facts["steps"] = [
        {"step": step.number, "users": step.users, **window_facts(step.window)} for step in steps
    ]
    if not steps:
        outcome.lines.append("no step was measured")
        outcome.breaches.append(Breach("measured steps", 0, 1, "steps"))
        return outcome
    first_breach = next((index for index, step in enumerate(steps) if step.breaches), None)
    if first_breach == 0:
        step = steps[0]
        outcome.headline = f"no knee: the thresholds broke at the first step ({step.users} users)"
        outcome.lines.append(outcome.headline)
        outcome.marks.append(Mark(step.start, "broke", step.end, "tab:red"))
        outcome.breaches.extend(
            Breach(
                f"{item.what} at step 1 ({step.users} users)", item.actual, item.limit, item.unit
            )
            for item in step.breaches
        )
        outcome.facts["knee"] = None
        return outcome
    knee = steps[-1] if first_breach is None else steps[first_breach - 1]
    window = knee.window
    outcome.facts["knee"] = {"step": knee.number, "users": knee.users, **window_facts(window)}
    outcome.headline = (
        f"knee: {knee.users} users, {window.rps:.0f} req/s "
        f"(p95 {window.p(0.95):g} ms, p99 {window.p(0.99):g} ms, errors {window.error_ratio:.2%})"
    )
    outcome.lines.append(outcome.headline)
    outcome.marks.append(Mark(knee.start, f"knee: {knee.users} users", knee.end, "tab:green"))
    if first_breach is None:
        held_to = "up to the last step" if knee.users >= top_users else "until the run ended"
        outcome.lines.append(
            f"the thresholds held {held_to}: the real knee is at or above {knee.users} users"
            + (" (raise -u to look further)" if knee.users >= top_users else "")
        )
        outcome.facts["knee_is_lower_bound"] = True
    else:
        broken = steps[first_breach]
        outcome.lines.append(
            f"beyond it, at {broken.users} users: " + "; ".join(map(str, broken.breaches))
        )
        outcome.facts["knee_is_lower_bound"] = False
        outcome.marks.append(
            Mark(broken.start, f"broke: {broken.users} users", broken.end, "tab:red")
        )
    return outcome


def recovery_bound(baseline_p95: float) -> float:
    return max(baseline_p95 * RECOVERY_FACTOR, baseline_p95 + RECOVERY_SLACK_MS)


def spike_outcome(
    samples: list[Sample],
    phases: dict[str, Window],
    total: Window,
    limits: Thresholds,
    burst: tuple[float, float],
    max_recovery_s: float,
) -> Outcome:
    """Whole-run limits, what the burst did, and how long the p95 took to come back."""
    outcome = whole_run(total, limits)
    start, end = burst
    outcome.marks.append(Mark(start, "burst", end))
    for name in ("before", "burst", "after"):
        if name in phases:
            outcome.lines.append(f"{name}: {describe(phases[name])}")
            outcome.facts[name] = window_facts(phases[name])
    before = phases.get("before")
    if before is None or before.requests == 0:
        outcome.lines.append("no requests before the burst: recovery cannot be judged")
        return outcome
    bound = recovery_bound(before.p(0.95))
    outcome.facts["recovery_bound_p95_ms"] = bound
    # A rolling sample at t covers (t - ROLLING_SECONDS, t]: the first one wholly after the
    # burst and back under the bound says when the service had recovered.
    after = [s for s in samples if s.t - ROLLING_SECONDS >= end - 0.5]
    recovered = next((s for s in after if s.p95_rolling <= bound), None)
    if recovered is not None:
        recovery = max(0.0, recovered.t - ROLLING_SECONDS - end)
        outcome.facts["recovery_s"] = recovery
        outcome.headline = f"recovered {recovery:.0f} s after the burst"
        outcome.lines.append(
            f"recovery: p95 back under {bound:g} ms ({RECOVERY_FACTOR:g}x the p95 before the "
            f"burst, or +{RECOVERY_SLACK_MS:g} ms) {recovery:.0f} s after the burst ended"
        )
        outcome.marks.append(Mark(end + recovery, f"recovered after {recovery:.0f} s"))
        if recovery > max_recovery_s:
            outcome.breaches.append(Breach("recovery", recovery, max_recovery_s, "s"))
        return outcome
    observed = max((s.t for s in samples), default=end) - end
    outcome.facts["recovery_s"] = None
    outcome.headline = "not recovered before the run ended"
    outcome.lines.append(
        f"recovery: p95 still above {bound:g} ms when the run ended, {observed:.0f} s after "
        "the burst"
    )
    outcome.breaches.append(
        Breach("recovery (not seen before the run ended)", observed, max_recovery_s, "s")
    )
    return outcome


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, in value per hour."""
    mean_t = _mean([t for t, _ in points])
    mean_v = _mean([v for _, v in points])
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return 3600 * sum((t - mean_t) * (v - mean_v) for t, v in points) / spread


def soak_outcome(
    samples: list[Sample],
    phases: dict[str, Window],
    total: Window,
    limits: Thresholds,
    windows: dict[str, tuple[float, float]],
    max_drift: float,
    max_memory_growth_mb: float | None,
) -> Outcome:
    """Whole-run limits, and how far latency and server memory moved from early to late."""
    outcome = whole_run(total, limits)
    for (name, (start, end)), colour in zip(
        windows.items(), ("tab:blue", "tab:orange"), strict=True
    ):
        outcome.marks.append(Mark(start, name, end, colour))
    early, late = phases.get("early"), phases.get("late")
    if early is None or late is None or not early.requests or not late.requests:
        outcome.lines.append("the run ended before both the early and the late window")
        return outcome
    for name, window in (("early", early), ("late", late)):
        outcome.lines.append(f"{name}: {describe(window)}")
        outcome.facts[name] = window_facts(window)
    early_p95, late_p95 = early.p(0.95), late.p(0.95)
    drift = (late_p95 - early_p95) / early_p95 if early_p95 else 0.0
    outcome.facts["p95_drift"] = round(drift, 4)
    outcome.headline = f"p95 drift {early_p95:g} ms -> {late_p95:g} ms ({drift:+.0%})"
    outcome.lines.append(outcome.headline)
    if drift > max_drift and late_p95 - early_p95 > DRIFT_FLOOR_MS:
        outcome.breaches.append(Breach("p95 drift", drift, max_drift, "%"))

    memory = [(s.t, s.rss_mb) for s in samples if s.rss_mb is not None]
    if not memory:
        outcome.lines.append("server memory: not watched (pass --server-pid to see it)")
        return outcome
    (early_start, early_end), (late_start, late_end) = windows["early"], windows["late"]
    early_mb = [mb for t, mb in memory if early_start <= t < early_end]
    late_mb = [mb for t, mb in memory if late_start <= t <= late_end]
    if not early_mb or not late_mb:
        return outcome
    growth = _mean(late_mb) - _mean(early_mb)
    rate = _slope_per_hour([(t, mb) for t, mb in memory if t >= early_start])
    outcome.facts["memory_mb"] = {
        "early": round(_mean(early_mb), 1),
        "late": round(_mean(late_mb), 1),
        "growth": round(growth, 1),
        "per_hour": round(rate, 1),
    }
    outcome.lines.append(
        f"server memory: {_mean(early_mb):.0f} MB -> {_mean(late_mb):.0f} MB "
        f"({growth:+.1f} MB; trend {rate:+.1f} MB/h)"
    )
    if max_memory_growth_mb is not None and growth > max_memory_growth_mb:
        outcome.breaches.append(Breach("server memory growth", growth, max_memory_growth_mb, "MB"))
    return outcome
