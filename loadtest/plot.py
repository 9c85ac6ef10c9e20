"""The run at a glance: req/s, p50/p95/p99 latency and users over time, in one PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from loadtest.analysis import Mark
from loadtest.thresholds import Thresholds
from loadtest.timeline import Sample

LATENCY_COLOURS = {"p50": "tab:green", "p95": "tab:orange", "p99": "tab:red"}
LEGEND: dict[str, Any] = {"loc": "upper left", "bbox_to_anchor": (1.005, 1.0), "fontsize": "small"}


def _milliseconds(value: float, _: object) -> str:
    return f"{value:g}" if f"{value:.0e}"[0] in "125" else ""


def plot(
    samples: list[Sample],
    path: Path,
    title: str,
    limits: Thresholds,
    marks: list[Mark],
) -> None:
    memory = [s for s in samples if s.rss_mb is not None]
    rows = 4 if memory else 3
    figure, axes = plt.subplots(
        rows,
        1,
        sharex=True,
        figsize=(11, 2.4 * rows + 0.8),
        height_ratios=[3, 3, 1.6] + ([1.6] if memory else []),
        layout="constrained",
    )
    minutes = bool(samples) and samples[-1].t > 1200
    scale = 60.0 if minutes else 1.0

    def x(values: list[float]) -> list[float]:
        return [value / scale for value in values]

    t = x([s.t for s in samples])
    throughput, latency, users = axes[0], axes[1], axes[2]

    throughput.plot(t, [s.rps for s in samples], color="tab:blue", label="req/s")
    throughput.fill_between(
        t, [s.failures_per_s for s in samples], color="tab:red", alpha=0.5, label="failures/s"
    )
    throughput.set_ylabel("requests / s")
    throughput.set_ylim(bottom=0)
    throughput.legend(**LEGEND)

    for name, colour in LATENCY_COLOURS.items():
        points = [(when, getattr(s, name)) for when, s in zip(t, samples, strict=True)]
        shown = [(when, value) for when, value in points if value > 0]
        latency.plot(
            [when for when, _ in shown],
            [value for _, value in shown],
            color=colour,
            label=name,
            linewidth=1.2 if name == "p50" else 1.0,
        )
    latency.axhline(limits.max_p95_ms, color=LATENCY_COLOURS["p95"], linestyle="--", linewidth=0.8)
    latency.axhline(limits.max_p99_ms, color=LATENCY_COLOURS["p99"], linestyle="--", linewidth=0.8)
    latency.set_yscale("log")
    # Plain milliseconds (2, 5, 10, 20, 50...) rather than powers of ten.
    latency.yaxis.set_major_formatter(FuncFormatter(_milliseconds))
    latency.yaxis.set_minor_formatter(FuncFormatter(_milliseconds))
    latency.set_ylabel("latency, ms (log)")
    latency.legend(**LEGEND, title="per second\ndashed: limit", title_fontsize="small")

    # A sample's users are those at its end: the change happened during the second before.
    users.step(t, [s.users for s in samples], where="pre", color="tab:purple")
    users.set_ylabel("users")
    users.set_ylim(bottom=0)

    if memory:
        axes[3].plot(x([s.t for s in memory]), [s.rss_mb for s in memory], color="tab:brown")
        axes[3].set_ylabel("server RSS, MB")

    for index, mark in enumerate(marks):
        for axis in axes:
            if mark.end is None:
                axis.axvline(mark.start / scale, color="black", linestyle=":", linewidth=1)
            else:
                axis.axvspan(mark.start / scale, mark.end / scale, color=mark.colour, alpha=0.15)
        # Labels near the right edge end at their mark instead of starting there, and
        # neighbouring marks' labels take alternate rows, so none is cut off or overlaps.
        near_end = bool(t) and mark.start / scale > 0.8 * t[-1]
        throughput.annotate(
            mark.label,
            xy=((mark.end if near_end and mark.end else mark.start) / scale, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-3 if near_end else 3, -12 - 12 * (index % 2)),
            textcoords="offset points",
            horizontalalignment="right" if near_end else "left",
            fontsize="small",
        )

    axes[-1].set_xlabel("minutes since start" if minutes else "seconds since start")
    for axis in axes:
        axis.grid(True, alpha=0.3)
    figure.suptitle(title, fontsize="medium")
    figure.savefig(path, dpi=110)
    plt.close(figure)
