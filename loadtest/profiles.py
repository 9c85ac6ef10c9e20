"""The load profiles, one LoadTestShape each, chosen with `--profile NAME`.

Every profile reads Locust's own `-u/--users`, `-t/--run-time` and `-r/--spawn-rate` where
they make sense (see each class) and brings its own defaults and thresholds. Besides the
users to run at each moment, a profile names the phase a moment belongs to (only named
phases are measured) and draws its conclusion from the measurements at the end.
"""

from __future__ import annotations

import logging
import math
from argparse import Namespace
from typing import ClassVar

from locust import LoadTestShape, User

from loadtest.analysis import (
    Outcome,
    Step,
    describe,
    soak_outcome,
    spike_outcome,
    step_outcome,
    whole_run,
)
from loadtest.measure import Window
from loadtest.thresholds import Thresholds, check
from loadtest.timeline import Timeline

logger = logging.getLogger("loadtest")

Tick = tuple[int, float, list[type[User]]]


class Profile(LoadTestShape):
    abstract = True
    # -u, -t and -r configure the profile rather than being ignored.
    use_common_options = True

    name: ClassVar[str]
    model: ClassVar[str]
    limits: ClassVar[Thresholds]
    default_users: ClassVar[int]
    default_seconds: ClassVar[int]

    def configure(self, options: Namespace, user_class: type[User]) -> None:
        self.user_classes: list[type[User]] = [user_class]
        self.users = int(options.num_users or self.default_users)
        self.seconds = int(options.run_time or self.default_seconds)
        self.spawn_rate = float(options.spawn_rate or self.users)
        self.finished = False

    def tick(self) -> Tick | None:
        if self.finished:
            return None
        load = self.load_at(self.get_run_time())
        return None if load is None else (load[0], load[1], self.user_classes)

    def load_at(self, t: float) -> tuple[int, float] | None:
        """Users and spawn rate at `t` seconds, or None once the profile is over."""
        if t >= self.seconds:
            return None
        return self.users, self.spawn_rate

    def phase_of(self, t: float) -> str:
        return "run"

    def phase_ended(self, name: str, window: Window, limits: Thresholds) -> None:
        """Told each phase's requests when the phase is over."""

    def plan(self) -> str:
        return f"{self.users} users for {self.seconds} s"

    def outcome(self, timeline: Timeline, total: Window, limits: Thresholds) -> Outcome:
        return whole_run(total, limits)


class SmokeShape(Profile):
    """A few users for about 30 s: does every request work and look right?"""

    name = "smoke"
    model = "people"
    limits = Thresholds(max_error_ratio=0.0, max_p95_ms=500, max_p99_ms=1000)
    default_users = 5
    default_seconds = 30


