"""capture() against the real kernel: tcpdump in a namespace, one ping over a veth pair.

The fixture builds its own pair of namespaces with `ip` (unique names, addresses in
10.200.<random>.0/24) and deletes exactly those two namespaces afterwards, which also
removes the veth pair. Traffic goes only between those two namespaces.

Every test runs twice: with tcpdump, and with the fallback recorder `nslab._sniff`
(forced here as root; it is what the rootless sandbox uses, see the end of this file).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nslab import capture as capture_mod
from nslab.capture import BROADCAST, Capture, InvalidFilter, capture, decode_pcap
from nslab.errors import KernelError, NotFound, StepOrderError
from tests.helpers import ip, link

pytestmark = [
    pytest.mark.kernel,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create namespaces and capture"),
    pytest.mark.skipif(
        shutil.which("tcpdump") is None, reason="tcpdump is not installed (apt-get install tcpdump)"
    ),
]


@pytest.fixture(autouse=True, params=["tcpdump", "sniff"])
def recorder(request, monkeypatch) -> str:
    """Run each test with tcpdump and with nslab._sniff (as where tcpdump cannot run)."""
    sniff = request.param == "sniff"
    monkeypatch.setattr(capture_mod, "tcpdump_cannot_drop_privileges", lambda: sniff)
    return request.param


def _by_sniff(argv: list[str]) -> bool:
    """Whether ARGV runs nslab._sniff (by its file, without importing the package)."""
    return any(a.endswith("/nslab/_sniff.py") for a in argv)


def _recorded_by(cap: Capture) -> str:
    return "sniff" if _by_sniff(cap.argv) else "tcpdump"




@dataclass(frozen=True)
class Pair:
    a: str  # namespace names
    b: str
    veth_a: str  # the veth end in a, and its peer in b
    veth_b: str
    addr_a: str  # without prefix
    addr_b: str

    @property
    def path_a(self) -> str:
        return f"/run/netns/{self.a}"

    @property
    def mac_b(self) -> str:
        """The MAC of b's end, read from the kernel: what b's ARP reply must name."""
        return link(self.b, self.veth_b)["address"]

    def ping_b(self) -> subprocess.CompletedProcess:
        """One ping from a to b's address (inside our own namespaces only)."""
        argv = ["ip", "netns", "exec", self.a, "ping", "-c1", "-W2", self.addr_b]
        return subprocess.run(argv, capture_output=True, text=True, timeout=10)

    def connect_b(self, port: int = 9) -> None:
        """One TCP connection attempt from a to b (nothing listens: SYN, then RST)."""
        code = (
            "import socket\ntry:\n"
            f"    socket.create_connection(({self.addr_b!r}, {port}), timeout=2)\n"
            "except OSError:\n    pass"
        )
        argv = ["ip", "netns", "exec", self.a, sys.executable, "-c", code]
        subprocess.run(argv, capture_output=True, text=True, timeout=10, check=True)


@pytest.fixture
def pair():
    tag = uuid.uuid4().hex[:6]
    net = random.randint(1, 254)
    p = Pair(
        a=f"nslabcap-{tag}-a",
        b=f"nslabcap-{tag}-b",
        veth_a="cap-a",
        veth_b="cap-b",
        addr_a=f"10.200.{net}.1",
        addr_b=f"10.200.{net}.2",
    )
    made: list[str] = []
    try:
        for ns in (p.a, p.b):
            ip(None, "netns", "add", ns)
            made.append(ns)
        ip(p.a, "link", "add", "name", p.veth_a, "type", "veth", "peer", "name", p.veth_b,
           "netns", p.b)  # fmt: skip
        ip(p.a, "addr", "add", f"{p.addr_a}/24", "dev", p.veth_a)
        ip(p.b, "addr", "add", f"{p.addr_b}/24", "dev", p.veth_b)
        ip(p.a, "link", "set", "dev", p.veth_a, "up")
        ip(p.b, "link", "set", "dev", p.veth_b, "up")
        yield p
    finally:
        for ns in made:  # exactly what this fixture created; the veths go with them
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)


