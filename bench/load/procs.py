"""What a service's processes hold and spend, from /proc: the process and all its descendants.

A service may be several processes: Rasa with ``SANIC_WORKERS=2`` is a main process and two forked
workers, each loading the model. RSS counts every page a process maps, so pages the workers share (the
libraries, what the main process loaded before forking) are counted once per process; PSS
(``/proc/PID/smaps_rollup``) divides each shared page among the processes mapping it, so the PSS of all
processes adds up to what they take from the machine. CPU is user + system time of the live processes
(``/proc/PID/stat``), read before and after a run.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """The process and its descendants (those alive now)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(child) for child in (task / "children").read_text().split()]
    return found


@dataclass(frozen=True)
class Memory:
    rss_kib: int = 0
    pss_kib: int = 0

    def __add__(self, other: Memory) -> Memory:
        return Memory(self.rss_kib + other.rss_kib, self.pss_kib + other.pss_kib)

    def peak(self, other: Memory) -> Memory:
        return Memory(max(self.rss_kib, other.rss_kib), max(self.pss_kib, other.pss_kib))


def _rollup(pid: int) -> Memory:
    fields: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in {"Rss", "Pss"}:
                fields[name] = int(rest.split()[0])
    return Memory(fields.get("Rss", 0), fields.get("Pss", 0))


def memory(pid: int) -> Memory:
    """RSS and PSS of the process and its descendants (KiB); zero when gone."""
    total = Memory()
    for p in tree(pid):
        total += _rollup(p)
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the process and its live descendants."""
    total = 0
    for p in tree(pid):
        with contextlib.suppress(OSError):
            # the command name (field 2) may hold spaces: the fields after it start past the last ')'
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS
