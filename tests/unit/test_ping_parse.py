"""The pure ping parser, on real iputils and busybox outputs."""

from __future__ import annotations

import pytest

from nslab import PingResult, parse_ping

IPUTILS_OK = """\
PING 192.168.1.2 (192.168.1.2) 56(84) bytes of data.
64 bytes from 192.168.1.2: icmp_seq=1 ttl=64 time=0.061 ms
64 bytes from 192.168.1.2: icmp_seq=2 ttl=64 time=0.045 ms
64 bytes from 192.168.1.2: icmp_seq=3 ttl=64 time=0.112 ms

--- 192.168.1.2 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 2043ms
rtt min/avg/max/mdev = 0.045/0.072/0.112/0.028 ms
"""

IPUTILS_LOSS = """\
PING 192.168.1.2 (192.168.1.2) 56(84) bytes of data.

--- 192.168.1.2 ping statistics ---
2 packets transmitted, 0 received, 100% packet loss, time 1010ms

"""

IPUTILS_PARTIAL = """\
PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.
64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.050 ms
64 bytes from 10.0.0.2: icmp_seq=3 ttl=64 time=1.20 ms

--- 10.0.0.2 ping statistics ---
3 packets transmitted, 2 received, 33.3333% packet loss, time 2031ms
rtt min/avg/max/mdev = 0.050/0.625/1.200/0.575 ms
"""

IPUTILS_UNREACHABLE = """\
PING 192.168.1.3 (192.168.1.3) 56(84) bytes of data.
From 192.168.1.1 icmp_seq=1 Destination Host Unreachable
From 192.168.1.1 icmp_seq=2 Destination Host Unreachable
From 192.168.1.1 icmp_seq=3 Destination Host Unreachable

--- 192.168.1.3 ping statistics ---
3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2052ms
pipe 3
"""

IPUTILS_V6 = """\
PING fd00::2(fd00::2) 56 data bytes
64 bytes from fd00::2: icmp_seq=1 ttl=64 time=0.040 ms

--- fd00::2 ping statistics ---
1 packets transmitted, 1 received, 0% packet loss, time 0ms
rtt min/avg/max/mdev = 0.040/0.040/0.040/0.000 ms
"""

BUSYBOX_OK = """\
PING 172.17.0.3 (172.17.0.3): 56 data bytes
64 bytes from 172.17.0.3: seq=0 ttl=64 time=0.101 ms
64 bytes from 172.17.0.3: seq=1 ttl=64 time=0.079 ms

--- 172.17.0.3 ping statistics ---
2 packets transmitted, 2 packets received, 0% packet loss
round-trip min/avg/max = 0.079/0.090/0.101 ms
"""

BUSYBOX_LOSS = """\
PING 172.17.0.9 (172.17.0.9): 56 data bytes

--- 172.17.0.9 ping statistics ---
3 packets transmitted, 0 packets received, 100% packet loss
"""

BUSYBOX_PARTIAL = """\
PING 172.17.0.3 (172.17.0.3): 56 data bytes
64 bytes from 172.17.0.3: seq=1 ttl=64 time=0.083 ms

--- 172.17.0.3 ping statistics ---
2 packets transmitted, 1 packets received, 50% packet loss
round-trip min/avg/max = 0.083/0.083/0.083 ms
"""

BUSYBOX_UNREACHABLE = """\
PING 172.17.0.9 (172.17.0.9): 56 data bytes
From 172.17.0.2 icmp_seq=0 Destination Host Unreachable

--- 172.17.0.9 ping statistics ---
1 packets transmitted, 0 packets received, 100% packet loss
"""


@pytest.mark.parametrize(
    ("output", "sent", "received", "rtts", "ok"),
    [
        (IPUTILS_OK, 3, 3, (0.061, 0.045, 0.112), True),
        (IPUTILS_LOSS, 2, 0, (), False),
        (IPUTILS_PARTIAL, 3, 2, (0.05, 1.2), False),
        (IPUTILS_UNREACHABLE, 3, 0, (), False),
        (IPUTILS_V6, 1, 1, (0.04,), True),
        (BUSYBOX_OK, 2, 2, (0.101, 0.079), True),
        (BUSYBOX_LOSS, 3, 0, (), False),
        (BUSYBOX_PARTIAL, 2, 1, (0.083,), False),
        (BUSYBOX_UNREACHABLE, 1, 0, (), False),
    ],
    ids=["iputils-ok", "iputils-loss", "iputils-partial", "iputils-unreachable", "iputils-v6",
         "busybox-ok", "busybox-loss", "busybox-partial", "busybox-unreachable"],
)
def test_parse(output: str, sent: int, received: int, rtts: tuple, ok: bool) -> None:
    result = parse_ping(output, "T")
    assert isinstance(result, PingResult)
    assert (result.sent, result.received, result.rtts_ms, result.ok) == (sent, received, rtts, ok)
    assert result.target == "T"
    assert result.output == output
    assert result.loss == pytest.approx(1 - received / sent)
    assert str(result) == f"ping T: {received}/{sent} replies ({'ok' if ok else 'FAILED'})"


@pytest.mark.parametrize("output", ["", "ping: connect: Network is unreachable\n",
                                    "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n"])
def test_no_summary_is_a_failed_result_not_an_error(output: str) -> None:
    result = parse_ping(output, "10.0.0.2")
    assert (result.sent, result.received, result.ok, result.loss) == (0, 0, False, 1.0)


def test_time_below_resolution() -> None:
    out = IPUTILS_OK.replace("time=0.061 ms", "time<0.1 ms")
    assert parse_ping(out).rtts_ms[0] == 0.1


def test_pretty_repr_has_no_rtts() -> None:
    class P:
        text_ = ""

        def text(self, s: str) -> None:
            self.text_ += s

    p = P()
    parse_ping(IPUTILS_OK, "192.168.1.2")._repr_pretty_(p, False)
    assert p.text_ == "ping 192.168.1.2: 3/3 replies (ok)"
