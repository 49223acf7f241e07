"""What every group of Lab verbs shares: the kernel layer, the transcript, the history.

`Lab` is a flat facade over verb groups, one module per topic (links.py, containers.py,
nat.py); each group derives from `Verbs` and reaches the kernel only through
`self.kernel` (the private kernel layer, `_kernel.py`).
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import publish
from ._kernel import Kernel, in_ns
from .messages import say

# bash associative arrays of the script: the PID of each container's process (by name)
# and of each web server (by "NS:PORT"), so later commands can enter or end them
PIDS = "PID"
SERVERS = "SERVER"


@dataclass(frozen=True)
class ExecResult:
    """What a command run inside a namespace printed. Shows its output as is."""

    command: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def __str__(self) -> str:
        return self.stdout + self.stderr

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self).rstrip("\n") or say("exec.no_output", status=self.returncode))


class Removed(list):
    """What `reset()` removed, newest first: a list, shown one object a line (a list that
    wraps by width would change from run to run, since PIDs vary in width)."""

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text("[" + ",\n ".join(repr(x) for x in self) + "]")


class Transcript:
    """The `ip` commands equivalent to what the lab did, in order."""

    def __init__(self) -> None:
        self._commands: list[str] = []

    def add(self, command: str) -> None:
        self._commands.append(command)

    def truncate(self, length: int) -> None:
        """Forget the commands after the first LENGTH (a verb that failed half-way)."""
        del self._commands[length:]

    def clear(self) -> None:
        self._commands.clear()

    def __iter__(self) -> Iterator[str]:
        return iter(self._commands)

    def __len__(self) -> int:
        return len(self._commands)

    def __getitem__(self, i: int) -> str:
        return self._commands[i]

    def script(self) -> str:
        """A bash script that rebuilds the lab from nothing."""
        body = "".join(c + "\n" for c in self._commands)
        if self._commands and "$$" in self._commands[-1]:
            # `bash -c` execs its last command in place of the shell: $$ (the host's
            # namespace, see Kernel.ns_arg) would then be that command's own
            body += "exit 0\n"
        arrays = [a for a in (PIDS, SERVERS) if any(f"{a}[" in c for c in self._commands)]
        declare = f"declare -A {' '.join(arrays)}\n" if arrays else ""
        return "#!/bin/bash\nset -euo pipefail\n" + declare + body

    def __str__(self) -> str:
        return "\n".join(self._commands)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self) or say("transcript.empty"))


class Verbs:
    """The state one lab's verbs share (set up by Lab.__init__)."""

    kernel: Kernel
    transcript: Transcript
    _history: list[tuple[str, tuple, dict]]  # successful verbs, for checkpoints (_record.py)
    _replaying: bool
    _inner: int  # >0 while a verb runs other verbs as its parts
    _muted: int = 0  # >0 while those parts write no transcript either

    def _say(self, command: str) -> None:
        """Append to the transcript, unless this is a muted part of a bigger verb.

        A container's namespace has no name: commands in it or towards it are written
        with the PID of its process, which the script keeps in `${PID[NAME]}`."""
        if not self._muted:
            self.transcript.add(self._in_shell(command))
            publish.changed(self)  # the teacher's class page: a record once the kernel is idle

    def _in_shell(self, command: str) -> str:
        """COMMAND with each container's namespace as the script reaches it."""
        for entry in self.kernel.journal.of_kind("process"):
            if "pid" not in entry:
                continue
            key, pid = f"@{entry['name']}", pid_var(entry["name"])
            inside = in_ns(key, "")
            if command.startswith(inside):
                command = f"nsenter -t {pid} -n -- " + command[len(inside):]
            towards = " netns " + self.kernel.ns_arg(key)
            if command.endswith(towards):
                command = command[: -len(towards)] + f" netns {pid}"
        return command

    @contextlib.contextmanager
    def _parts(self, *, transcribed: bool = False) -> Iterator[None]:
        """Run other verbs as parts of one: they record no history (checkpoints replay
        the whole verb), and no transcript unless `transcribed`."""
        self._inner += 1
        self._muted += not transcribed
        try:
            yield
        finally:
            self._inner -= 1
            self._muted -= not transcribed


def pid_var(name: str, array: str = PIDS) -> str:
    """How the script names the PID kept for NAME: "${PID[web]}", quoted for bash."""
    return f'"${{{array}[{shlex.quote(name)}]}}"'
