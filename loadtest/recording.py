"""One run of a profile inside Locust: options, sampling, the verdict and the results.

`install` adds the command-line options and the event listeners that
- pick the shape named by `--profile` and size it (init),
- take a sample every second while the test runs (test_start .. test_stop),
- judge the run against the thresholds and set Locust's exit code (quitting),
- write timeline.csv, summary.txt/.json and plot.png into --results-dir,
- print the verdict after Locust's own tables (quit).

Distributed (`--processes N`, or `--master` with `--worker`s elsewhere), all of that
happens once, on the master, from the statistics the workers report every second; the
users, their body checks and their clean-up run on the workers. The master also watches
its workers (loadtest/workers.py): losing one fails the run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import signal
import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import gevent
import locust.runners
import psutil
from locust import User, between
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment
from locust.event import Events
from locust.runners import MasterRunner, WorkerRunner
from locust.stats import RequestStats, StatsEntry, StatsError

from loadtest import report
from loadtest.measure import Snapshot, Window
from loadtest.options import add_profile_options
from loadtest.plot import plot
from loadtest.profiles import PROFILES, Profile
from loadtest.thresholds import Thresholds
from loadtest.timeline import Timeline
from loadtest.workers import Workers

logger = logging.getLogger("loadtest")

PROGRESS_EVERY_S = 10
# Workers report to the master every 3 s by default: too coarse for a per-second timeline.
WORKER_REPORT_INTERVAL_S = 1.0
# A stopping user first finishes the task in hand, for at most this long: a request cut
# off mid-flight can still land on the server after the clean-up has deleted its todos.
STOP_GRACE_S = 10.0


def add_options(parser: LocustArgumentParser) -> None:
    add_profile_options(parser.add_argument)
    parser.add_argument("--results-dir", default="", help="where to write timeline, summary, plot")


SetUp = Collection[tuple[str, str]]


def _snapshot(entry: StatsEntry) -> Snapshot:
    return Snapshot(entry.num_requests, entry.num_failures, dict(entry.response_times))


def judged(stats: RequestStats, set_up: SetUp) -> Snapshot:
    """Every request so far, less the users' set-up requests (`set_up`: (method, name))."""
    # Looked up, never indexed: Locust makes an empty row for any key asked for.
    found = (stats.entries.get((name, method)) for method, name in set_up)
    entries = [entry for entry in found if entry is not None]
    return _snapshot(stats.total).less_set_up(map(_snapshot, entries))


class ServerMemory:
    """Resident memory of the server's processes and their children, in MB."""

    def __init__(self, pids: list[int]) -> None:
        self.processes = [psutil.Process(pid) for pid in pids]

    def __call__(self) -> float | None:
        if not self.processes:
            return None
        total = 0
        try:
            for process in self.processes:
                for member in [process, *process.children(recursive=True)]:
                    total += member.memory_info().rss
        except psutil.Error:
            return None
        return total / 2**20


@dataclasses.dataclass
class Run:
    environment: Environment
    profile: Profile
    limits: Thresholds
    model: str
    results: Path | None
    memory: ServerMemory
    set_up: SetUp = ()
    workers: Workers | None = None
    timeline: Timeline | None = None
    started_at: str = ""
    sampler: gevent.Greenlet | None = None
    summary: str = ""

    def start(self) -> None:
        self.started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        self.timeline = Timeline(
            self.profile.phase_of,
            self._phase_ended,
            self.results / "timeline.csv" if self.results else None,
        )
        self.sampler = gevent.spawn(self._sample)

    def _phase_ended(self, name: str, window: Window) -> None:
        self.profile.phase_ended(name, window, self.limits)

    def _record(self) -> None:
        runner = self.environment.runner
        assert runner is not None
        assert self.timeline is not None
        if self.workers is not None:
            self.workers.look()
        sample = self.timeline.record(
            self.profile.get_run_time(),
            runner.user_count,
            judged(runner.stats, self.set_up),
            self.memory(),
        )
        if round(sample.t) % PROGRESS_EVERY_S == 0:
            logger.info(
                "%4.0f s %5d users %8.1f req/s  p50 %g  p95 %g  p99 %g ms  %.1f failures/s  %s",
                sample.t,
                sample.users,
                sample.rps,
                sample.p50,
                sample.p95,
                sample.p99,
                sample.failures_per_s,
                sample.phase,
            )

    def _sample(self) -> None:
        next_t = 1.0
        while True:
            gevent.sleep(max(0.0, next_t - self.profile.get_run_time()))
            self._record()
            next_t += 1.0

    def stop(self) -> None:
        """Take the last sample and close the timeline; safe to call more than once."""
        if self.sampler is None:
            return
        self.sampler.kill()
        self.sampler = None
        self._record()
        assert self.timeline is not None
        self.timeline.close()

    def conclude(self) -> int:
        """Judge the run, write the summary and the plot; returns the exit code."""
        self.stop()
        runner = self.environment.runner
        assert runner is not None
        assert self.timeline is not None
        elapsed = self.profile.get_run_time()
        total = Window.between(Snapshot(0, 0, {}), judged(runner.stats, self.set_up), elapsed)
        outcome = self.profile.outcome(self.timeline, total, self.limits)
        user_errors = sum(item["count"] for item in runner.exceptions.values())
        lost = self.workers.reasons() if self.workers is not None else []
        reasons = report.verdict(outcome, user_errors, total.requests) + lost
        info = report.RunInfo(
            self.profile.name,
            self.environment.host or "",
            self.model,
            self.profile.plan(),
            self.started_at,
            self.limits,
            _most_frequent_failures(runner.stats.errors.values()),
            self.workers.describe() if self.workers is not None else "",
        )
        if self.results is None:
            self.summary = report.summary_text(info, outcome, reasons)
            return 1 if reasons else 0
        self.summary = report.write(self.results, info, outcome, reasons)
        verdict = f"FAILED: {'; '.join(reasons)}" if reasons else "PASSED"
        plot(
            self.timeline.samples,
            self.results / "plot.png",
            f"{info.profile} profile, {info.model} users, {info.host}, {info.started_at}\n"
            f"{outcome.headline} - {verdict}"[:220],
            self.limits,
            outcome.marks,
        )
        self.summary += f"results: {self.results}\n"
        return 1 if reasons else 0