def _gone(pid: int | None) -> bool:
    assert pid is not None
    return not os.path.exists(f"/proc/{pid}")


def test_ping_shows_arp_then_icmp_in_order(pair: Pair, recorder: str):
    with capture(pair.path_a, pair.veth_a) as cap:
        assert cap.running and cap.state == "running"
        assert _recorded_by(cap) == recorder
        assert pair.ping_b().returncode == 0
    assert not cap.running and _gone(cap.pid)
    assert cap._tmpdir is not None and not os.path.exists(cap._tmpdir)
    a, b = pair.addr_a, pair.addr_b
    # IPv6 (DAD, MLD) chatter of freshly-up links may be interleaved: look at ARP/ICMP only
    seen = [(p.src, p.dst, p.protocol, p.summary) for p in cap.packets if p.protocol != "ICMPv6"]
    assert seen == [
        (a, BROADCAST, "ARP", f"who-has {b} tell {a}"),  # asks about b, sent to every host
        (b, a, "ARP", f"{b} is-at {pair.mac_b}"),  # the answer goes to the asker
        (a, b, "ICMP", "echo request seq=1"),
        (b, a, "ICMP", "echo reply seq=1"),
    ]
    times = [p.time for p in cap.packets]
    assert times[0] == 0.0 and times == sorted(times)
    assert cap.packets[0].src_mac.count(":") == 5  # the MAC is kept, outside the summary


def test_filter_and_deterministic_outputs(pair: Pair):
    with capture(pair.path_a, pair.veth_a, filter="arp or icmp") as cap:
        assert pair.ping_b().returncode == 0
    a, b = pair.addr_a, pair.addr_b
    assert [p.summary for p in cap.packets] == [
        f"who-has {b} tell {a}",
        f"{b} is-at {pair.mac_b}",
        "echo request seq=1",
        "echo reply seq=1",
    ]
    text = repr(cap)
    assert text.splitlines()[0] == f"Capture on {pair.a}/{pair.veth_a} (stopped): 4 packets"
    # no clock times, and no MAC but the one the ARP reply carries
    assert text.split("\n", 1)[1].replace(pair.mac_b, "MAC").count(":") == 0
    # the request is sent to every host on the link, the reply to the asker
    rows = [line.split()[:4] for line in text.splitlines()[2:4]]
    assert rows == [["1", a, "broadcast", "ARP"], ["2", b, a, "ARP"]]
    dot = cap.sequence().source
    assert f'h0 [label="{a}"' in dot and f'h1 [label="{b}"' in dot and "h2 [label=broadcast" in dot
    assert f'p0_1 -> p2_1 [label="ARP who-has {b} tell {a}"]' in dot
    assert f'p0_2 -> p1_2 [label="ARP {b} is-at {pair.mac_b}" dir=back]' in dot
    assert "<td style='text-align:left'>echo reply seq=1</td>" in cap._repr_html_()


def test_start_stop_by_hand_and_a_second_capture(pair: Pair):
    cap = capture(pair.path_a, pair.veth_a, filter="icmp").start()
    assert pair.ping_b().returncode == 0
    cap.stop()
    assert cap.stop() is cap  # idempotent
    assert [p.summary for p in cap.packets] == ["echo request seq=1", "echo reply seq=1"]
    assert _gone(cap.pid)
    with pytest.raises(StepOrderError, match="already started"):
        cap.start()
    with capture(pair.path_a, pair.veth_a, filter="icmp") as again:  # a fresh one works
        assert pair.ping_b().returncode == 0
    assert len(again.packets) == 2 and again.pid != cap.pid


def test_missing_interface_is_a_clear_error_and_nothing_keeps_running(pair: Pair):
    cap = capture(pair.path_a, "cap-z")
    with pytest.raises(NotFound) as err:
        with cap:
            pytest.fail("the body must not run")
    msg = str(err.value)
    assert f"Interface 'cap-z' not found in {pair.a}." in msg
    assert "Did you mean 'cap-a'?" in msg
    assert f"ip netns exec {pair.a} ip link" in msg
    assert _gone(cap.pid)  # tcpdump was started, then reaped
    assert cap._tmpdir is not None and not os.path.exists(cap._tmpdir)
    assert not cap.running and cap.packets == []


