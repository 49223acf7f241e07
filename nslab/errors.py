"""One exception tree for nslab.

Every message says what went wrong, names the object, and ends with the fix.
Each class also subclasses the matching builtin, so ``except ValueError`` works
for code that does not know nslab::

    NslabError(Exception)
     ├── InvalidName(NslabError, ValueError)       bad namespace/interface name
     ├── InvalidAddress(NslabError, ValueError)    bad IP address or prefix
     ├── InvalidFilter(NslabError, ValueError)     a capture filter tcpdump refuses
     ├── AlreadyExists(NslabError, FileExistsError)
     ├── NotFound(NslabError, LookupError)          with "did you mean ..."
     ├── NotOwned(NslabError, PermissionError)      object not created by this lab
     ├── PrivilegeError(NslabError, PermissionError)  missing root/capabilities
     ├── LabInUse(NslabError, RuntimeError)         another live process owns the lab
     ├── CorruptJournal(NslabError, ValueError)     a lab's journal cannot be read
     ├── UnsafeTarget(NslabError, ValueError)       traffic would leave the lab
     ├── StepOrderError(NslabError, RuntimeError)   a tutorial step is missing
     └── KernelError(NslabError, OSError)           any other refusal by the kernel
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .messages import say


def privilege_fixes() -> str:
    """How to get the capabilities nslab needs (one clause, ends a sentence)."""
    return say("privilege.fixes")  # a whole sentence: "To fix it, run as root ..."


class NslabError(Exception):
    """Base class of every error nslab raises on purpose.

    Besides its message, an error carries its context as data, for widgets, checks and
    translations that need more than the sentence (None when the error has none):

    - ``obj``: the name of the object it is about ("test1", "veth-test1");
    - ``fix_call``: the fix as a Lab call ("lab.add_netns('test1')");
    - ``fix_ip``: the same fix as an `ip` command ("ip netns add test1").
    """

    obj: str | None = None
    fix_call: str | None = None
    fix_ip: str | None = None

    def __init__(self, *args: object, obj: str | None = None, fix_call: str | None = None,
                 fix_ip: str | None = None) -> None:
        super().__init__(*args)
        self.obj, self.fix_call, self.fix_ip = obj, fix_call, fix_ip

    def _render_traceback_(self) -> list[str]:
        """What IPython/Jupyter shows instead of a traceback: the message says it all. The
        cell still fails (an error output), so every notebook driver sees it."""
        return [f"{type(self).__name__}: {self}"]


class InvalidName(NslabError, ValueError):
    """A namespace or interface name the kernel or `ip` would refuse."""


class InvalidAddress(NslabError, ValueError):
    """An address that is not a valid IP interface address with prefix."""


class InvalidFilter(NslabError, ValueError):
    """tcpdump refused the capture filter expression."""


class AlreadyExists(NslabError, FileExistsError):
    """The object to create is already there."""


class NotFound(NslabError, LookupError):
    """The object named does not exist."""


class NotOwned(NslabError, PermissionError):
    """The object exists but this lab did not create it; pass force=True to act anyway."""


class PrivilegeError(NslabError, PermissionError):
    """The process lacks CAP_NET_ADMIN/CAP_SYS_ADMIN (or CAP_NET_RAW for ping)."""


class LabInUse(NslabError, RuntimeError):
    """Another live process owns a lab of the same name."""


class CorruptJournal(NslabError, ValueError):
    """A journal file that is not a journal (bad JSON, missing fields): nothing of it
    is guessed at or removed. `removed`: what a cleanup removed from the other journals."""

    def __init__(self, message: str, removed: list[str] | None = None, *,
                 obj: str | None = None) -> None:
        super().__init__(message, obj=obj)
        self.removed = removed or []


class UnsafeTarget(NslabError, ValueError):
    """Traffic would go to an address outside the lab's own namespaces."""


class StepOrderError(NslabError, RuntimeError):
    """A tutorial step was run before the step it depends on."""


class KernelError(NslabError, OSError):
    """The kernel refused a request for a reason nslab did not anticipate."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """"Did you mean 'x'?" for the closest candidate, or "Known: a, b." or "".

    No leading space: the message's template places the separator (see messages.say)."""
    options = sorted(c for c in candidates if c)
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if close:
        return say("hint.did_you_mean", name=close[0])
    if options:
        shown = ", ".join(repr(o) for o in options[:8]) + (" ..." if len(options) > 8 else "")
        return say("hint.known", names=shown)
    return ""
