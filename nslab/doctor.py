"""`nslab doctor`: can this process (or this machine) run the labs? Each check names the fix.

Nothing here changes the host: kernel features are probed inside throwaway namespaces made
with `unshare`, and sysctls are only read (the fixes print the lines to run).

In a notebook::

    from nslab import doctor
    doctor.report()        # renders as a table; str() gives the same as `nslab doctor`
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import _tools
from ._userns import DISPLAY_NAME as SANDBOX_DISPLAY_NAME
from ._userns import in_sandbox
from .messages import say

# Where the kernel's sysctls are read; tests point it at a fake tree.
PROC_SYS = Path("/proc/sys")
# The AppArmor profile nslab ships for its sandbox launcher (`unshare`), also as
# deploy/apparmor/nslab-sandbox (a test keeps the two identical); `nslab doctor
# --apparmor-profile` prints it, so an installed nslab can write it without the source tree.
APPARMOR_PROFILE_NAME = "nslab-sandbox"
APPARMOR_INSTALL = (
    "nslab doctor --apparmor-profile > /etc/apparmor.d/nslab-sandbox && "
    "apparmor_parser -r /etc/apparmor.d/nslab-sandbox"
)
APPARMOR_PROFILE = """\
# AppArmor profile for nslab's rootless sandbox launcher (Ubuntu 23.10+ / 24.04).
#
# With kernel.apparmor_restrict_unprivileged_userns=1 a user namespace made by an
# unconfined program gets no capabilities, so the sandbox kernel cannot mount its private
# /run nor create namespaces and veths. This profile lets /usr/bin/unshare (which the
# sandbox kernelspec runs: `unshare -Urnm ...`) create user namespaces with their usual
# capabilities, and confines it no further (flags=(unconfined)), like Ubuntu's own profiles
# for browsers and container tools. Note that it applies to every user's `unshare`.
#
# Install, as root:
#   nslab doctor --apparmor-profile > /etc/apparmor.d/nslab-sandbox
#   apparmor_parser -r /etc/apparmor.d/nslab-sandbox
# Remove: apparmor_parser -R /etc/apparmor.d/nslab-sandbox && rm /etc/apparmor.d/nslab-sandbox

abi <abi/4.0>,
include <tunables/global>

profile nslab-sandbox /usr/bin/unshare flags=(unconfined) {
  userns,

  # site-specific additions
  include if exists <local/nslab-sandbox>
}
"""

# Bit numbers from linux/capability.h.
CAPS = {"CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_SYS_ADMIN": 21}
CAP_SETGID, CAP_SETUID = 6, 7

# binary -> (Debian package, conda-forge package or None, required); what needs it is in
# the message of _MISSING_KEYS
BINARIES: dict[str, tuple[str, str | None, bool]] = {
    "ip": ("iproute2", None, True),
    "ping": ("iputils-ping", None, True),
    "dot": ("graphviz", "python-graphviz", True),
    "tcpdump": ("tcpdump", None, False),
    "nft": ("nftables", None, False),
}
_MISSING_KEYS = {
    "ip": "doctor.binary.missing.ip", "ping": "doctor.binary.missing.ping",
    "dot": "doctor.binary.missing.dot", "tcpdump": "doctor.binary.missing.tcpdump",
    "nft": "doctor.binary.missing.nft",
}

PROBE_TIMEOUT = 10  # seconds; an unshare probe normally takes a few ms


@dataclass(frozen=True)
class Check:
    """One line of the report. `required=False` failures are warnings (exit code stays 0)."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True

    @property
    def status(self) -> str:
        return "ok" if self.ok else ("FAIL" if self.required else "WARN")

    def __str__(self) -> str:
        line = f"{self.status:<4}  {self.name:<22} {self.detail}"
        if not self.ok and self.fix:
            line += f"\n      {'':<22} " + say("doctor.fix", fix=self.fix)
        return line


