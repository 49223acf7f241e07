"""`docker run` without Docker: a real process in its own unnamed network namespace.

Most classrooms have no Docker engine inside JupyterLab, so `lab.run_container`
builds what Docker's default bridge network builds, for real:

    docker-host namespace (a lab namespace, never the real host)
      docker0 bridge 172.17.0.1/16
        veth-NAME  <-- veth -->  eth0 172.17.0.N/16 in the container's namespace

The container is a long-running process (`sh -c 'while true; do sleep 3600; done'`,
like the article's busybox) started with `unshare --net --uts`. Its namespace has
no name, so `ip netns list` does not show it (step S7); `lab.reveal(name)` names it,
as `ip netns attach` does.

The transcript writes what the emulation really runs, under a `# docker run ...` heading:
the process started with `setsid unshare ... &`, its PID kept in the script's bash array
`PID[NAME]`, `ip link add ... peer name eth0 netns "${PID[NAME]}"`, commands inside as
`nsenter -t "${PID[NAME]}" -n -- ...` (Verbs._say rewrites the `@NAME` key), and
`kill -KILL -- -"${PID[NAME]}"` for `docker rm -f`.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from . import _tools, names, verbspec
from ._kernel import children, in_ns, netns_path, q
from ._record import recorded
from ._verbs import PIDS, ExecResult, Verbs, pid_var
from ._wait import Patience
from .errors import AlreadyExists, KernelError, NotFound, PrivilegeError, privilege_fixes
from .journal import process_start
from .messages import say
from .snapshot import NsKey

DOCKER_HOST = "docker-host"
BRIDGE = "docker0"
SUBNET = ipaddress.ip_network("172.17.0.0/16")
GATEWAY = "172.17.0.1"
LOOP = "while true; do sleep 3600; done"


@dataclass(frozen=True)
class Container:
    """An emulated container: its name, process, address and namespace key ("@name")."""

    name: str
    pid: int
    ip: str
    key: str

    def __str__(self) -> str:
        return say("container.str", name=self.name, ip=self.ip, key=self.key)

    def _repr_pretty_(self, p, cycle: bool) -> None:  # no PID: outputs stay deterministic
        p.text(str(self))


class ContainerVerbs(Verbs):
    """docker run / rm / exec / ps / network inspect, emulated with real namespaces.

    Its parts are other verbs of Lab, declared in `PARTS` (each one declared in
    nslab.verbspec; tests/unit/test_verbspec.py checks that these are all it calls)."""

    PARTS = ("add_netns", "add_veth", "add_addr", "set_up", "add_bridge", "set_master",
             "add_route")

    @recorded
    def run_container(self, name: str, *, image: str = "busybox") -> Container:
        """docker run -d --name NAME busybox /bin/sh -c "while true; do sleep 3600; done" """
        names.check_netns_name(name)
        if len(f"veth-{name}".encode()) > 15:
            raise names.InvalidName(say("container.name_too_long", name=name,
                                        ifname=f"veth-{name}"))
        k = self.kernel
        if k.journal.find("process", name):
            fix = verbspec.fix("stop_container", name)
            raise AlreadyExists(say("container.running", name=name, call=fix["fix_call"]),
                                obj=name, **fix)
        start = len(self.transcript)
        self._say(f"# docker run -d --name {q(name)} {image} /bin/sh -c {LOOP!r}")
        made = start + 1
        try:
            with self._parts(transcribed=True):  # the script runs the same parts
                try:
                    self._ensure_docker_host()
                finally:
                    made = len(self.transcript)  # what docker-host got stays, even on failure
                pid, address = self._start_container(name, image)
        except BaseException:
            self.transcript.truncate(made if made > start + 1 else start)
            raise
        return Container(name, pid, address, f"@{name}")

    def _start_container(self, name: str, image: str) -> tuple[int, str]:
        """The container's process, its veth to docker0, address and route (run_container's
        parts after docker-host); stops it again if a part fails. Its PID and address."""
        k = self.kernel
        address = self._next_container_ip()
        entry = k.journal.add("process", name, ip=address, image=image)
        try:
            pid = _start_process(name)
        except BaseException:
            k.journal.remove(entry)
            raise
        k.journal.update(entry, pid=pid, start=process_start(pid))
        self._say_started(name)
        key = f"@{name}"
        try:
            self._no_ipv6(key)  # like Docker on a network without IPv6
            self.add_veth(f"veth-{name}", "eth0", ns=DOCKER_HOST, peer_ns=key)
            self.set_master(DOCKER_HOST, f"veth-{name}", BRIDGE)
            self.set_up(DOCKER_HOST, f"veth-{name}")
            self.set_up(key, "lo")
            self.add_addr(key, "eth0", f"{address}/{SUBNET.prefixlen}")
            self.set_up(key, "eth0")
            self.add_route(key, "default", via=GATEWAY)
        except BaseException:
            self.stop_container(name)
            raise
        return pid, address

    @recorded
    def stop_container(self, name: str) -> None:
        """docker rm -f NAME: end its process; its namespace and veth go with it.

        Waits (usually milliseconds, at most 5 s) until the kernel has removed them, so
        the next snapshot shows the settled state, as Docker's would."""
        k = self.kernel
        entry = k.journal.find("process", name)
        if entry is None:
            k.container_path(name)  # raises NotFound, with a hint
        path = f"/proc/{entry['pid']}/ns/net"  # type: ignore[index]
        going = k.outside_peers(f"@{name}")
        self._say(f"# docker rm -f {q(name)}")
        # the whole session (the shell and its sleep), as the lab ends it; then the
        # script waits, as the lab does, until the kernel took the veth peers along
        self._say(f"kill -KILL -- -{pid_var(name)}")
        self._say(f"wait {pid_var(name)} || true")
        for where, ifname in going:
            key = _named_key(where)
            if key != "":
                self._say(f"while {in_ns(key, f'ip link show dev {q(ifname)}')} >/dev/null"
                          " 2>&1; do sleep 0.01; done")
        k.remove(entry)  # type: ignore[arg-type]
        k.forget_links_in(f"@{name}")
        gone = k.journal.find("link", f"veth-{name}", ns=DOCKER_HOST)
        if gone:
            k.journal.remove(gone)
        k.wait_removed(path, going)

    def containers(self) -> list[Container]:
        """The containers of this lab that are running, like `docker ps`."""
        return [
            Container(e["name"], e["pid"], e["ip"], f"@{e['name']}")
            for e in self.kernel.journal.of_kind("process")
            if e.get("start") and process_start(e["pid"]) == e["start"]
        ]

    def container_exec(
        self, name: str, command: str | Sequence[str], *, timeout: float = 30
    ) -> ExecResult:
        """docker exec NAME COMMAND: run a real command inside the container."""
        path = self.kernel.container_path(name)
        pid = path.split("/")[2]
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        self.kernel.nl.settle(path)  # so `ip a` shows the states the kernel settles on
        proc = subprocess.run(
            [_tools.tool("nsenter"), "-t", pid, "-n", "-u", "--", *argv],
            capture_output=True, text=True, timeout=timeout,
        )
        shown = command if isinstance(command, str) else shlex.join(argv)
        return ExecResult(f"docker exec {name} {shown}", proc.returncode, proc.stdout, proc.stderr)

    def network_inspect(self) -> list[dict]:
        """What `docker network inspect bridge` would show for the lab's docker0."""
        snap = self.kernel.snapshot()
        containers = {}
        for c in self.containers():
            eth0 = snap.link(c.key, "eth0")
            containers[c.name] = {
                "Name": c.name,
                "MacAddress": eth0.mac if eth0 else "",
                "IPv4Address": f"{c.ip}/{SUBNET.prefixlen}",
                "IPv6Address": "",
            }
        return [{
            "Name": "bridge",
            "Driver": "bridge",
            "IPAM": {"Driver": "default", "Config": [{"Subnet": str(SUBNET), "Gateway": GATEWAY}]},
            "Containers": containers,
            "Options": {"com.docker.network.bridge.name": BRIDGE},
        }]

    @recorded
    def reveal(self, name: str, *, as_name: str | None = None) -> str:
        """ip netns attach NAME PID: make a container's hidden namespace visible by name."""
        k = self.kernel
        as_name = as_name or name
        names.check_netns_name(as_name)
        path = k.container_path(name)
        if os.path.exists(netns_path(as_name)):
            raise AlreadyExists(say("container.reveal_taken", name=as_name,
                                    call=f"lab.reveal({name!r}, as_name='{name}-c')"))
        entry = k.journal.add("netns", as_name)
        try:
            k.nl.attach_netns(as_name, path)
        except BaseException:
            k.journal.remove(entry)
            raise
        k.journal.update(entry, inode=os.stat(netns_path(as_name)).st_ino)
        self._say(f"ip netns attach {q(as_name)} {pid_var(name)}")
        return as_name

    # -- helpers --------------------------------------------------------------------
    def _say_started(self, name: str) -> None:
        """The script's way of starting the container: its process in the background,
        its PID kept in ${PID[NAME]}, then wait until it has its own namespace."""
        self._say(shlex.join(["setsid", *_container_argv(name)])
                  + " </dev/null >/dev/null 2>&1 &")
        self._say(f"{PIDS}[{shlex.quote(name)}]=$!")
        mine = '"$(readlink /proc/$$/ns/net)"'
        theirs = f'"$(readlink /proc/{pid_var(name)}/ns/net)"'
        self._say(f"until [ {theirs} != {mine} ]; do sleep 0.01; done")

    def _ensure_docker_host(self) -> None:
        """The docker-host namespace with docker0, once per lab."""
        if self.kernel.journal.find("netns", DOCKER_HOST):
            return
        self.add_netns(DOCKER_HOST)  # AlreadyExists if someone else has that name
        self._no_ipv6(DOCKER_HOST)
        self.set_up(DOCKER_HOST, "lo")
        self.add_bridge(DOCKER_HOST, BRIDGE)
        self.add_addr(DOCKER_HOST, BRIDGE, f"{GATEWAY}/{SUBNET.prefixlen}")
        self.set_up(DOCKER_HOST, BRIDGE)

    def _no_ipv6(self, ns: str) -> None:
        """Turn IPv6 off in a namespace, so only the lab's own traffic crosses docker0
        (no router solicitations or duplicate-address probes in captures and MAC tables)."""
        k = self.kernel
        for scope in ("default", "all"):
            k.nl.sysctl(k.path(ns), f"net/ipv6/conf/{scope}/disable_ipv6", "1")
        self._say(in_ns(ns, "sysctl -qw net.ipv6.conf.default.disable_ipv6=1"
                            " net.ipv6.conf.all.disable_ipv6=1"))

    def _next_container_ip(self) -> str:
        """172.17.0.2, .3, ...: the lowest free address, like Docker's IPAM."""
        used = {e.get("ip") for e in self.kernel.journal.of_kind("process")}
        for host in SUBNET.hosts():
            if str(host) != GATEWAY and str(host) not in used:
                return str(host)
        raise KernelError(say("container.no_address", subnet=str(SUBNET)))