def test_missing_namespace_starts_nothing(pair: Pair):
    cap = capture(f"/run/netns/{pair.a}-missing", pair.veth_a)
    with pytest.raises(NotFound, match=r"Network namespace '.*-missing' not found"):
        cap.start()
    assert cap.pid is None


def test_down_interface_says_to_bring_it_up(pair: Pair):
    ip(pair.a, "link", "set", "dev", pair.veth_a, "down")
    cap = capture(pair.path_a, pair.veth_a)
    with pytest.raises(StepOrderError, match=r"is down.*ip link set dev cap-a up"):
        cap.start()
    assert _gone(cap.pid)


def test_bad_filter_is_refused(pair: Pair):
    cap = capture(pair.path_a, pair.veth_a, filter="arp or or")
    with pytest.raises(InvalidFilter, match=r"tcpdump refused the filter 'arp or or'"):
        cap.start()
    assert _gone(cap.pid)


def test_unused_running_capture_is_stopped_when_collected(pair: Pair):
    import gc

    cap: Capture | None = capture(pair.path_a, pair.veth_a).start()
    assert cap is not None
    pid, tmpdir = cap.pid, cap._tmpdir
    assert not _gone(pid)
    cap = None
    gc.collect()
    assert _gone(pid) and tmpdir is not None and not os.path.exists(tmpdir)


def test_nested_syn_captures_in_two_namespaces(pair: Pair, recorder: str):
    """Notebook 05's pattern: two captures at once, a TCP-flags filter, one connection."""
    syn = "tcp[tcpflags] & tcp-syn != 0"
    path_b = f"/run/netns/{pair.b}"
    with (
        capture(pair.path_a, pair.veth_a, filter=syn) as a_side,
        capture(path_b, pair.veth_b, filter=syn) as b_side,
    ):
        assert _recorded_by(a_side) == _recorded_by(b_side) == recorder
        pair.connect_b()
    for cap in (a_side, b_side):  # the SYN only: the RST that answers it has no SYN flag
        assert [(p.src, p.dst, p.protocol) for p in cap.packets] == [
            (pair.addr_a, pair.addr_b, "TCP")
        ]
        assert cap.packets[0].summary.endswith("-> 9 [SYN]")


def test_loopback_frames_are_not_doubled(pair: Pair, recorder: str):
    ip(pair.a, "link", "set", "dev", "lo", "up")
    with capture(pair.path_a, "lo", filter="icmp") as cap:
        argv = ["ip", "netns", "exec", pair.a, "ping", "-c1", "-W2", "127.0.0.1"]
        assert subprocess.run(argv, capture_output=True, timeout=10).returncode == 0
    assert [p.summary for p in cap.packets] == ["echo request seq=1", "echo reply seq=1"]


# --- nslab._sniff by itself ----------------------------------------------------------------


def _start(argv: list[str], err: Path) -> subprocess.Popen:
    with open(err, "wb") as f:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=f, start_new_session=True)
    deadline = time.monotonic() + 10
    while "listening on" not in err.read_text():
        assert proc.poll() is None, err.read_text()
        assert time.monotonic() < deadline, err.read_text()
        time.sleep(0.01)
    return proc


def _stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGINT)  # our own child, by PID
    try:
        return proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