class Report(list[Check]):
    """The list of checks; prints like `nslab doctor` and renders as a table in Jupyter."""

    @property
    def ok(self) -> bool:
        """True when no required check failed."""
        return all(c.ok or not c.required for c in self)

    def __str__(self) -> str:
        lines = [str(c) for c in self]
        failed = [c.name for c in self if not c.ok and c.required]
        warned = [c.name for c in self if not c.ok and not c.required]
        if failed:
            lines.append("\n" + say("doctor.verdict.fail", checks=", ".join(failed)))
        elif warned:
            lines.append("\n" + say("doctor.verdict.warn", checks=", ".join(warned)))
        else:
            lines.append("\n" + say("doctor.verdict.ok"))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colors = {"ok": "#1a7f37", "WARN": "#9a6700", "FAIL": "#cf222e"}
        rows = []
        for c in self:
            fix = html.escape(say("doctor.fix", fix=c.fix)) if not c.ok and c.fix else ""
            fix = f"<br><code>{fix}</code>" if fix else ""
            rows.append(
                f"<tr><td style='color:{colors[c.status]};font-weight:bold'>{c.status}</td>"
                f"<td>{html.escape(c.name)}</td>"
                f"<td style='text-align:left'>{html.escape(c.detail)}{fix}</td></tr>"
            )
        verdict = str(self).rsplit("\n", 1)[-1]
        return (
            f"<table><thead><tr><th></th><th>{html.escape(say('doctor.col.check'))}</th>"
            f"<th style='text-align:left'>{html.escape(say('doctor.col.result'))}</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table><p><b>{html.escape(verdict)}"
            "</b></p>"
        )


# ---------------------------------------------------------------- helpers


def _cap_eff(status: str | None = None) -> int:
    """CapEff of this process from /proc/self/status (0 if unreadable)."""
    if status is None:
        try:
            status = Path("/proc/self/status").read_text()
        except OSError:
            return 0
    for line in status.splitlines():
        if line.startswith("CapEff:"):
            return int(line.split()[1], 16)
    return 0


def has_caps(*names: str, cap_eff: int | None = None) -> bool:
    """True if every named capability (e.g. "CAP_NET_ADMIN") is effective."""
    eff = _cap_eff() if cap_eff is None else cap_eff
    return all(eff >> CAPS[n] & 1 for n in names)


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def _run(argv: Sequence[str], timeout: float = PROBE_TIMEOUT) -> tuple[bool, str]:
    """Run argv; (succeeded, last line of its output or the reason it could not run)."""
    argv = [_tools.find(argv[0]) or argv[0], *argv[1:]]  # /usr/sbin even on a user's PATH
    try:
        r = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        return False, say("doctor.run.not_found", command=argv[0])
    except subprocess.TimeoutExpired:
        return False, say("doctor.run.timeout", seconds=f"{timeout:g}")
    out = (r.stderr.strip() or r.stdout.strip()).splitlines()
    return r.returncode == 0, out[-1] if out else say("doctor.run.exit", status=r.returncode)


def _in_container() -> str | None:
    """'docker'/'podman'/... when this looks like a container, else None."""
    if Path("/.dockerenv").exists():
        return "docker"
    if Path("/run/.containerenv").exists():
        return "podman"
    env = _read("/proc/1/environ") or ""
    for item in env.split("\0"):
        if item.startswith("container="):
            return item.split("=", 1)[1] or "container"
    return None


def _unshare_prefix() -> list[str]:
    """How to get a throwaway network namespace: plain `unshare -n` needs CAP_SYS_ADMIN,
    otherwise a user namespace (`-r`) provides it."""
    return ["unshare", "-n"] if has_caps("CAP_SYS_ADMIN") else ["unshare", "-rn"]


def has_caps_bits(*bits: int) -> bool:
    eff = _cap_eff()
    return all(eff >> b & 1 for b in bits)


def mode() -> str:
    """'rootless sandbox', 'root', 'root without capabilities' or 'unprivileged'."""
    if in_sandbox():
        return "rootless sandbox"
    if has_caps("CAP_NET_ADMIN", "CAP_SYS_ADMIN"):
        return "root"
    if os.geteuid() == 0:
        return "root without capabilities"  # typically a container started without --cap-add
    return "unprivileged"


# ---------------------------------------------------------------- checks


def check_mode() -> Check:
    m = mode()
    where = _in_container()
    bits = [say("doctor.mode.euid", euid=os.geteuid())]
    if where:
        bits.append(say("doctor.mode.container", container=where))
    if m == "rootless sandbox":
        bits.append(say("doctor.mode.sandbox"))
    detail = say("doctor.mode", mode=m, facts=", ".join(bits))
    return Check("mode", True, detail)