def _named_key(path: str | None) -> NsKey | str:
    """The namespace key of a path the script can name (None: the host), else ""."""
    if path is None:
        return None
    name = os.path.basename(path)
    return name if netns_path(name) == path else ""


def _container_argv(name: str) -> list[str]:
    """The container's process: a shell in new net+uts namespaces, named NAME."""
    return ["unshare", "--net", "--uts", "--", "sh", "-c", f"hostname {shlex.quote(name)}; {LOOP}"]


def _start_process(name: str) -> int:
    """Start the container's process in new net+uts namespaces; return its PID."""
    try:
        proc = subprocess.Popen(
            _container_argv(name),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise NotFound(say("container.no_unshare")) from None
    mine = os.stat("/proc/self/ns/net").st_ino
    patience = Patience(5)  # on an idle machine; stretched by the load
    while not patience.expired():
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            if "Operation not permitted" in err:
                raise PrivilegeError(
                    say("container.unshare_refused", name=name, fix=privilege_fixes())
                )
            raise KernelError(say("container.exited", name=name, error=err.strip()))
        try:
            if os.stat(f"/proc/{proc.pid}/ns/net").st_ino != mine:
                proc.stderr.close()  # type: ignore[union-attr]
                children[proc.pid] = proc
                return proc.pid
        except FileNotFoundError:
            pass
        patience.pause()
    os.kill(proc.pid, 9)
    proc.wait()
    raise KernelError(say("container.no_namespace", name=name))