@pytest.mark.parametrize("recorder", ["sniff"], indirect=True)
def test_sniff_records_what_tcpdump_records(pair: Pair, tmp_path: Path):
    """_sniff and tcpdump side by side on one interface: the same frames, in the same order.
    The filter is given as several words, as tcpdump also accepts it."""
    nsenter = ["nsenter", f"--net={pair.path_a}"]
    sniff_pcap, dump_pcap = tmp_path / "sniff.pcap", tmp_path / "tcpdump.pcap"
    sniff = _start(
        [
            *nsenter,
            sys.executable,
            "-m",
            "nslab._sniff",
            pair.veth_a,
            str(sniff_pcap),
            "arp",
            "or",
            "icmp",
        ],  # fmt: skip
        tmp_path / "sniff.err",
    )
    try:
        dump = _start(
            [
                *nsenter,
                "tcpdump",
                "-i",
                pair.veth_a,
                "-U",
                "-n",
                "--immediate-mode",
                "-w",
                str(dump_pcap),
                "arp or icmp",
            ],  # fmt: skip
            tmp_path / "tcpdump.err",
        )
        try:
            assert pair.ping_b().returncode == 0
            time.sleep(0.2)
        finally:
            _stop(dump)
    finally:
        status = _stop(sniff)
    err = (tmp_path / "sniff.err").read_text()
    assert status == 0, err
    assert f"nslab._sniff: listening on {pair.veth_a}, link-type EN10MB (Ethernet)" in err
    assert err.rstrip().endswith("4 packets captured"), err
    ours, theirs = decode_pcap(sniff_pcap.read_bytes()), decode_pcap(dump_pcap.read_bytes())
    a, b = pair.addr_a, pair.addr_b
    assert [(p.src, p.dst, p.summary) for p in ours] == [
        (a, BROADCAST, f"who-has {b} tell {a}"),
        (b, a, f"{b} is-at {pair.mac_b}"),
        (a, b, "echo request seq=1"),
        (b, a, "echo reply seq=1"),
    ]
    same = [(p.src, p.dst, p.summary, p.length, p.src_mac, p.dst_mac) for p in ours]
    assert same == [(p.src, p.dst, p.summary, p.length, p.src_mac, p.dst_mac) for p in theirs]
    times = [p.time for p in ours]
    assert times == sorted(times) and times[-1] < 2  # kernel timestamps, not garbage


@pytest.mark.parametrize("recorder", ["sniff"], indirect=True)
def test_sniff_stops_on_sigterm_and_keeps_a_valid_file(pair: Pair, tmp_path: Path):
    out = tmp_path / "x.pcap"
    proc = _start(
        [
            "nsenter",
            f"--net={pair.path_a}",
            sys.executable,
            "-m",
            "nslab._sniff",
            pair.veth_a,
            str(out),
            "icmp",
        ],  # fmt: skip
        tmp_path / "err",
    )
    assert pair.ping_b().returncode == 0
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=5) == 0
    assert [p.summary for p in decode_pcap(out.read_bytes())] == [
        "echo request seq=1",
        "echo reply seq=1",
    ]


# --- the rootless sandbox: tcpdump cannot run there, captures still work ---------------------

SANDBOX_SCRIPT = textwrap.dedent(
    r"""
    import json, subprocess, sys
    from nslab import Lab, capture as capture_mod

    out = {"predicted": capture_mod.tcpdump_cannot_drop_privileges()}
    lab = Lab()
    try:
        lab.add_netns("test1"); lab.add_netns("test2")
        lab.add_veth("veth-test1", "veth-test2")
        lab.move("veth-test1", "test1"); lab.move("veth-test2", "test2")
        lab.add_addr("test1", "veth-test1", "192.168.1.1/24")
        lab.add_addr("test2", "veth-test2", "192.168.1.2/24")
        lab.set_up("test1", "veth-test1"); lab.set_up("test2", "veth-test2")
        # notebook 03
        with lab.capture("test1", "veth-test1", filter="arp or icmp") as cap:
            lab.ping("test1", "192.168.1.2", count=1)
        out["nb03"] = {"argv": cap.argv, "summaries": [p.summary for p in cap.packets],
                       "mac": lab.snapshot().link("test2", "veth-test2").mac}
        # notebook 05: nested captures in two namespaces, a TCP-flags filter
        syn = "tcp[tcpflags] & tcp-syn != 0"
        code = ("import socket\ntry: socket.create_connection(('192.168.1.2', 9), timeout=2)\n"
                "except OSError: pass")
        with lab.capture("test1", "veth-test1", filter=syn) as a, \
                lab.capture("test2", "veth-test2", filter=syn) as b:
            subprocess.run(["nsenter", "--net=/run/netns/test1", sys.executable, "-c", code],
                           check=True)
        out["nb05"] = [[p.summary for p in c.packets] for c in (a, b)]
        # a wrong prediction: tcpdump is tried, fails to drop privileges, _sniff takes over
        capture_mod.tcpdump_cannot_drop_privileges = lambda: False
        with lab.capture("test1", "veth-test1", filter="icmp") as cap:
            lab.ping("test1", "192.168.1.2", count=1)
        out["retry"] = {"argv": cap.argv, "summaries": [p.summary for p in cap.packets]}
    finally:
        lab.reset()
    print("RESULT", json.dumps(out))
    """
)


