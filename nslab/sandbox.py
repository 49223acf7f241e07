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

import json
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from ._tools import find as find_tool
from ._userns import DISPLAY_NAME, ENV_FLAG, in_sandbox, userns_is_initial  # noqa: F401
from .messages import say

KERNEL_NAME = "nslab-sandbox"
START_NOTEBOOK = "00-start-here.ipynb"

# Run by `sh -c` inside the new namespaces; "$0" is the connection file. The sandbox's
# "host" is made to look like a real host where the lessons look at it: a sysfs of its own
# (else /sys/class/net would describe the real host's links) and `lo` up, as on every host.
# If the private /run cannot be mounted (no capabilities in the new user namespace, e.g.
# AppArmor on Ubuntu 23.10+), the kernel exits with nslab's explanation instead of mount's
# raw error.
_INNER = (
    "if mount -t tmpfs tmpfs /run 2>/dev/null && mkdir -p /run/netns && "
    "mount -t sysfs sysfs /sys && {ip} link set dev lo up; then "
    'exec {python} -m ipykernel_launcher -f "$0"; '
    "else exec {python} -m nslab.sandbox --cannot-start; fi"
)


def kernel_argv(python: str | None = None) -> list[str]:
    """The kernelspec argv: the DESIGN.md unshare recipe around ipykernel_launcher."""
    py = shlex.quote(python or sys.executable)
    ip = shlex.quote(find_tool("ip") or "ip")
    return ["unshare", "-Urnm", "sh", "-c", _INNER.format(python=py, ip=ip), "{connection_file}"]


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


def packaged_course() -> Path:
    """The course inside the installed package (nslab/course/notebooks: the build puts the
    repository's notebooks/ and docs/ there, see setup.py)."""
    return Path(__file__).resolve().parent / "course" / "notebooks"


def find_notebooks(explicit: str | None = None) -> Path:
    """The course's notebooks folder: --notebooks, $NSLAB_NOTEBOOKS, the source tree's (a
    clone), the installed package's, ./notebooks, or the current directory. Found from any
    folder, so `pip install nslab` and `nslab lab` are enough."""
    source_tree = Path(__file__).resolve().parent.parent
    candidates = [explicit, os.environ.get("NSLAB_NOTEBOOKS")]
    if (source_tree / "pyproject.toml").is_file():
        candidates.append(str(source_tree / "notebooks"))
    candidates += [str(packaged_course()), "notebooks"]
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
    if (notebooks / START_NOTEBOOK).exists() and not any(a.endswith(".ipynb") for a in extra):
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


def cannot_start_message(proc_sys: Path | None = None) -> str:
    """Why the sandbox kernel could not set up its namespaces, and the fix."""
    from . import doctor  # doctor imports this module for the kernel's name

    if doctor.apparmor_restricts_userns(proc_sys):
        return say("sandbox.apparmor", reason=say("doctor.apparmor.restricted",
                                                  probe="mount -t tmpfs: permission denied"),
                   fix=say("doctor.apparmor.fix", install=doctor.APPARMOR_INSTALL))
    return say("sandbox.start_failed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--cannot-start"]:  # the kernelspec's fallback (see _INNER)
        print(cannot_start_message(), file=sys.stderr)
        sys.exit(1)
    sys.exit("nslab lab: start JupyterLab with the `nslab lab` command.")