class StepShape(Profile):
    """Users rise in steps of --step-users every --step-time, up to -u; finds the knee.

    Each step is measured after it settles; the climb stops after the first step whose
    measurements break a threshold. The knee is the step before it.
    """

    name = "step"
    model = "people"
    limits = Thresholds(max_error_ratio=0.01, max_p95_ms=100, max_p99_ms=250)
    default_users = 2000
    default_seconds = 0

    def configure(self, options: Namespace, user_class: type[User]) -> None:
        super().configure(options, user_class)
        self.step_users = int(options.step_users)
        self.step_seconds = float(options.step_time)
        # A step's new users arrive over about three seconds, within its settling time.
        self.spawn_rate = float(options.spawn_rate or max(1.0, self.step_users / 3))
        self.steps = math.ceil(self.users / self.step_users)
        self.settle = min(5.0, self.step_seconds / 3)
        self.measured: list[Step] = []

    def _step_at(self, t: float) -> int:
        return int(t // self.step_seconds) + 1

    def _users_at_step(self, number: int) -> int:
        return min(number * self.step_users, self.users)

    def load_at(self, t: float) -> tuple[int, float] | None:
        number = self._step_at(t)
        if number > self.steps:
            return None
        return self._users_at_step(number), self.spawn_rate

    def phase_of(self, t: float) -> str:
        number = self._step_at(t)
        if number > self.steps or t - (number - 1) * self.step_seconds < self.settle:
            return ""
        return f"step {number}"

    def phase_ended(self, name: str, window: Window, limits: Thresholds) -> None:
        number = int(name.split()[1])
        breaches = tuple(check(window, limits))
        start = (number - 1) * self.step_seconds + self.settle
        end = min(number * self.step_seconds, start + window.seconds)
        self.measured.append(
            Step(number, self._users_at_step(number), start, end, window, breaches)
        )
        verdict = "; ".join(map(str, breaches)) or "thresholds held"
        logger.info(
            "step %d, %d users: %s; %s", number, self.measured[-1].users, describe(window), verdict
        )
        if breaches:
            self.finished = True

    def plan(self) -> str:
        return (
            f"+{self.step_users} users every {self.step_seconds:g} s up to {self.users} users "
            f"(at most {self.steps * self.step_seconds:g} s)"
        )

    def outcome(self, timeline: Timeline, total: Window, limits: Thresholds) -> Outcome:
        return step_outcome(self.measured, limits, self.users)


class SpikeShape(Profile):
    """-u users, a burst to --spike-users for --spike-time a third of the way in, -u again.

    Reports what the burst did and how long latency took to come back afterwards.
    """

    name = "spike"
    model = "people"
    limits = Thresholds(max_error_ratio=0.01, max_p95_ms=1000, max_p99_ms=2500)
    default_users = 50
    default_seconds = 90

    def configure(self, options: Namespace, user_class: type[User]) -> None:
        super().configure(options, user_class)
        self.spike_users = int(options.spike_users or 10 * self.users)
        self.burst_start = self.seconds / 3
        self.burst_end = self.burst_start + float(options.spike_time)
        self.settle = min(10.0, self.burst_start / 3)
        self.max_recovery = float(options.max_recovery)

    def load_at(self, t: float) -> tuple[int, float] | None:
        if t >= self.seconds:
            return None
        # The burst's users arrive within a second, and leave as fast.
        sudden = float(max(self.spike_users - self.users, 1))
        if t < self.burst_start:
            return self.users, self.spawn_rate
        if t < self.burst_end:
            return self.spike_users, sudden
        return self.users, sudden

    def phase_of(self, t: float) -> str:
        if t < self.settle:
            return ""
        if t < self.burst_start:
            return "before"
        return "burst" if t < self.burst_end else "after"

    def plan(self) -> str:
        return (
            f"{self.users} users, {self.spike_users} from {self.burst_start:.0f} s to "
            f"{self.burst_end:.0f} s, {self.seconds} s in all"
        )

    def outcome(self, timeline: Timeline, total: Window, limits: Thresholds) -> Outcome:
        return spike_outcome(
            timeline.samples,
            timeline.phases,
            total,
            limits,
            (self.burst_start, self.burst_end),
            self.max_recovery,
        )


class SoakShape(Profile):
    """-u users for -t (default 10 min); compares an early and a late window.

    Reports the drift of the p95 between the two windows and, with --server-pid, of the
    server's resident memory.
    """

    name = "soak"
    model = "people"
    limits = Thresholds(max_error_ratio=0.001, max_p95_ms=250, max_p99_ms=500)
    default_users = 50
    default_seconds = 600

    def configure(self, options: Namespace, user_class: type[User]) -> None:
        super().configure(options, user_class)
        self.spawn_rate = float(options.spawn_rate or max(1.0, self.users / 10))
        # Not measured: the ramp, then a tenth of the run (at most a minute) to warm up. The
        # early and late windows are each a quarter of the rest, at least 30 s if it allows.
        warm = min(60.0, self.seconds / 10) + self.users / self.spawn_rate
        rest = max(self.seconds - warm, 0.0)
        span = max(min(30.0, rest / 2), rest / 4)
        self.windows = {"early": (warm, warm + span), "late": (self.seconds - span, self.seconds)}
        self.max_drift = float(options.max_drift)
        self.max_memory_growth: float | None = options.max_memory_growth

    def phase_of(self, t: float) -> str:
        for name, (start, end) in self.windows.items():
            if start <= t < end:
                return name
        return ""

    def outcome(self, timeline: Timeline, total: Window, limits: Thresholds) -> Outcome:
        return soak_outcome(
            timeline.samples,
            timeline.phases,
            total,
            limits,
            self.windows,
            self.max_drift,
            self.max_memory_growth,
        )


PROFILES: dict[str, type[Profile]] = {
    shape.name: shape for shape in (SmokeShape, StepShape, SpikeShape, SoakShape)
}
