"""What every group of Lab verbs shares: the kernel layer, the transcript, the history.

`Lab` is a flat facade over verb groups, one module per topic (links.py, containers.py,
nat.py); each group derives from `Verbs` and reaches the kernel only through
`self.kernel` (the private kernel layer, `_kernel.py`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ._kernel import Kernel
from .messages import say


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


class Transcript:
    """The `ip` commands equivalent to what the lab did, in order."""

    def __init__(self) -> None:
        self._commands: list[str] = []

    def add(self, command: str) -> None:
        self._commands.append(command)

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
        return "#!/bin/bash\nset -euo pipefail\n" + body

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

    def _say(self, command: str) -> None:
        """Append to the transcript, unless this is a part of a bigger verb."""
        if not self._inner:
            self.transcript.add(command)

    @contextlib.contextmanager
    def _parts(self) -> Iterator[None]:
        """Run other verbs as parts of one: they record no history or transcript."""
        self._inner += 1
        try:
            yield
        finally:
            self._inner -= 1
