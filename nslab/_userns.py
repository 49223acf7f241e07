"""Which kernel this is: the machine's own, or the rootless sandbox (a user namespace).

Kept apart from sandbox.py (which starts that kernel) and doctor.py (which checks the
machine), so that both, and capture.py, can ask without importing each other.
"""

from __future__ import annotations

import os
from pathlib import Path

DISPLAY_NAME = "Python 3 (nslab sandbox)"
ENV_FLAG = "NSLAB_SANDBOX"  # set by the kernelspec; in_sandbox() also checks the uid map


def userns_is_initial() -> bool:
    """True in the initial user namespace (uid_map maps all 2^32 uids onto themselves)."""
    try:
        lines = Path("/proc/self/uid_map").read_text().split("\n")
    except OSError:
        return True
    rows = [line.split() for line in lines if line.strip()]
    return rows == [["0", "0", "4294967295"]]


def in_sandbox() -> bool:
    """True inside the sandbox kernel: the flag its kernelspec sets, in a user namespace."""
    return os.environ.get(ENV_FLAG) == "1" and not userns_is_initial()
