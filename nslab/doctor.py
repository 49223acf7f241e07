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
from .messages import say
from .sandbox import DISPLAY_NAME as SANDBOX_DISPLAY_NAME
from .sandbox import in_sandbox

# Where the kernel's sysctls are read; tests point it at a fake tree.
PROC_SYS = Path("/proc/sys")
# The AppArmor profile nslab ships for its sandbox launcher (`unshare`).
APPARMOR_PROFILE = Path(__file__).resolve().parent.parent / "deploy" / "apparmor" / "nslab-sandbox"

# Bit numbers from linux/capability.h.
CAPS = {"CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_SYS_ADMIN": 21}
CAP_SETGID, CAP_SETUID = 6, 7

# binary -> (Debian package, conda-forge package or None, required, what needs it)
BINARIES: dict[str, tuple[str, str | None, bool, str]] = {
    "ip": ("iproute2", None, True, "transcripts, `lab.exec` and `ip netns exec`"),
    "ping": ("iputils-ping", None, True, "`lab.ping`"),
    "dot": ("graphviz", "python-graphviz", True, "drawing the lab (`lab.draw()`)"),
    "tcpdump": ("tcpdump", None, False, "the packet-capture steps"),
    "nft": ("nftables", None, False, "the NAT / port-publishing notebook"),
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
            fix = f"<br><b>fix:</b> <code>{html.escape(c.fix)}</code>" if not c.ok and c.fix else ""
            rows.append(
                f"<tr><td style='color:{colors[c.status]};font-weight:bold'>{c.status}</td>"
                f"<td>{html.escape(c.name)}</td>"
                f"<td style='text-align:left'>{html.escape(c.detail)}{fix}</td></tr>"
            )
        verdict = str(self).rsplit("\n", 1)[-1]
        return (
            "<table><thead><tr><th></th><th>check</th><th style='text-align:left'>result</th>"
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
        return False, f"{argv[0]}: command not found"
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:g} s"
    out = (r.stderr.strip() or r.stdout.strip()).splitlines()
    return r.returncode == 0, out[-1] if out else f"exit status {r.returncode}"


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
    bits = [f"euid {os.geteuid()}"]
    if where:
        bits.append(f"in a {where} container")
    if m == "rootless sandbox":
        bits.append("own user+network+mount namespaces; the host is untouched")
    detail = f"{m} ({', '.join(bits)})"
    return Check("mode", True, detail)


def check_privileges(userns_ok: bool | None = None) -> Check:
    eff = _cap_eff()
    have = [n for n in CAPS if eff >> CAPS[n] & 1]
    missing = [n for n in CAPS if n not in have]
    if not missing:
        return Check("privileges", True, "CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_RAW effective")
    if "CAP_NET_ADMIN" in have and "CAP_SYS_ADMIN" in have:
        return Check(
            "privileges",
            False,
            "missing CAP_NET_RAW: namespaces work but ping does not",
            "in Docker/podman add `--cap-add NET_RAW`",
        )
    # Root in a container without capabilities: the container was started without --cap-add.
    container = _in_container() if os.geteuid() == 0 else None
    if container:
        fix = (
            "restart the container with `--cap-add NET_ADMIN --cap-add SYS_ADMIN` "
            "(podman also `--cap-add NET_RAW`); on AppArmor hosts add "
            "`--security-opt apparmor=unconfined`. Not --privileged."
        )
    else:
        fix = (
            "use the rootless sandbox: `nslab lab` (kernel 'Python 3 (nslab sandbox)'), "
            "or run as root (sudo)"
        )
    if userns_ok is None:
        userns_ok = not container and _userns_probe()[0]
    detail = f"missing {', '.join(missing)}: this process cannot create namespaces"
    if userns_ok and not container:
        if "ipykernel" in sys.modules:
            # A notebook kernel without privileges: the labs fail here, the sandbox would not.
            fix = (
                f"switch this notebook to the kernel '{SANDBOX_DISPLAY_NAME}' (Kernel > Change "
                "Kernel; start JupyterLab with `nslab lab` to have it)"
            )
            return Check("privileges", False, detail, fix)
        # An ordinary user with working user namespaces is fine: `nslab lab` is the way in.
        return Check(
            "privileges", False, detail + " (fine: use the sandbox kernel)", fix, required=False
        )
    return Check("privileges", False, detail, fix)


def check_link_kind(kind: str) -> Check:
    """Create a `kind` link (veth or bridge) in a throwaway network namespace."""
    name = f"kernel: {kind}"
    if _tools.find("ip") is None:
        return Check(name, False, "not tested: `ip` is missing", "apt-get install iproute2")
    if _tools.find("unshare") is None:
        return Check(name, False, "not tested: `unshare` is missing", "apt-get install util-linux")
    if kind == "veth":
        cmd = ["ip", "link", "add", "name", "nslabdoc0", "type", "veth"]
        cmd += ["peer", "name", "nslabdoc1"]
    else:
        cmd = ["ip", "link", "add", "name", "nslabdoc0", "type", kind]
    prefix = _unshare_prefix()
    ok, out = _run(prefix + cmd)
    if ok:
        return Check(name, True, f"created one in a throwaway namespace ({' '.join(prefix)})")
    if "Operation not permitted" in out or "unshare failed" in out:
        return Check(
            name,
            False,
            f"not tested: no throwaway namespace could be made ({out})",
            "see the privileges / user namespaces checks",
            required=False,
        )
    mod = "veth" if kind == "veth" else "bridge"
    return Check(
        name,
        False,
        f"the kernel refused: {out}",
        f"load the module (`modprobe {mod}`) or use a kernel built with CONFIG_{mod.upper()}",
    )


def check_netns_mount() -> Check:
    """`ip netns add` in a throwaway mount+net namespace (it bind-mounts under /run/netns)."""
    name = "ip netns add"
    if _tools.find("ip") is None or _tools.find("unshare") is None:
        fix = "apt-get install iproute2 util-linux"
        return Check(name, False, "not tested: `ip` or `unshare` is missing", fix)
    # Not `ip -n`: that is `ip netns exec`, which also remounts /sys (checked separately).
    script = (
        "mount -t tmpfs tmpfs /run && mkdir -p /run/netns && ip netns add nslab-doctor"
        " && test -e /run/netns/nslab-doctor"
    )
    prefix = ["unshare", "-mn"] if has_caps("CAP_SYS_ADMIN") else ["unshare", "-rmn"]
    ok, out = _run(prefix + ["sh", "-c", script])
    if ok:
        return Check(name, True, f"works in a throwaway mount namespace ({' '.join(prefix)})")
    return Check(
        name,
        False,
        f"failed: {out}",
        "needs CAP_SYS_ADMIN (it mounts); see the privileges check",
        required=mode() != "unprivileged",
    )


def check_netns_exec() -> Check:
    """`ip netns exec` remounts /sys for the namespace; a container that masks parts of /sys
    refuses that mount inside a user namespace, while `nsenter --net=` still works."""
    name = "ip netns exec"
    if _tools.find("ip") is None or _tools.find("unshare") is None:
        return Check(name, False, "not tested: `ip` or `unshare` is missing", "", required=False)
    script = (
        "mount -t tmpfs tmpfs /run && mkdir -p /run/netns && ip netns add nslab-doctor"
        " && ip netns exec nslab-doctor ip link set lo up"
    )
    prefix = ["unshare", "-mn"] if has_caps("CAP_SYS_ADMIN") else ["unshare", "-rmn"]
    ok, out = _run(prefix + ["sh", "-c", script])
    if ok:
        return Check(name, True, "works (it remounts /sys for the namespace)")
    return Check(
        name,
        False,
        f"failed: {out}",
        "nslab itself enters namespaces with nsenter, so the labs work; only `ip netns exec` "
        "typed in a terminal fails here: use `nsenter --net=/run/netns/NAME CMD` instead",
        required=False,
    )


def check_binary(binary: str) -> Check:
    """Found where the distribution installs it (not only on the caller's PATH)."""
    deb, conda, required, used_for = BINARIES[binary]
    path = _tools.find(binary)
    if path:
        return Check(f"binary: {binary}", True, say("doctor.binary.ok", path=path))
    if _tools.dpkg_installed(deb):
        detail = say("doctor.binary.broken", package=deb, tool=binary,
                     dirs=", ".join(_tools.SYSTEM_DIRS), used_for=used_for)
        fix = say("doctor.binary.fix_reinstall", package=deb)
        return Check(f"binary: {binary}", False, detail, fix, required)
    if conda:
        fix = say("doctor.binary.fix_conda", package=deb, conda=conda)
    else:
        fix = say("doctor.binary.fix", package=deb)
    detail = say("doctor.binary.missing", package=deb, used_for=used_for)
    return Check(f"binary: {binary}", False, detail, fix, required)


def check_pyroute2() -> Check:
    fix = "pip install 'pyroute2>=0.9,<0.10'"
    try:
        version = metadata.version("pyroute2")
    except metadata.PackageNotFoundError:
        return Check("pyroute2", False, "not installed", fix)
    parts = version.split(".")
    if parts[:2] != ["0", "9"]:
        return Check("pyroute2", False, f"version {version}; nslab is written for 0.9.x", fix)
    return Check("pyroute2", True, f"version {version}")


def check_python_packages() -> Check:
    missing = []
    for dist in ("graphviz", "ipywidgets", "dpkt"):
        try:
            metadata.version(dist)
        except metadata.PackageNotFoundError:
            missing.append(dist)
    if missing:
        fix = f"pip install {' '.join(missing)}"
        return Check("python packages", False, f"missing {', '.join(missing)}", fix)
    return Check("python packages", True, "graphviz, ipywidgets, dpkt")


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
        return False, "unshare or ip is missing"
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
                 say("doctor.apparmor.fix", profile=APPARMOR_PROFILE))


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
        return Check(name, True, "this kernel already runs in one; " + ", ".join(facts))
    ok, out = _userns_probe()
    who = " as nobody" if _probe_as_nobody() else ""
    if required is None:
        required = mode() == "unprivileged"
    if ok:
        # Ubuntu 23.10+: the namespace is made, but AppArmor may leave it capability-less
        restricted = apparmor_problem(root, caps_probe)
        if restricted is not None and not restricted.ok:
            return Check(name, False, restricted.detail, restricted.fix, required)
        return Check(name, True, f"`unshare -Urn true` works{who}; " + ", ".join(facts))
    if not fixes:
        # The sysctls allow it, so a seccomp/AppArmor/container policy refuses it.
        fix = (
            "user namespaces are refused by a seccomp or container policy: in Docker/podman "
            "use --security-opt seccomp=unconfined, on Kubernetes seccompProfile Unconfined "
            "(or give the container --cap-add NET_ADMIN --cap-add SYS_ADMIN instead)"
        )
        detail = f"`unshare -Urn true` fails{who} ({out}); " + ", ".join(facts)
        return Check(name, False, detail + "; the rootless sandbox cannot start", fix, required)
    fix = "as root: " + " && ".join(fixes)
    if any(f.startswith("sysctl") for f in fixes):
        conf = "; ".join(f.split()[-1] for f in fixes if f.startswith("sysctl"))
        fix += f"; to keep it after reboot put `{conf}` in /etc/sysctl.d/90-nslab-userns.conf"
    detail = f"`unshare -Urn true` fails{who} ({out}); " + ", ".join(facts)
    return Check(name, False, detail + "; the rootless sandbox cannot start", fix, required)


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
    rep = run_checks()
    print(rep)
    return 0 if rep.ok else 1


if __name__ == "__main__":
    sys.exit(main())