@pytest.mark.parametrize("recorder", ["sniff"], indirect=True)  # the sandbox decides: once
def test_capture_in_rootless_sandbox(sandbox_user, sandbox_venv):
    """As an unprivileged user in `unshare -Urnm` (the sandbox kernel's namespaces), with the
    sandbox venv (tests/sandboxing.py): notebook 03's and 05's captures work, through _sniff."""
    import tests.sandboxing as sb

    user, py = sandbox_user, sandbox_venv / "bin" / "python"
    workdir = Path(tempfile.mkdtemp(prefix="nslab-capture-test-", dir="/var/tmp"))
    try:
        script = workdir / "sandbox_capture.py"
        script.write_text(SANDBOX_SCRIPT)
        os.chown(workdir, user.pw_uid, user.pw_gid)
        os.chown(script, user.pw_uid, user.pw_gid)
        inner = f"mount -t tmpfs tmpfs /run && mkdir -p /run/netns && exec {py} {script}"
        before = sb.host_network_state()
        r = sb.as_user(user, sb.VENV, ["unshare", "-Urnm", "sh", "-c", inner], timeout=120)
        sb.assert_host_untouched(before, sb.host_network_state())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout.split("RESULT ", 1)[1])
    assert out["predicted"] is True  # uid 0 only mapped, setgroups denied
    assert _by_sniff(out["nb03"]["argv"])
    assert out["nb03"]["summaries"] == [
        "who-has 192.168.1.2 tell 192.168.1.1",
        f"192.168.1.2 is-at {out['nb03']['mac']}",
        "echo request seq=1",
        "echo reply seq=1",
    ]
    for summaries in out["nb05"]:
        assert len(summaries) == 1 and summaries[0].endswith("-> 9 [SYN]"), out["nb05"]
    assert _by_sniff(out["retry"]["argv"])
    assert out["retry"]["summaries"] == ["echo request seq=1", "echo reply seq=1"]


# --- waiting under load: for the event, never a fixed wall clock ---------------------------


@contextlib.contextmanager
def cpu_hogs(n: int) -> Iterator[list[int]]:
    """N busy-looping processes (this test's own children), ended by their PIDs afterwards."""
    procs: list[subprocess.Popen] = []
    try:
        for _ in range(n):
            procs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))
        yield [p.pid for p in procs]
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def test_capture_under_cpu_load_waits_for_listening(pair: Pair, recorder: str):
    """Four busy processes per CPU (thirty students starting on two cores): the capture
    starts (it waits for "listening on", stretched by the load), records the whole ping,
    and settles on the recorder's own state, not on a 50 ms guess."""
    from nslab._wait import load_factor

    hogs = 4 * (os.cpu_count() or 1)
    with cpu_hogs(hogs) as pids:
        while load_factor() < 2:  # the hogs are running: the machine is loaded now
            time.sleep(0.05)
        for _ in range(3):
            # Forget both sides' neighbours, so this ping ARPs again: b learnt a from the last
            # ARP request, and its delayed probe (delay_first_probe_time, 5 s, which the load
            # can reach) would otherwise teach a about b before this ping.
            for ns, dev in ((pair.a, pair.veth_a), (pair.b, pair.veth_b)):
                ip(ns, "neigh", "flush", "dev", dev)
            t0 = time.monotonic()
            with capture(pair.path_a, pair.veth_a, filter="arp or icmp") as cap:
                listening = time.monotonic() - t0
                assert pair.ping_b().returncode == 0
            assert [p.summary for p in cap.packets] == [
                f"who-has {pair.addr_b} tell {pair.addr_a}",
                f"{pair.addr_b} is-at {pair.mac_b}",
                "echo request seq=1",
                "echo reply seq=1",
            ], (listening, cap.packets)
            assert _gone(cap.pid)
        assert all(os.path.exists(f"/proc/{pid}") for pid in pids)  # still loading
    assert all(not os.path.exists(f"/proc/{pid}") or _zombie_or_gone(pid) for pid in pids)


