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
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import names
from ._netlink import netns_path
from ._record import recorded
from .errors import AlreadyExists, KernelError, NotFound, PrivilegeError, did_you_mean
from .journal import process_start

if TYPE_CHECKING:
    from .lab import ExecResult, Lab

DOCKER_HOST = "docker-host"
BRIDGE = "docker0"
SUBNET = ipaddress.ip_network("172.17.0.0/16")
GATEWAY = "172.17.0.1"
LOOP = "while true; do sleep 3600; done"
_children: dict[int, subprocess.Popen] = {}  # keep Popen objects, so no ResourceWarning


@dataclass(frozen=True)
class Container:
    """An emulated container: its name, process, address and namespace key ("@name")."""

    name: str
    pid: int
    ip: str
    key: str

    def __str__(self) -> str:
        return f"container {self.name}: {self.ip} (namespace {self.key}, hidden)"

    def _repr_pretty_(self, p, cycle: bool) -> None:  # no PID: outputs stay deterministic
        p.text(str(self))


class ContainerVerbs:
    """The container verbs of Lab (mixed into it)."""

    @recorded
    def run_container(self: Lab, name: str, *, image: str = "busybox") -> Container:
        """docker run -d --name NAME busybox /bin/sh -c "while true; do sleep 3600; done" """
        names.check_netns_name(name)
        if len(f"veth-{name}".encode()) > 15:
            raise names.InvalidName(
                f"Container name {name!r} is too long: its host-side interface "
                f"'veth-{name}' would exceed 15 bytes. Use at most 10 characters."
            )
        if self._journal.find("process", name):
            raise AlreadyExists(
                f"Container {name!r} is already running in this lab. Use it, stop it with "
                f"lab.stop_container({name!r}), or pick another name."
            )
        with self._parts():
            self._ensure_docker_host()
            address = self._next_container_ip()
            entry = self._journal.add("process", name, ip=address, image=image)
            try:
                pid = _start_process(name)
            except BaseException:
                self._journal.remove(entry)
                raise
            self._journal.update(entry, pid=pid, start=process_start(pid))
            key = f"@{name}"
            try:
                _no_ipv6(self, key)  # like Docker on a network without IPv6
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
        self._say(f"# docker run -d --name {shlex.quote(name)} {image} /bin/sh -c {LOOP!r}")
        return Container(name, pid, address, key)

    @recorded
    def stop_container(self: Lab, name: str) -> None:
        """docker rm -f NAME: end its process; its namespace and veth go with it."""
        from .lab import _remove_entry

        entry = self._journal.find("process", name)
        if entry is None:
            known = [e["name"] for e in self._journal.of_kind("process")]
            raise NotFound(
                f"Container {name!r} is not running in this lab."
                f"{did_you_mean(name, known)} Start it with lab.run_container({name!r})."
            )
        _remove_entry(self._nl, entry)
        self._journal.remove(entry)
        for link in [e for e in self._journal.of_kind("link") if e.get("ns") == f"@{name}"]:
            self._journal.remove(link)
        gone = self._journal.find("link", f"veth-{name}", ns=DOCKER_HOST)
        if gone:
            self._journal.remove(gone)
        self._say(f"# docker rm -f {shlex.quote(name)}")

    def containers(self: Lab) -> list[Container]:
        """The containers of this lab that are running, like `docker ps`."""
        return [
            Container(e["name"], e["pid"], e["ip"], f"@{e['name']}")
            for e in self._journal.of_kind("process")
            if e.get("start") and process_start(e["pid"]) == e["start"]
        ]

    def container_exec(
        self: Lab, name: str, command: str | Sequence[str], *, timeout: float = 30
    ) -> ExecResult:
        """docker exec NAME COMMAND: run a real command inside the container."""
        from .lab import ExecResult

        path = self._container_path(name)
        pid = path.split("/")[2]
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        self._nl.settle(path)  # so `ip a` shows the states the kernel settles on
        proc = subprocess.run(
            ["nsenter", "-t", pid, "-n", "-u", "--", *argv],
            capture_output=True, text=True, timeout=timeout,
        )
        shown = command if isinstance(command, str) else shlex.join(argv)
        return ExecResult(f"docker exec {name} {shown}", proc.returncode, proc.stdout, proc.stderr)

    def network_inspect(self: Lab) -> list[dict]:
        """What `docker network inspect bridge` would show for the lab's docker0."""
        snap = self.snapshot()
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
    def reveal(self: Lab, name: str, *, as_name: str | None = None) -> str:
        """ip netns attach NAME PID: make a container's hidden namespace visible by name."""
        as_name = as_name or name
        names.check_netns_name(as_name)
        path = self._container_path(name)
        if os.path.exists(netns_path(as_name)):
            raise AlreadyExists(
                f"Namespace {as_name!r} already exists, so the container cannot take that "
                f"name. Pass another: lab.reveal({name!r}, as_name='{name}-c')."
            )
        entry = self._journal.add("netns", as_name)
        try:
            self._nl.attach_netns(as_name, path)
        except BaseException:
            self._journal.remove(entry)
            raise
        self._journal.update(entry, inode=os.stat(netns_path(as_name)).st_ino)
        self._say(f"ip netns attach {shlex.quote(as_name)} {path.split('/')[2]}")
        return as_name

    # -- helpers --------------------------------------------------------------------
    def _ensure_docker_host(self: Lab) -> None:
        """The docker-host namespace with docker0, once per lab."""
        if self._journal.find("netns", DOCKER_HOST):
            return
        self.add_netns(DOCKER_HOST)  # AlreadyExists if someone else has that name
        _no_ipv6(self, DOCKER_HOST)
        self.set_up(DOCKER_HOST, "lo")
        self.add_bridge(DOCKER_HOST, BRIDGE)
        self.add_addr(DOCKER_HOST, BRIDGE, f"{GATEWAY}/{SUBNET.prefixlen}")
        self.set_up(DOCKER_HOST, BRIDGE)

    def _next_container_ip(self: Lab) -> str:
        """172.17.0.2, .3, ...: the lowest free address, like Docker's IPAM."""
        used = {e.get("ip") for e in self._journal.of_kind("process")}
        for host in SUBNET.hosts():
            if str(host) != GATEWAY and str(host) not in used:
                return str(host)
        raise KernelError(f"No free address left in {SUBNET}. Stop a container first.")