def _most_frequent_failures(errors: Iterable[StatsError], count: int = 5) -> tuple[str, ...]:
    ranked = sorted(errors, key=lambda error: error.occurrences, reverse=True)[:count]
    return tuple(
        f"{error.occurrences}x {error.method} {error.name}: {error.error}" for error in ranked
    )


def _limits(options: Any, defaults: Thresholds) -> Thresholds:
    return Thresholds(
        defaults.max_error_ratio if options.max_error_ratio is None else options.max_error_ratio,
        defaults.max_p95_ms if options.max_p95 is None else options.max_p95,
        defaults.max_p99_ms if options.max_p99 is None else options.max_p99,
    )


def _interrupt_shape(runner: locust.runners.Runner | None, main: Any) -> None:
    """Raise Ctrl-C's KeyboardInterrupt in `main`, where Locust waits for the shape to end,
    unless it already has (Locust's own SIGTERM handler takes over from there).

    The event loop delivers it, not a Python signal handler that raises: that raises in
    whatever code runs when the signal lands, and in a finaliser (a response's `__del__`)
    Python only prints the exception, so the run would go on to its end.
    """
    shape = runner.shape_greenlet if runner is not None else None
    if shape is None or not shape.dead:
        gevent.kill(main, KeyboardInterrupt)


def install(
    events: Events,
    models: Mapping[str, type[User]],
    people: type[User],
    clean_up: Callable[[str], None],
    set_up: SetUp = (),
) -> None:
    """Register the options and listeners; `clean_up(host)` runs when the users have stopped.
    `set_up` names the (method, name) of requests each user makes once to begin with: their
    times are left out of what the thresholds judge."""
    run: Run | None = None

    events.init_command_line_parser.add_listener(add_options)

    @events.init.add_listener
    def _choose_profile(environment: Environment, **_: Any) -> None:
        nonlocal run
        options = environment.parsed_options
        if options is None:
            return
        people.wait_time = between(*options.think_time)
        environment.stop_timeout = max(environment.stop_timeout or 0.0, STOP_GRACE_S)
        name = options.profile or "smoke"
        if name not in PROFILES:
            sys.exit(f"unknown --profile {name!r}: choose one of {', '.join(PROFILES)}")
        if isinstance(environment.runner, WorkerRunner):
            locust.runners.WORKER_REPORT_INTERVAL = WORKER_REPORT_INTERVAL_S
            return
        # SIGTERM (ECS stopping the task, a test's harness) ends the run as Ctrl-C does:
        # summary, report, clean-up. Locust installs its own handler only once a shape
        # has ended, and until then SIGTERM would kill it with nothing written.
        gevent.signal_handler(
            signal.SIGTERM, _interrupt_shape, environment.runner, gevent.getcurrent()
        )
        shapes = environment.available_shape_classes or {}
        profile = shapes[PROFILES[name].__name__]
        assert isinstance(profile, Profile)
        model = options.model or profile.model
        profile.configure(options, models[model])
        profile.runner = environment.runner
        environment.shape_class = profile
        limits = _limits(options, profile.limits)
        results = Path(options.results_dir) if options.results_dir else None
        if results is not None:
            results.mkdir(parents=True, exist_ok=True)
        try:
            memory = ServerMemory(options.server_pid)
        except psutil.Error as exc:
            sys.exit(f"--server-pid: {exc}")
        run = Run(environment, profile, limits, model, results, memory, set_up)
        if isinstance(environment.runner, MasterRunner):
            run.workers = Workers(
                environment.runner, int(options.expect_workers), profile.get_run_time
            )
            run.workers.listen()
        logger.info("%s profile: %s; %s users", name, profile.plan(), model)
        logger.info("thresholds: %s", limits.describe())

    @events.test_start.add_listener
    def _start(environment: Environment, **_: Any) -> None:
        if isinstance(environment.runner, WorkerRunner) and environment.parsed_options:
            # A worker on another machine has the master's options only from now on.
            people.wait_time = between(*environment.parsed_options.think_time)
        if run is not None and run.timeline is None:
            run.start()

    @events.test_stopping.add_listener
    def _stopping(environment: Environment, **_: Any) -> None:
        if run is not None and run.workers is not None:
            run.workers.stopping()

    @events.test_stop.add_listener
    def _stop(environment: Environment, **_: Any) -> None:
        if run is not None:
            run.stop()
        # On a master the users, and so their data, live in the workers.
        if environment.host and not isinstance(environment.runner, MasterRunner):
            clean_up(environment.host)

    @events.quitting.add_listener
    def _judge(environment: Environment, **_: Any) -> None:
        if run is not None and run.timeline is not None:
            environment.process_exit_code = run.conclude()

    @events.quit.add_listener
    def _print(exit_code: int, **_: Any) -> None:
        # After Locust's own tables, so the verdict is the last thing on the screen.
        if run is not None and run.summary:
            print("\n" + run.summary, end="", flush=True)
