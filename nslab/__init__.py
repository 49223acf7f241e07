"""nslab: learn Linux network namespaces hands-on, on the real kernel.

    from nslab import Lab
    lab = Lab()
    lab.add_netns("test1")          # ip netns add test1
    lab                             # draws the live topology in Jupyter
"""

from .errors import (
    AlreadyExists,
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

from ._ipython import register as _register_ipython  # noqa: E402

_register_ipython()