def check_privileges(userns_ok: bool | None = None) -> Check:
    eff = _cap_eff()
    have = [n for n in CAPS if eff >> CAPS[n] & 1]
    missing = [n for n in CAPS if n not in have]
    if not missing:
        return Check("privileges", True, say("doctor.priv.ok"))
    if "CAP_NET_ADMIN" in have and "CAP_SYS_ADMIN" in have:
        return Check(
            "privileges",
            False,
            say("doctor.priv.no_raw"),
            say("doctor.priv.no_raw.fix"),
        )
    # Root in a container without capabilities: the container was started without --cap-add.
    container = _in_container() if os.geteuid() == 0 else None
    if container:
        fix = say("doctor.priv.container.fix")
    else:
        fix = say("doctor.priv.user.fix", kernel=SANDBOX_DISPLAY_NAME)
    if userns_ok is None:
        userns_ok = not container and _userns_probe()[0]
    caps = ", ".join(missing)
    detail = say("doctor.priv.missing", caps=caps)
    if userns_ok and not container:
        if "ipykernel" in sys.modules:
            # A notebook kernel without privileges: the labs fail here, the sandbox would not.
            fix = say("doctor.priv.notebook.fix", kernel=SANDBOX_DISPLAY_NAME)
            return Check("privileges", False, detail, fix)
        # An ordinary user with working user namespaces is fine: `nslab lab` is the way in.
        return Check(
            "privileges", False, say("doctor.priv.missing_fine", caps=caps), fix, required=False
        )
    return Check("privileges", False, detail, fix)


def check_link_kind(kind: str) -> Check:
    """Create a `kind` link (veth or bridge) in a throwaway network namespace."""
    name = f"kernel: {kind}"
    if _tools.find("ip") is None:
        return Check(name, False, say("doctor.untested.ip"), say("doctor.fix.iproute2"))
    if _tools.find("unshare") is None:
        return Check(name, False, say("doctor.untested.unshare"), say("doctor.fix.util_linux"))
    if kind == "veth":
        cmd = ["ip", "link", "add", "name", "nslabdoc0", "type", "veth"]
        cmd += ["peer", "name", "nslabdoc1"]
    else:
        cmd = ["ip", "link", "add", "name", "nslabdoc0", "type", kind]
    prefix = _unshare_prefix()
    ok, out = _run(prefix + cmd)
    if ok:
        return Check(name, True, say("doctor.link.ok", command=" ".join(prefix)))
    if "Operation not permitted" in out or "unshare failed" in out:
        return Check(
            name,
            False,
            say("doctor.link.untested", error=out),
            say("doctor.link.untested.fix"),
            required=False,
        )
    mod = "veth" if kind == "veth" else "bridge"
    return Check(
        name,
        False,
        say("doctor.link.refused", error=out),
        say("doctor.link.refused.fix", module=mod, config=f"CONFIG_{mod.upper()}"),
    )


def check_netns_mount() -> Check:
    """`ip netns add` in a throwaway mount+net namespace (it bind-mounts under /run/netns)."""
    name = "ip netns add"
    if _tools.find("ip") is None or _tools.find("unshare") is None:
        return Check(name, False, say("doctor.untested.ip_unshare"), say("doctor.fix.both"))
    # Not `ip -n`: that is `ip netns exec`, which also remounts /sys (checked separately).
    script = (
        "mount -t tmpfs tmpfs /run && mkdir -p /run/netns && ip netns add nslab-doctor"
        " && test -e /run/netns/nslab-doctor"
    )
    prefix = ["unshare", "-mn"] if has_caps("CAP_SYS_ADMIN") else ["unshare", "-rmn"]
    ok, out = _run(prefix + ["sh", "-c", script])
    if ok:
        return Check(name, True, say("doctor.netns.ok", command=" ".join(prefix)))
    return Check(
        name,
        False,
        say("doctor.failed", error=out),
        say("doctor.netns.fix"),
        required=mode() != "unprivileged",
    )


