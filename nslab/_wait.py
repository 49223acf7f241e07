"""Waiting on a shared machine: bounds that stretch with the load, never a fixed wall clock.

nslab waits for events (tcpdump's "listening on", a namespace's removal, a server's port).
The event usually comes in milliseconds; on a machine where thirty students start at once it
can take many seconds, because the process that would make it happen waits for a CPU. A
bound is still needed (a process that hangs must not hang the notebook), so it is a bound
*on a quiet machine* that grows with the number of processes competing for each CPU:

    patience = Patience(10.0)            # 10 s when the machine is idle
    while not event():
        if patience.expired():           # 10 s x max(1, runnable or load average / CPUs)
            raise ...(say(..., waited=patience.describe()))
        patience.pause()

`describe()` says how long it waited and under what load, for the error message.
"""

from __future__ import annotations

import os
import time

__all__ = ["Patience", "load_factor"]


def _runnable() -> float:
    """Processes competing for the CPUs: the 1-minute load average, or the runnable count
    right now when that is higher (the average lags a sudden burst by a minute)."""
    try:
        fields = open("/proc/loadavg").read().split()  # noqa: SIM115 - one small read
        running = int(fields[3].split("/")[0]) - 1  # minus the reader itself
        return max(float(fields[0]), float(running))
    except (OSError, IndexError, ValueError):
        return os.getloadavg()[0]


def load_factor() -> float:
    """How many times slower than on an idle machine a process may get its CPU time: the
    processes competing for each CPU, at least 1."""
    return max(1.0, _runnable() / (os.cpu_count() or 1))


class Patience:
    """A deadline of `base` seconds on an idle machine, stretched by the highest load seen
    while waiting (see the module docstring)."""

    def __init__(self, base: float, *, step: float = 0.005, max_step: float = 0.1) -> None:
        self.base = base
        self.start = time.monotonic()
        self.factor = load_factor()
        self._step, self._max_step = step, max_step
        self._checked = self.start

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def limit(self) -> float:
        """The bound now: `base` times the highest load factor seen so far."""
        now = time.monotonic()
        if now - self._checked >= 0.25:  # reading /proc/loadavg costs a syscall or two
            self._checked = now
            self.factor = max(self.factor, load_factor())
        return self.base * self.factor

    def left(self) -> float:
        """Seconds left before giving up (0 when expired)."""
        return max(0.0, self.limit() - self.elapsed())

    def expired(self) -> bool:
        return self.left() <= 0.0

    def pause(self) -> None:
        """Sleep a little, longer the longer the wait has lasted (polling costs CPU too)."""
        time.sleep(min(self._step, self.left()))
        self._step = min(self._step * 1.5, self._max_step)

    def describe(self) -> str:
        """'12.3 s, load 4.0 per CPU': what a message says it waited."""
        return f"{self.elapsed():.1f} s, load {self.factor:.1f} per CPU"
