"""nslab: learn Linux network namespaces hands-on, on the real kernel.

    from nslab import Lab
    lab = Lab()
    lab.add_netns("test1")          # ip netns add test1
    lab                             # draws the live topology in Jupyter
"""

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
from .lab import ExecResult, Lab, Transcript, cleanup
from .nat import FetchResult, HttpRequest, Server
from .ping import PingResult, parse_ping
from .snapshot import Address, Link, Namespace, Peer, Route, Snapshot

__version__ = "0.1.0"

__all__ = [
    "Address",
    "AlreadyExists",
    "CorruptJournal",
    "ExecResult",
    "FetchResult",
    "HttpRequest",
    "InvalidAddress",
    "InvalidFilter",
    "InvalidName",
    "KernelError",
    "Lab",
    "LabInUse",
    "Link",
    "Namespace",
    "NotFound",
    "NotOwned",
    "NslabError",
    "Peer",
    "PingResult",
    "PrivilegeError",
    "Route",
    "Server",
    "Snapshot",
    "StepOrderError",
    "Transcript",
    "UnsafeTarget",
    "cleanup",
    "parse_ping",
    "set_language",
]

from . import snapshot as _snapshot  # noqa: E402
from ._ipython import register as _register_ipython  # noqa: E402
from .diff import diff as _diff  # noqa: E402

_snapshot.use_diff(_diff)  # `after - before` (the data model does not import the renderer)
_register_ipython()
