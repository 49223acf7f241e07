"""A throw-away Slurm cluster on this machine, for tests/classroom/test_slurm.py.

Every "machine" is a network namespace the test makes (its own hostname too: each daemon
runs in a UTS namespace of its own), joined by a bridge in another namespace the test
makes; the host's namespace gets nothing. The controller namespace holds slurmctld (and
the hub); each compute node one `slurmd -N NAME`. One munged with a key made here serves
them all (a Unix socket under the cluster's temp dir). deploy/slurm/slurm.conf is filled in
with the temp dir's paths and the nodes' addresses, and named by SLURM_CONF: nothing in
/etc/slurm, /etc/munge or systemd is read or changed.

Everything is removed whatever happens: daemons and what runs in the namespaces by PID,
namespaces by their exact names, the temp dir.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import string
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from tests.sandboxing import REPO, run

SLURM_CONF = REPO / "deploy" / "slurm" / "slurm.conf"
NET = "198.51.100"  # TEST-NET-2 (RFC 5737): used only inside the test's namespaces
CONTROLLER = "slurmhead"
CONTROLLER_ADDR = f"{NET}.1"
SLURMD_TIMEOUT = 15  # seconds without an answer before slurmctld declares a node DOWN
CLONE_NEWNET = 0x40000000
T = TypeVar("T")


def trace(stage: str, **made: Any) -> None:
    """With NSLAB_SLURM_TRACE=FILE, append one JSON line per stage reached, with what exists
    by then (test_slurm_interrupt.py interrupts the run at a stage and checks it all went)."""
    path = os.environ.get("NSLAB_SLURM_TRACE")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"stage": stage, **made}) + "\n")


def netns_inode(name: str) -> int:
    return os.stat(f"/run/netns/{name}").st_ino


def pids_in(inodes: set[int]) -> list[int]:
    """Every process whose network namespace is one of INODES (ours: nothing else runs
    in the namespaces this test made)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}/ns/net").st_ino in inodes:
                    pids.append(int(entry))
    return pids


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 120,
             log: Callable[[], str] = lambda: "") -> T:
    """Poll CHECK until it returns something truthy; fail naming WHAT (and the log)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout:.0f} s\n{log()}")
        time.sleep(0.2)


class Cluster:
    """The cluster's namespaces, daemons and files (see the module docstring)."""

    def __init__(self, nodes: int = 3) -> None:
        tag = uuid.uuid4().hex[:6]
        self.tmp = Path(tempfile.mkdtemp(prefix="nslab-slurm-", dir="/var/tmp"))
        os.chmod(self.tmp, 0o755)  # students' sbatch/squeue reach the munge socket through it
        self.bridge_ns = f"nslabsl-{tag}-br"
        self.head_ns = f"nslabsl-{tag}-head"
        self.nodes = {f"node{i}": (f"nslabsl-{tag}-n{i}", f"{NET}.{10 + i}")
                      for i in range(1, nodes + 1)}
        self.made_ns: list[str] = []
        self.daemons: dict[str, subprocess.Popen[bytes]] = {}
        self.conf = self.tmp / "slurm.conf"
        self.env = {"SLURM_CONF": str(self.conf)}
        self._client: ThreadPoolExecutor | None = None

    # ------------------------------------------------------------------ network
    def _ip(self, *args: str) -> None:
        r = run(["ip", *args])
        assert r.returncode == 0, f"ip {' '.join(args)}: {r.stderr}"

    def _add_ns(self, name: str) -> None:
        self._ip("netns", "add", name)
        self.made_ns.append(name)
        self._ip("-n", name, "link", "set", "lo", "up")

    def make_network(self) -> None:
        """A bridge in its own namespace; the controller and each node plugged into it
        by a veth made in place (both ends created in their namespaces)."""
        self._add_ns(self.bridge_ns)
        self._ip("-n", self.bridge_ns, "link", "add", "name", "br0", "type", "bridge")
        self._ip("-n", self.bridge_ns, "link", "set", "br0", "up")
        members = {"head": (self.head_ns, CONTROLLER_ADDR)} | self.nodes
        for short, (ns, addr) in members.items():
            self._add_ns(ns)
            self._ip("-n", self.bridge_ns, "link", "add", "name", f"p-{short}", "type", "veth",
                     "peer", "name", "eth0", "netns", ns)
            self._ip("-n", self.bridge_ns, "link", "set", f"p-{short}", "master", "br0", "up")
            self._ip("-n", ns, "addr", "add", f"{addr}/24", "dev", "eth0")
            self._ip("-n", ns, "link", "set", "eth0", "up")

    # ------------------------------------------------------------------ daemons
    def _start(self, name: str, ns: str, hostname: str, argv: list[str],
               env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """ARGV in network namespace NS with a hostname of its own. `nsenter`, `unshare` and
        `sh` exec each other, so the Popen's PID is the daemon's. (Not `ip netns exec`: its
        fresh /sys hides /sys/fs/cgroup, and slurmd 22.05 refuses to start without it; with
        proctrack/linuxproc and task/none it only reads it.)"""
        log = open(self.tmp / f"{name}.out", "wb")  # noqa: SIM115 - the daemon keeps it
        proc = subprocess.Popen(
            ["nsenter", f"--net=/run/netns/{ns}", "unshare", "--uts", "sh", "-c",
             'hostname "$0" && exec "$@"', hostname, *argv],
            env=os.environ | self.env | (env or {}), stdout=log, stderr=subprocess.STDOUT,
            cwd=str(self.tmp))
        log.close()
        self.daemons[name] = proc
        return proc

    def log(self, name: str) -> str:
        out = ""
        for path in (self.tmp / f"{name}.out", self.tmp / f"{name}.log"):
            if path.exists():
                out += f"--- {path.name}\n" + path.read_text(errors="replace")[-4000:]
        return out

    def start_munge(self) -> None:
        """munged with a fresh key, socket, PID, seed and log in the temp dir."""
        munge = self.tmp / "munge"
        munge.mkdir(mode=0o755)
        key = munge / "munge.key"
        key.touch(mode=0o600)
        key.write_bytes(secrets.token_bytes(128))
        self.socket = munge / "munge.socket"
        proc = subprocess.Popen(
            ["munged", "--foreground", "--force", f"--key-file={key}",
             f"--socket={self.socket}", f"--pid-file={munge / 'munged.pid'}",
             f"--seed-file={munge / 'munged.seed'}", f"--log-file={self.tmp / 'munged.log'}"],
            stdout=subprocess.DEVNULL, stderr=open(self.tmp / "munged.out", "wb"))  # noqa: SIM115
        self.daemons["munged"] = proc
        wait_for("munged's socket", lambda: self.socket.exists() or proc.poll() is not None,
                 log=lambda: self.log("munged"))
        assert proc.poll() is None, self.log("munged")

    def write_conf(self) -> None:
        nodes = "\n".join(
            f"NodeName={name} NodeAddr={addr} NodeHostname={name} CPUs=1 RealMemory=1024"
            for name, (_, addr) in self.nodes.items())
        text = string.Template(SLURM_CONF.read_text()).substitute(
            CONTROLLER=CONTROLLER, CONTROLLER_ADDR=CONTROLLER_ADDR, MUNGE_SOCKET=self.socket,
            STATE=self.tmp, SLURMD_TIMEOUT=SLURMD_TIMEOUT, NODES=nodes)
        self.conf.write_text(text)
        for sub in ("ctld", "spool", *(f"spool/{n}" for n in self.nodes)):
            (self.tmp / sub).mkdir(mode=0o755)

    def start_slurm(self) -> None:
        self._start("slurmctld", self.head_ns, CONTROLLER, ["slurmctld", "-D", "-i"])
        wait_for("slurmctld to answer", lambda: self.scontrol("ping").returncode == 0
                 and "is UP" in self.scontrol("ping").stdout, log=lambda: self.log("slurmctld"))
        self.trace("slurmctld")
        for name, (ns, _) in self.nodes.items():
            self._start(name, ns, name, ["slurmd", "-D", "-N", name])
        self.trace("slurmd")  # started, not yet registered: the middle of the setup
        wait_for("every node to be idle", lambda: all(
            s.startswith("idle") for s in self.node_states().values()),
            log=lambda: self.log("slurmctld") + "".join(self.log(n) for n in self.nodes))

    def trace(self, stage: str) -> None:
        """What the cluster made so far (see trace())."""
        inodes = []
        for ns in self.made_ns:
            with contextlib.suppress(OSError):
                inodes.append(netns_inode(ns))
        trace(stage, namespaces=self.made_ns, netns_inodes=inodes, tmp=str(self.tmp),
              daemons={name: p.pid for name, p in self.daemons.items()})

    # ------------------------------------------------------------------ queries
    def in_head(self, argv: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        """A Slurm client command where the hub runs (the controller's namespace)."""
        return run(["nsenter", f"--net=/run/netns/{self.head_ns}", *argv],
                   env=os.environ | self.env, **kw)

    def scontrol(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.in_head(["scontrol", *args], timeout=60)

    def node_states(self) -> dict[str, str]:
        """node -> its state as sinfo prints it (idle, alloc, down*, ...)."""
        r = self.in_head(["sinfo", "-h", "-N", "-o", "%N %t"], timeout=60)
        return dict(line.split() for line in r.stdout.splitlines() if line.strip())

    def jobs_of(self, user: str) -> list[tuple[str, str, str]]:
        """(job id, state, node) of USER's jobs that squeue still lists."""
        r = self.in_head(["squeue", "-h", "-u", user, "-o", "%i %T %N"], timeout=60)
        return [tuple(line.split()) + ("",) * (3 - len(line.split()))  # type: ignore[misc]
                for line in r.stdout.splitlines() if line.strip()]

    # ------------------------------------------------------------------ client
    def client(self) -> ThreadPoolExecutor:
        """A thread that lives in the controller's network namespace (setns affects only
        the calling thread): the test's HTTP and websocket clients run there."""
        if self._client is None:
            fd = os.open(f"/run/netns/{self.head_ns}", os.O_RDONLY)
            libc = ctypes.CDLL(None, use_errno=True)

            def enter() -> None:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns into the controller namespace")

            self._client = ThreadPoolExecutor(1, initializer=enter)
            self._client.submit(lambda: None).result()
            os.close(fd)
        return self._client

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        return self.client().submit(fn, *args).result()

    # ------------------------------------------------------------------ node failure
    def fail_node(self, name: str) -> list[int]:
        """The node dies: its slurmd first (by PID), then everything still running in its
        namespace (the job's slurmstepd and the student's server), by PID."""
        slurmd = self.daemons[name]
        slurmd.kill()
        slurmd.wait()
        ns = self.nodes[name][0]
        return self._kill_in({netns_inode(ns)})

    @staticmethod
    def _kill_in(inodes: set[int]) -> list[int]:
        killed: list[int] = []
        deadline = time.monotonic() + 30
        while pids := pids_in(inodes):
            assert time.monotonic() < deadline, f"still running in the namespaces: {pids}"
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            time.sleep(0.1)
        return killed

    # ------------------------------------------------------------------ teardown
    def close(self) -> None:
        """Everything goes, in an order where nothing restarts what was just stopped."""
        errors = []
        if self._client is not None:
            self._client.shutdown(wait=False, cancel_futures=True)
        for proc in reversed(self.daemons.values()):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        inodes = set()
        for ns in self.made_ns:
            with contextlib.suppress(OSError):
                inodes.add(netns_inode(ns))
        try:
            self._kill_in(inodes)  # jobs' slurmstepd and servers left on the nodes
        except AssertionError as e:
            errors.append(str(e))
        for ns in reversed(self.made_ns):  # by exact name, only the ones made here
            r = run(["ip", "netns", "delete", ns])
            if r.returncode:
                errors.append(f"ip netns delete {ns}: {r.stderr}")
        shutil.rmtree(self.tmp, ignore_errors=True)
        assert not errors, errors


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def slurm_cluster(nodes: int = 3) -> Iterator[Cluster]:
    """The cluster, removed on the way out, on Ctrl-C and on SIGTERM (a CI timeout) too."""
    cluster = Cluster(nodes)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        cluster.make_network()
        cluster.trace("network")
        cluster.start_munge()
        cluster.write_conf()
        cluster.start_slurm()
        cluster.trace("cluster")
        yield cluster
    finally:
        try:
            cluster.close()
        finally:
            signal.signal(signal.SIGTERM, previous)
