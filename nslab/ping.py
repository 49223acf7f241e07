"""Ping results, and a pure parser of iputils `ping` output."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .messages import say

_SUMMARY = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")
_RTT = re.compile(r"time[=<]([\d.]+) ?ms")


@dataclass(frozen=True)
class PingResult:
    """What `ping -c N` reported. A failed ping is a result (ok=False), not an error."""

    target: str
    sent: int
    received: int
    rtts_ms: tuple[float, ...] = ()
    output: str = field(default="", repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.sent > 0 and self.received == self.sent

    @property
    def loss(self) -> float:
        return 1.0 - self.received / self.sent if self.sent else 1.0

    def __str__(self) -> str:
        key = "ping.ok" if self.ok else "ping.failed"  # a ratio: one form in every language
        return say(key, target=self.target, received=self.received, sent=self.sent)

    def _repr_pretty_(self, p, cycle: bool) -> None:  # IPython: no RTTs, so outputs diff cleanly
        p.text(str(self))


def parse_ping(output: str, target: str = "") -> PingResult:
    """Parse iputils (or busybox) ping output into a PingResult.

    >>> parse_ping("64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.05 ms\\n"
    ...            "1 packets transmitted, 1 received, 0% packet loss, time 0ms\\n").ok
    True
    """
    summary = _SUMMARY.search(output)
    sent, received = (int(summary.group(1)), int(summary.group(2))) if summary else (0, 0)
    rtts = tuple(
        float(m.group(1)) for line in output.splitlines() if "bytes from" in line
        for m in [_RTT.search(line)] if m
    )
    return PingResult(target=target, sent=sent, received=received, rtts_ms=rtts, output=output)
