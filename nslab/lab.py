"""Lab: the article's `ip` verbs on the real kernel, journaled and transcribed.

`Lab` is a flat facade. Its verbs live by topic: namespaces, commands, reading and
checkpoints here; links, addresses, bridges and routes in links.py; containers in
containers.py; forwarding, NAT and web servers in nat.py. Every verb reaches the
kernel through `self.kernel`, the private kernel layer (_kernel.py): journal, netlink
worker, namespace paths, ownership, snapshots and removal. Nothing about the network
is kept in memory: `snapshot()` reads the kernel.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import _batch, _tools, names, publish, verbspec
from ._kernel import Kernel, cleanup, in_ns, list_netns, netns_path, teardown
from ._record import recorded
from ._verbs import ExecResult, Removed, Transcript
from ._wait import load_factor
from .containers import ContainerVerbs
from .diff import Changes, diff
from .errors import (
    AlreadyExists,
    InvalidName,
    NotFound,
    NotOwned,
    PrivilegeError,
    did_you_mean,
)
from .i18n import set_language
from .journal import Journal
from .links import LinkVerbs
from .messages import say, say_n
from .nat import NatVerbs
from .ping import PingResult, parse_ping
from .snapshot import NsKey, Snapshot, ns_label

if TYPE_CHECKING:
    from .capture import Capture


class Lab(LinkVerbs, ContainerVerbs, NatVerbs):
    """A set of namespaces and links this process created, and the verbs to make them.

    `ns=None` everywhere means the namespace the kernel runs in (the article's host).
    """

    def __init__(self, name: str = "default", *, lang: str | None = None) -> None:
        if lang is not None:  # the language of every message from here on, process-wide
            set_language(lang)
        try:
            names.check_netns_name(name)
        except InvalidName as exc:
            raise InvalidName(say("lab.bad_name", name=name, reason=str(exc))) from None
        self.name = name
        self.kernel = Kernel(name)
        self.transcript = Transcript()
        self._history: list[tuple[str, tuple, dict]] = []
        self._checkpoints: dict[str, int] = {}
        self._replaying = False
        self._inner = 0
        self._seen = self.snapshot().lab_only()  # for what_changed()

    @property
    def journal(self) -> Journal:
        """What this lab made, on disk (see nslab.journal)."""
        return self.kernel.journal

    @property
    def steps(self) -> Any:
        """The tutorial attached with use_steps(), or None."""
        return self.kernel.steps

    def use_steps(self, tutorial: Any) -> None:
        """Let this lab's errors name the tutorial step that makes a missing object
        (anything with `step_for(verb, *args, done=False) -> str | None`)."""
        self.kernel.steps = tutorial

    def __repr__(self) -> str:
        nss = self.owned_netns()
        return say_n("lab.repr", len(self.transcript), name=self.name, nss=nss)

    # -- namespaces -----------------------------------------------------------------
    @recorded
    def add_netns(self, name: str) -> None:
        """ip netns add NAME"""
        k = self.kernel
        names.check_netns_name(name)
        stale = k.journal.find("netns", name)
        if stale and not os.path.exists(netns_path(name)):  # deleted outside nslab
            k.journal.remove(stale)  # else its entry would shadow the new one's identity
            k.forget_links_in(name)
        if os.path.exists(netns_path(name)):
            raise AlreadyExists(self._why_exists(name), obj=name)
        entry = k.journal.add("netns", name)
        try:
            inode = k.nl.create_netns(name)
        except BaseException:
            k.journal.remove(entry)
            raise
        k.journal.update(entry, inode=inode)
        self._say(verbspec.render_ip("add_netns", (name,)))

    def _why_exists(self, name: str) -> str:
        if self.kernel.journal.find("netns", name):
            step = self.kernel.step_for("add_netns", name, done=True)
            if step:
                return say("netns.exists_ours_step", name=name, step=step)
            return say("netns.exists_ours", name=name)
        others = (j for j in Journal.all() if j.lab != self.name)
        other = next((j for j in others if j.find("netns", name)), None)
        if other is not None:
            if other.owner_alive:
                return say("netns.exists_other_open", name=name, lab=other.lab)
            return say("netns.exists_other_ended", name=name, lab=other.lab)
        return say("netns.exists_foreign", name=name,
                   call=f"lab.delete_netns({name!r}, force=True)")

    def list_netns(self) -> list[str]:
        """ip netns list: every named namespace on the machine, sorted."""
        return list_netns()

    def owned_netns(self) -> list[str]:
        """The named namespaces this lab created (and that still exist)."""
        return self.kernel.owned_netns()

    @recorded
    def delete_netns(self, name: str, *, force: bool = False) -> None:
        """ip netns delete NAME, then wait (usually milliseconds, at most 5 s) until the
        kernel has removed the veth ends in other namespaces that went with it."""
        k = self.kernel
        path = k.path(name)  # validates and raises NotFound with a hint
        entry = k.journal.find("netns", name)
        if entry is None and not force:
            fix = verbspec.fix("delete_netns", name, force=True)
            raise NotOwned(say("netns.not_owned_delete", name=name, call=fix["fix_call"]),
                           obj=name, **fix)
        going = k.outside_peers(name)
        k.nl.delete_netns(name)
        if entry:
            k.journal.remove(entry)
        k.forget_links_in(name)
        k.wait_removed(path, going)
        self._say(verbspec.render_ip("delete_netns", (name,)))

    # -- running commands -------------------------------------------------------------
    def exec(self, ns: NsKey, command: str | Sequence[str], *, timeout: float = 30) -> ExecResult:
        """ip netns exec NS COMMAND: run a real command inside the namespace."""
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if not argv:
            raise ValueError(say("exec.empty"))
        shown = command if isinstance(command, str) else shlex.join(argv)
        # where the distribution installs it (sysctl, nft: /usr/sbin, not on a user's PATH);
        # else `nsenter` runs, and only fails
        program = _tools.find(argv[0])
        if program is None:
            if argv[0] in _tools.PACKAGES:
                _tools.tool(argv[0])  # MissingTool: names the package to install
            raise NotFound(say("exec.not_installed", command=argv[0]))
        full = self.kernel.enter_argv(ns) + [program, *argv[1:]]
        if ns is not None:  # so `ip a` shows the states the kernel settles on
            self.kernel.nl.settle(self.kernel.path(ns))
        proc = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
        return ExecResult(in_ns(ns, shown), proc.returncode, proc.stdout, proc.stderr)

    def ping(
        self, ns: NsKey, target: str, *, count: int = 1, timeout: float = 2.0
    ) -> PingResult:
        """ip netns exec NS ping -c COUNT TARGET, only to addresses inside the lab."""
        ip = names.check_ip(target)
        if not 1 <= count <= 100:
            raise ValueError(say("ping.count", count=count))
        self.kernel.check_target(ns, ip)
        argv = ["ping", "-n", "-c", str(count), "-i", "0.2", "-W", str(timeout), str(ip)]
        # ping itself bounds the wait (-W); this bound only catches a hung ping, and
        # stretches with the load so a starved but working ping is never cut short.
        result = self.exec(ns, argv, timeout=(timeout * count + 5) * load_factor())
        if "ping:" in result.stderr and "Operation not permitted" in result.stderr:
            raise PrivilegeError(say("ping.no_raw", where=ns_label(ns)))
        return parse_ping(result.stdout, str(ip))

    # -- reading ----------------------------------------------------------------------
    def snapshot(self, *, everything: bool = False) -> Snapshot:
        """What the kernel holds now: the host and this lab's namespaces, with their
        links, addresses and routes (`everything=True`: every namespace on the machine)."""
        return self.kernel.snapshot(everything=everything)

    def draw(self, *, everything: bool = False, **options: Any) -> Any:
        """The live topology as a graphviz.Graph: the host and this lab's namespaces
        (`everything=True`: every namespace on the machine). See nslab.draw.draw."""
        from .draw import draw

        snap = self.snapshot(everything=everything)
        return draw(snap if everything else snap.lab_only(), **options)

    def what_changed(self) -> Changes:
        """What changed in this lab's namespaces since the last call (or since Lab())."""
        now = self.snapshot().lab_only()
        before, self._seen = self._seen, now
        return diff(before, now)

    def show(self) -> Any:
        """The drawing with what changed since the last show() marked, and the list."""
        from .view import StepView

        changes = self.what_changed()
        return StepView(self.draw(changes=changes), changes)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        return self.draw()._repr_mimebundle_(include, exclude)

    def capture(
        self, ns: NsKey, ifname: str, *, filter: str | None = None, force: bool = False
    ) -> Capture:
        """tcpdump -i IFNAME inside NS, as a context manager: the packets that crossed
        the interface while the body ran, as a table and a sequence drawing."""
        from .capture import capture

        self.kernel.link(ns, ifname, force=force, action="capture")
        return capture(self.kernel.path(ns), ifname, label=ns_label(ns), filter=filter)

    # -- checkpoints ------------------------------------------------------------------
    def checkpoint(self, name: str) -> None:
        """Remember the lab as it is now; lab.restore(name) rebuilds it from a clean lab."""
        self._checkpoints[name] = len(self._history)

    def restore(self, name: str) -> None:
        """Reset, then replay every verb up to checkpoint `name`."""
        if name not in self._checkpoints:
            raise NotFound(say("checkpoint.missing", name=name,
                               hint=did_you_mean(name, self._checkpoints)))
        self.replay(self._history[: self._checkpoints[name]])

    def replay(self, calls: list[tuple[str, tuple, dict]]) -> None:
        """Reset, then perform `calls` (method name, args, kwargs) in order."""
        keep = dict(self._checkpoints)
        self.reset()
        self._checkpoints = keep
        self._replaying = True
        try:
            self.apply(calls)
        finally:
            self._replaying = False

    def apply(self, calls: Iterable[tuple[str, tuple, dict]]) -> None:
        """Perform `calls` (method name, args, kwargs) in order, as if one by one.

        A run of add_netns / set_up / set_down / add_veth / add_addr calls on namespaces
        the run itself creates goes as one batch (nslab/_batch.py): one journal write,
        one trip to the netlink worker, requests back to back. A refused batch removes
        what it made. Everything else goes through its verb, with the verb's checks.
        """
        todo = list(calls)
        i = 0
        while i < len(todo):
            plan, end = _batch.plan(self.kernel, todo, i)
            if end - i >= 2:
                for command in _batch.run(self.kernel, plan):
                    self._say(command)
                done = todo[i:end]
            else:
                end = i + 1
                method, args, kwargs = todo[i]
                getattr(self, method)(*args, **kwargs)  # @recorded keeps it, unless replaying
                done = todo[i:end] if self._replaying else []
            if not self._inner:
                self._history.extend(done)
            i = end

    # -- cleanup ----------------------------------------------------------------------
    def reset(self) -> list[str]:
        """Remove everything THIS lab created, nothing else. Returns what was removed."""
        removed = Removed(teardown(self.kernel.journal))
        self._seen = self.snapshot().lab_only()
        self.transcript.clear()
        self._history.clear()
        self._checkpoints.clear()
        publish.changed(self)  # the class page shows the empty lab
        return removed

    # -- the article's commands as typed (nslab/shell.py) -----------------------------
    def sh(self, commands: str) -> Any:
        """Run `ip ...` lines as the article writes them, each through one verb of this
        lab (`lab.sh("ip netns add test1")`); see nslab.shell."""
        from .shell import run

        return run(self, commands)


__all__ = ["Lab", "ExecResult", "Transcript", "cleanup"]
