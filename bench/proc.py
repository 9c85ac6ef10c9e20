"""CPU time and resident memory of a process and its descendants, read from /proc."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def _stat_fields(pid: int) -> list[str]:
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    text = (PROC / str(pid) / "stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def tree(pid: int) -> list[int]:
    """`pid` and every live descendant of it."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                parent = int(_stat_fields(int(entry.name))[1])
            except (OSError, ValueError, IndexError):
                continue  # exited meanwhile
            children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, ()))
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` and its live descendants, plus what exited children used."""
    total = 0
    for member in tree(pid):
        try:
            fields = _stat_fields(member)
        except OSError:
            continue
        # After the name: state is [0]; utime, stime, cutime, cstime are fields 14-17 → [11:15].
        total += sum(int(value) for value in fields[11:15])
    return total / TICKS_PER_SECOND


def largest_rss_mb(pid: int) -> float:
    """Resident memory of the largest process in the tree: one worker's footprint."""
    largest = 0
    for member in tree(pid):
        try:
            fields = _stat_fields(member)
        except OSError:
            continue
        largest = max(largest, int(fields[21]))
    return largest * PAGE_BYTES / 2**20


def run_queue_seconds(pid: int) -> float:
    """How long the process's main thread (a server's event loop) has waited, runnable, for
    a core: the second field of /proc/PID/schedstat, in nanoseconds."""
    return int((PROC / str(pid) / "schedstat").read_text().split()[1]) / 1e9