def check_netns_exec() -> Check:
    """`ip netns exec` remounts /sys for the namespace; a container that masks parts of /sys
    refuses that mount inside a user namespace, while `nsenter --net=` still works."""
    name = "ip netns exec"
    if _tools.find("ip") is None or _tools.find("unshare") is None:
        return Check(name, False, say("doctor.untested.ip_unshare"), "", required=False)
    script = (
        "mount -t tmpfs tmpfs /run && mkdir -p /run/netns && ip netns add nslab-doctor"
        " && ip netns exec nslab-doctor ip link set lo up"
    )
    prefix = ["unshare", "-mn"] if has_caps("CAP_SYS_ADMIN") else ["unshare", "-rmn"]
    ok, out = _run(prefix + ["sh", "-c", script])
    if ok:
        return Check(name, True, say("doctor.exec.ok"))
    return Check(
        name,
        False,
        say("doctor.failed", error=out),
        say("doctor.exec.fix"),
        required=False,
    )


def check_binary(binary: str) -> Check:
    """Found where the distribution installs it (not only on the caller's PATH)."""
    deb, conda, required = BINARIES[binary]
    path = _tools.find(binary)
    if path:
        return Check(f"binary: {binary}", True, say("doctor.binary.ok", path=path))
    if _tools.dpkg_installed(deb):
        detail = say("doctor.binary.broken", package=deb, tool=binary,
                     dirs=", ".join(_tools.SYSTEM_DIRS))
        fix = say("doctor.binary.fix_reinstall", package=deb)
        return Check(f"binary: {binary}", False, detail, fix, required)
    if conda:
        fix = say("doctor.binary.fix_conda", package=deb, conda=conda)
    else:
        fix = say("doctor.binary.fix", package=deb)
    detail = say(_MISSING_KEYS[binary], package=deb)
    return Check(f"binary: {binary}", False, detail, fix, required)


def check_pyroute2() -> Check:
    fix = say("doctor.pyroute2.fix", requirement="'pyroute2>=0.9,<0.10'")
    try:
        version = metadata.version("pyroute2")
    except metadata.PackageNotFoundError:
        return Check("pyroute2", False, say("doctor.pyroute2.missing"), fix)
    parts = version.split(".")
    if parts[:2] != ["0", "9"]:
        return Check("pyroute2", False, say("doctor.pyroute2.version", version=version), fix)
    return Check("pyroute2", True, say("doctor.pyroute2.ok", version=version))


def check_python_packages() -> Check:
    wanted = ("graphviz", "ipywidgets", "dpkt")
    missing = []
    for dist in wanted:
        try:
            metadata.version(dist)
        except metadata.PackageNotFoundError:
            missing.append(dist)
    if missing:
        fix = say("doctor.packages.fix", packages=" ".join(missing))
        detail = say("doctor.packages.missing", packages=", ".join(missing))
        return Check("python packages", False, detail, fix)
    return Check("python packages", True, say("doctor.packages.ok", packages=", ".join(wanted)))


def _probe_as_nobody() -> bool:
    return (
        os.geteuid() == 0
        and has_caps_bits(CAP_SETUID, CAP_SETGID)
        and _tools.find("setpriv") is not None
    )


def _userns_probe() -> tuple[bool, str]:
    """Can an UNPRIVILEGED user make a user+net namespace? As root, ask as `nobody`, since
    root itself bypasses kernel.unprivileged_userns_clone."""
    if _tools.find("unshare") is None:
        return False, "unshare is missing (apt-get install util-linux)"
    argv = ["unshare", "-Urn", "true"]
    if _probe_as_nobody():
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
    return _run(argv)


def apparmor_restricts_userns(proc_sys: Path | None = None) -> bool:
    """kernel.apparmor_restrict_unprivileged_userns=1 (Ubuntu 23.10+): new user namespaces
    of unconfined programs get no capabilities."""
    setting = (proc_sys or PROC_SYS) / "kernel/apparmor_restrict_unprivileged_userns"
    return _read(str(setting)) == "1"


