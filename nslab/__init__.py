"""nslab: learn Linux network namespaces hands-on, on the real kernel.

    from nslab import Lab
    lab = Lab()
    lab.add_netns("test1")          # ip netns add test1
    lab                             # draws the live topology in Jupyter
"""

from .errors import (
    AlreadyExists,
    InvalidAddress,
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
from .lab import ExecResult, Lab, Transcript, cleanup
from .ping import PingResult, parse_ping
from .snapshot import Address, Link, Namespace, Peer, Route, Snapshot

__version__ = "0.1.0"

__all__ = [
    "Address",
    "AlreadyExists",
    "ExecResult",
    "InvalidAddress",
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
    "Snapshot",
    "StepOrderError",
    "Transcript",
    "UnsafeTarget",
    "cleanup",
    "parse_ping",
]