def _no_ipv6(lab: Lab, ns: str) -> None:
    """Turn IPv6 off in a namespace, so only the lab's own traffic crosses docker0
    (no router solicitations or duplicate-address probes in captures and MAC tables)."""
    for scope in ("default", "all"):
        lab._nl.sysctl(lab._path(ns), f"net/ipv6/conf/{scope}/disable_ipv6", "1")


def _start_process(name: str) -> int:
    """Start the container's process in new net+uts namespaces; return its PID."""
    script = f"hostname {shlex.quote(name)}; {LOOP}"
    try:
        proc = subprocess.Popen(
            ["unshare", "--net", "--uts", "--", "sh", "-c", script],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise NotFound(
            "`unshare` is not installed. Install it: apt-get install util-linux"
        ) from None
    mine = os.stat("/proc/self/ns/net").st_ino
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            if "Operation not permitted" in err:
                from .errors import PRIVILEGE_FIXES

                raise PrivilegeError(
                    f"Cannot start container {name!r}: unshare was refused. To fix it, "
                    f"{PRIVILEGE_FIXES}."
                )
            raise KernelError(f"Container {name!r} exited at once: {err.strip()}")
        try:
            if os.stat(f"/proc/{proc.pid}/ns/net").st_ino != mine:
                proc.stderr.close()  # type: ignore[union-attr]
                _children[proc.pid] = proc
                return proc.pid
        except FileNotFoundError:
            pass
        time.sleep(0.002)
    os.kill(proc.pid, 9)
    proc.wait()
    raise KernelError(f"Container {name!r} did not get its own namespace within 5 s.")