def _userns_caps_probe() -> tuple[bool, str]:
    """Can a new user namespace actually create a veth (inside its own net namespace)?"""
    unshare, ip = _tools.find("unshare"), _tools.find("ip")
    if unshare is None or ip is None:
        return False, say("doctor.untested.ip_unshare")
    argv = [unshare, "-Urn", ip, "link", "add", "p0", "type", "veth", "peer", "name", "p1"]
    if _probe_as_nobody():
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
    return _run(argv)


def apparmor_problem(proc_sys: Path | None = None,
                     probe: Callable[[], tuple[bool, str]] | None = None) -> Check | None:
    """The AppArmor user-namespace restriction, if it stops the sandbox here; else None."""
    if not apparmor_restricts_userns(proc_sys):
        return None
    ok, out = (probe or _userns_caps_probe)()
    if ok:
        return Check("AppArmor userns", True, say("doctor.apparmor.allowed"))
    return Check("AppArmor userns", False, say("doctor.apparmor.restricted", probe=out),
                 say("doctor.apparmor.fix", install=APPARMOR_INSTALL))


def check_userns(*, required: bool | None = None, proc_sys: Path | None = None,
                 caps_probe: Callable[[], tuple[bool, str]] | None = None) -> Check:
    name = "user namespaces"
    root = proc_sys or PROC_SYS
    clone = _read(str(root / "kernel/unprivileged_userns_clone"))
    maxns = _read(str(root / "user/max_user_namespaces"))
    apparmor = _read(str(root / "kernel/apparmor_restrict_unprivileged_userns"))
    facts = []
    fixes = []
    if clone is not None:
        facts.append(f"kernel.unprivileged_userns_clone={clone}")
        if clone == "0":
            fixes.append("sysctl -w kernel.unprivileged_userns_clone=1")
    if maxns is not None:
        facts.append(f"user.max_user_namespaces={maxns}")
        if maxns == "0":
            fixes.append("sysctl -w user.max_user_namespaces=15000")
    if apparmor is not None:
        facts.append(f"kernel.apparmor_restrict_unprivileged_userns={apparmor}")
    if in_sandbox():
        return Check(name, True, say("doctor.userns.in_sandbox", facts=", ".join(facts)))
    ok, out = _userns_probe()
    nobody = _probe_as_nobody()
    if required is None:
        required = mode() == "unprivileged"
    if ok:
        # Ubuntu 23.10+: the namespace is made, but AppArmor may leave it capability-less
        restricted = apparmor_problem(root, caps_probe)
        if restricted is not None and not restricted.ok:
            return Check(name, False, restricted.detail, restricted.fix, required)
        key = "doctor.userns.ok_as_nobody" if nobody else "doctor.userns.ok"
        return Check(name, True, say(key, facts=", ".join(facts)))
    key = "doctor.userns.fails_as_nobody" if nobody else "doctor.userns.fails"
    detail = say(key, error=out, facts=", ".join(facts))
    if not fixes:
        # The sysctls allow it, so a seccomp/AppArmor/container policy refuses it.
        return Check(name, False, detail, say("doctor.userns.policy.fix"), required)
    fix = say("doctor.userns.sysctl.fix", commands=" && ".join(fixes),
              settings="; ".join(f.split()[-1] for f in fixes))
    return Check(name, False, detail, fix, required)


def run_checks() -> Report:
    """Every check, in the order `nslab doctor` prints them."""
    userns = check_userns()
    checks = [
        check_mode(),
        check_privileges(userns_ok=userns.ok),
        check_link_kind("veth"),
        check_link_kind("bridge"),
        check_netns_mount(),
        check_netns_exec(),
        *(check_binary(b) for b in BINARIES),
        check_pyroute2(),
        check_python_packages(),
        userns,
    ]
    return Report(checks)


def report() -> Report:
    """For the first notebook cell: `doctor.report()` renders as a table."""
    return run_checks()


def summary() -> str:
    """The same text `nslab doctor` prints."""
    return str(run_checks())


def main(argv: Sequence[str] | None = None) -> int:
    """`nslab doctor`: print one line per check; exit 1 if a required check failed."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(say("doctor.usage"))
        return 0
    if args == ["--apparmor-profile"]:
        print(APPARMOR_PROFILE, end="")
        return 0
    rep = run_checks()
    print(rep)
    return 0 if rep.ok else 1


if __name__ == "__main__":
    sys.exit(main())
