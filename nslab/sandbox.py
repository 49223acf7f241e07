"""The rootless sandbox: a Jupyter kernel in its own user+network+mount namespaces.

An ordinary user cannot create network namespaces on the host, but can create a user
namespace in which they are root, with a fresh network namespace and a private /run
(where `ip netns add` keeps its mounts). The kernelspec written here starts ipykernel
that way::

    unshare -Urnm sh -c 'mount -t tmpfs tmpfs /run && mkdir -p /run/netns &&
                         exec PYTHON -m ipykernel_launcher -f "$0"' {connection_file}

TCP on 127.0.0.1 does not cross network namespaces, so the server must talk to such a
kernel over ZMQ `ipc` sockets (files in the Jupyter runtime dir, which must not live
under /run, since the kernel sees its own empty /run). `nslab lab` sets that up.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

KERNEL_NAME = "nslab-sandbox"
DISPLAY_NAME = "Python 3 (nslab sandbox)"
ENV_FLAG = "NSLAB_SANDBOX"  # set by the kernelspec; in_sandbox() also checks the uid map
START_NOTEBOOK = "00-start-here.ipynb"

# Run by `sh -c` inside the new namespaces; "$0" is the connection file.
_INNER = (
    "mount -t tmpfs tmpfs /run && mkdir -p /run/netns && "
    'exec {python} -m ipykernel_launcher -f "$0"'
)


def kernel_argv(python: str | None = None) -> list[str]:
    """The kernelspec argv: the DESIGN.md unshare recipe around ipykernel_launcher."""
    py = shlex.quote(python or sys.executable)
    return ["unshare", "-Urnm", "sh", "-c", _INNER.format(python=py), "{connection_file}"]


def kernelspec(python: str | None = None) -> dict:
    """The kernel.json contents."""
    return {
        "argv": kernel_argv(python),
        "display_name": DISPLAY_NAME,
        "language": "python",
        "interrupt_mode": "signal",
        "env": {ENV_FLAG: "1"},
        "metadata": {"debugger": False, "nslab": {"transport": "ipc"}},
    }


def user_kernels_dir() -> Path:
    """The per-user kernelspec directory (~/.local/share/jupyter/kernels on Linux)."""
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "kernels"


def install_kernelspec(
    prefix_or_user_dir: str | os.PathLike[str] | None = None, *, python: str | None = None
) -> Path:
    """Write the sandbox kernelspec and return its directory.

    `prefix_or_user_dir`: None for the current user's Jupyter data dir; a directory that
    ends in `kernels` is used as is; anything else is a prefix (`PREFIX/share/jupyter/kernels`,
    e.g. `sys.prefix` for a venv).
    """
    if prefix_or_user_dir is None:
        kernels = user_kernels_dir()
    else:
        base = Path(prefix_or_user_dir)
        kernels = base if base.name == "kernels" else base / "share" / "jupyter" / "kernels"
    dest = kernels / KERNEL_NAME
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "kernel.json").write_text(json.dumps(kernelspec(python), indent=1) + "\n")
    # Logos make JupyterLab's launcher show a proper icon; reuse ipykernel's if present.
    try:
        import ipykernel

        res = Path(ipykernel.__file__).parent / "resources"
        for logo in res.glob("logo-*.png"):
            shutil.copyfile(logo, dest / logo.name)
    except ImportError:
        pass
    return dest


def _userns_is_initial() -> bool:
    """True in the initial user namespace (uid_map maps all 2^32 uids onto themselves)."""
    try:
        lines = Path("/proc/self/uid_map").read_text().split("\n")
    except OSError:
        return True
    rows = [line.split() for line in lines if line.strip()]
    return rows == [["0", "0", "4294967295"]]


def in_sandbox() -> bool:
    """True inside the sandbox kernel: the flag its kernelspec sets, in a user namespace."""
    return os.environ.get(ENV_FLAG) == "1" and not _userns_is_initial()


def find_notebooks(explicit: str | None = None) -> Path:
    """The notebooks folder: --notebooks, $NSLAB_NOTEBOOKS, ./notebooks, the source tree's,
    or the current directory."""
    candidates = [explicit, os.environ.get("NSLAB_NOTEBOOKS"), "notebooks"]
    candidates.append(str(Path(__file__).resolve().parent.parent / "notebooks"))
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c).resolve()
    return Path.cwd()


def runtime_dir() -> Path:
    """A Jupyter runtime dir the sandbox kernel can also see (not under /run)."""
    from jupyter_core.paths import jupyter_data_dir, jupyter_runtime_dir

    rt = Path(jupyter_runtime_dir())
    if rt == Path("/run") or Path("/run") in rt.parents:
        rt = Path(jupyter_data_dir()) / "runtime"
    return rt


def lab_command(
    notebooks: Path, extra: Sequence[str] = (), *, sandbox: bool
) -> tuple[list[str], dict[str, str]]:
    """The `jupyter lab` argv and environment for `nslab lab` (pure apart from env lookup)."""
    argv = [sys.executable, "-m", "jupyterlab"]
    if (notebooks / START_NOTEBOOK).exists():
        argv.append(START_NOTEBOOK)
    argv.append(f"--ServerApp.root_dir={notebooks}")
    env = dict(os.environ)
    if sandbox:
        argv += [
            "--KernelManager.transport=ipc",
            f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}",
            # Only the sandbox kernel: notebooks saved with "python3" fall back to it by
            # language, so no notebook can start a kernel that lacks the privileges.
            f"--KernelSpecManager.allowed_kernelspecs={KERNEL_NAME}",
        ]
        env["JUPYTER_RUNTIME_DIR"] = str(runtime_dir())
    elif os.geteuid() == 0 and "--allow-root" not in extra:
        argv.append("--allow-root")
    argv += list(extra)
    return argv, env


def main_lab(argv: Sequence[str] | None = None) -> int:
    """`nslab lab`: start JupyterLab on the notebooks; as an ordinary user, in the sandbox."""
    parser = argparse.ArgumentParser(
        prog="nslab lab",
        description="Start JupyterLab on the nslab notebooks. As root the kernel uses the "
        "real kernel's namespaces; as an ordinary user it runs in the rootless sandbox "
        f"kernel '{DISPLAY_NAME}'. Other options are passed to `jupyter lab`.",
    )
    parser.add_argument("--notebooks", help="notebooks folder (default: ./notebooks)")
    parser.add_argument(
        "--sandbox",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force the sandbox kernel on or off (default: on for an ordinary user without "
        "CAP_NET_ADMIN/CAP_SYS_ADMIN; off for root, also in a container without them, "
        "where the notebooks then explain the missing --cap-add)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the command, do not run")
    args, extra = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))

    from .doctor import has_caps

    sandbox = args.sandbox
    if sandbox is None:
        sandbox = os.geteuid() != 0 and not has_caps("CAP_NET_ADMIN", "CAP_SYS_ADMIN")
    notebooks = find_notebooks(args.notebooks)
    from .workbook import for_lab  # the student's own copy, without outputs (nslab.workbook)

    notebooks, extra = for_lab(notebooks, extra, dry_run=args.dry_run)
    if sandbox:
        if shutil.which("unshare") is None:
            print("nslab lab: `unshare` is missing; install util-linux.", file=sys.stderr)
            return 1
        from .doctor import check_userns

        userns = check_userns(required=True)
        if not userns.ok:
            print(f"nslab lab: {userns.detail}\n  fix: {userns.fix}", file=sys.stderr)
            return 1
        spec = install_kernelspec(None)
        print(f"nslab lab: installed kernel {DISPLAY_NAME!r} in {spec}", file=sys.stderr)
    cmd, env = lab_command(notebooks, extra, sandbox=sandbox)
    if sandbox:
        Path(env["JUPYTER_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    print("nslab lab:", shlex.join(cmd), file=sys.stderr)
    if args.dry_run:
        return 0
    os.chdir(notebooks)
    os.execvpe(cmd[0], cmd, env)  # replaces this process; Ctrl-C goes straight to Jupyter


if __name__ == "__main__":
    sys.exit(main_lab())
