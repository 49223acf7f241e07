"""Finding system tools where the distribution installs them, not only on the caller's PATH.

A normal user's PATH on Debian is /usr/local/bin:/usr/bin:/bin, but Debian installs nft,
sysctl and iptables in /usr/sbin. So a tool is looked for on PATH, then in /usr/sbin,
/sbin, /usr/bin and /bin; a tool that is really missing raises MissingTool, which names
the Debian package that provides it.

    from ._tools import tool
    subprocess.run([tool("nft"), "list", "ruleset"])
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache

from .errors import NotFound
from .messages import say

# Where Debian (and most distributions) put system tools, after the caller's PATH.
SYSTEM_DIRS = ("/usr/sbin", "/sbin", "/usr/bin", "/bin")

# tool -> the Debian package that provides it
PACKAGES: dict[str, str] = {
    "ip": "iproute2",
    "ping": "iputils-ping",
    "dot": "graphviz",
    "tcpdump": "tcpdump",
    "nft": "nftables",
    "iptables": "iptables",
    "iptables-save": "iptables",
    "sysctl": "procps",
    "nsenter": "util-linux",
    "unshare": "util-linux",
    "setpriv": "util-linux",
    "mount": "mount",
    "apparmor_parser": "apparmor",
    "dpkg-query": "dpkg",
}


class MissingTool(NotFound):
    """A system tool nslab needs is not installed (the message names its package)."""


def find(name: str, path: str | None = None) -> str | None:
    """The full path of tool `name`: on `path` (default $PATH), then in SYSTEM_DIRS."""
    search = os.pathsep.join(
        [path if path is not None else os.environ.get("PATH", ""), *SYSTEM_DIRS]
    )
    return shutil.which(name, path=search)


def tool(name: str) -> str:
    """The full path of tool `name`, or MissingTool saying which package to install."""
    found = find(name)
    if found:
        return found
    package = PACKAGES.get(name)
    if package is None:
        raise MissingTool(say("tools.missing_unknown", tool=name, dirs=", ".join(SYSTEM_DIRS)))
    raise MissingTool(say("tools.missing", tool=name, package=package,
                          command=f"sudo apt-get install {package}"))


@cache
def dpkg_installed(package: str) -> bool | None:
    """True/False from dpkg's own status database; None where there is no dpkg."""
    dpkg = find("dpkg-query")
    if dpkg is None:
        return None
    try:
        proc = subprocess.run([dpkg, "-W", "-f=${Status}", package], capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.returncode == 0 and proc.stdout.strip() == "install ok installed"
