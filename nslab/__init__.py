"""nslab: learn Linux network namespaces hands-on, on the real kernel.

    from nslab import Lab
    lab = Lab()
    lab.add_netns("test1")          # ip netns add test1
    lab                             # draws the live topology in Jupyter

    %load_ext nslab                 # in Jupyter/IPython: the %ip and %%ip magics
    %ip netns add test2             # the article's commands, typed as written

`__all__` lists the public names: `Lab`, the types its public methods return, and the
errors they raise. Types from modules that `import nslab` does not load (a capture
needs dpkt) are imported when first named.
"""

from .bridge import Fdb, FdbEntry
from .containers import Container
from .diff import Changes
from .errors import (
    AlreadyExists,
    CorruptJournal,
    InvalidAddress,
    InvalidFilter,
    InvalidName,
    KernelError,
    LabInUse,
    NotFound,
    NotOwned,
    NslabError,
    PrivilegeError,
    StepOrderError,
    UnsafeTarget,
)
from .i18n import set_language
from .journal import Journal
from .lab import ExecResult, Lab, Transcript, cleanup
from .nat import FetchResult, HttpRequest, Server
from .ping import PingResult, parse_ping
from .snapshot import Address, Link, Namespace, Peer, Route, Snapshot

__version__ = "0.1.0"

__all__ = [
    "Address",
    "AlreadyExists",
    "Capture",
    "Changes",
    "Container",
    "CorruptJournal",
    "ExecResult",
    "Fdb",
    "FdbEntry",
    "FetchResult",
    "HttpRequest",
    "InvalidAddress",
    "InvalidFilter",
    "InvalidName",
    "Journal",
    "KernelError",
    "Lab",
    "LabInUse",
    "Link",
    "Namespace",
    "NotFound",
    "NotOwned",
    "NslabError",
    "Packet",
    "Peer",
    "PingResult",
    "PrivilegeError",
    "Route",
    "SequenceDiagram",
    "Server",
    "ShellResult",
    "Snapshot",
    "StepOrderError",
    "StepView",
    "Transcript",
    "UnsafeTarget",
    "UnsupportedCommand",
    "cleanup",
    "load_ipython_extension",
    "parse_ping",
    "set_language",
]

# public types whose modules `import nslab` does not load: imported when first named
_LAZY = {"Capture": "capture", "Packet": "capture", "SequenceDiagram": "capture",
         "ShellResult": "shell",
         "UnsupportedCommand": "shell", "StepView": "view"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'nslab' has no attribute {name!r}")


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext nslab`: the `%ip`/`%%ip` magics, and nslab's errors shown as their
    message (what went wrong and the fix) instead of a traceback."""
    from ._ipython import register

    register(ipython)

from . import snapshot as _snapshot  # noqa: E402
from ._ipython import register as _register_ipython  # noqa: E402
from .diff import diff as _diff  # noqa: E402

_snapshot.use_diff(_diff)  # `after - before` (the data model does not import the renderer)
# kept for notebooks that only `import nslab`: it adds the magics and the error display
# to the running IPython, and never replaces a user's own (tests/unit/test_ipython_ext.py)
_register_ipython()