def _zombie_or_gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_recorder_that_never_listens_is_stopped_with_what_it_waited_for(
    pair: Pair, tmp_path: Path, monkeypatch
):
    """A recorder that never says "listening on": the error names the interface, what nslab
    waited for and how long under what load, and what the recorder said; it is stopped."""
    fake = tmp_path / "tcpdump"
    fake.write_text("#!/bin/sh\necho 'tcpdump: warming up' >&2\nexec sleep 600\n")
    fake.chmod(0o755)
    monkeypatch.setattr(capture_mod, "tcpdump_cannot_drop_privileges", lambda: False)
    monkeypatch.setattr(capture_mod._tools, "find", lambda name: str(fake)
                        if name == "tcpdump" else shutil.which(name))
    cap = capture(pair.path_a, pair.veth_a, timeout=0.3)
    t0 = time.monotonic()
    with pytest.raises(KernelError) as err:
        cap.start()
    took = time.monotonic() - t0
    msg = str(err.value)
    assert f"tcpdump did not start listening on {pair.a}/{pair.veth_a}" in msg
    assert '"listening on" line' in msg and "load" in msg and "per CPU" in msg
    assert "it said: tcpdump: warming up" in msg and "timeout=" in msg
    assert took >= 0.3
    assert _gone(cap.pid) and not cap.running
    assert cap._tmpdir is not None and not os.path.exists(cap._tmpdir)


def test_the_recorder_is_asleep_when_it_has_nothing_to_write(recorder: str):
    """What `_settle` reads: a process waiting in select() is asleep (S), a busy one is not."""
    asleep = subprocess.Popen([sys.executable, "-c", "import select; select.select([], [], [])"])
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        deadline = time.monotonic() + 60
        while not capture_mod._asleep(asleep.pid):  # once its interpreter has started
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert not any(capture_mod._asleep(busy.pid) for _ in range(20))
    finally:
        for p in (asleep, busy):
            p.kill()
            p.wait()
    assert not capture_mod._asleep(asleep.pid)  # gone: not asleep


@pytest.mark.parametrize("recorder", ["tcpdump"], indirect=True)
def test_a_failed_capture_fails_its_notebook_cell(pair: Pair, tmp_path: Path):
    """In a notebook, a capture that cannot start is an error output (friendly: the message,
    no library frames), so nbclient (and nbval, nbgrader, the hub) see the cell fail."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import nslab\nfrom nslab.capture import capture"),
        nbformat.v4.new_code_cell(f"cap = capture({pair.path_a!r}, 'cap-z').start()"),
        nbformat.v4.new_code_cell("print('never runs')"),
    ]
    client = NotebookClient(nb, kernel_name="python3", timeout=600, resources={
        "metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError) as err:
        client.execute()
    assert "NotFound" in str(err.value)
    outputs = nb.cells[1].outputs
    assert [o.output_type for o in outputs] == ["error"], outputs
    assert outputs[0].ename == "NotFound"
    assert outputs[0].traceback == [
        f"NotFound: {outputs[0].evalue}"
    ], outputs[0].traceback  # one friendly line, no frames
    assert "Interface 'cap-z' not found" in outputs[0].evalue
    assert nb.cells[2].outputs == []
