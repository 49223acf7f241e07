"""One set of outputs, true everywhere (issue 19): every notebook (tutorials and exercises,
English and Chinese) passes strict nbval against its committed outputs through the rootless
sandbox kernel, run by a throw-away unprivileged user — the path of every JupyterHub student.

The root run of the same notebooks is `pytest --nbval` over notebooks/ (pyproject.toml's
addopts); this one copies them to a folder of the user's and runs pytest there as the user,
with nbval's kernel forced to `nslab-sandbox` and the same sanitizer
(tests/nbval-sanitize.cfg). A small pytest plugin makes nbval's kernel manager talk to the
sandbox kernel over ZMQ ipc (TCP on 127.0.0.1 does not cross network namespaces) with its
connection files in a runtime dir the kernel can see. The host must show nothing of it.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandboxing import REPO, as_user, assert_host_untouched, host_network_state

pytestmark = pytest.mark.kernel
ARTIFACTS = REPO / "tests" / "artifacts"

# Loaded by the user's pytest (-p sandbox_kernel): nbval's KernelManager -> ipc transport.
PLUGIN = textwrap.dedent(
    '''
    """nbval through nslab's sandbox kernel: ZMQ ipc, connection files where it sees them."""
    import os
    import uuid

    from jupyter_client.manager import KernelManager

    from nslab import sandbox

    sandbox.install_kernelspec(None)
    RUNTIME = sandbox.runtime_dir()
    RUNTIME.mkdir(parents=True, exist_ok=True, mode=0o700)
    _init = KernelManager.__init__


    def _ipc_init(self, *args, **kwargs):
        kwargs.setdefault("transport", "ipc")  # TCP does not cross network namespaces
        kwargs.setdefault("connection_file", str(RUNTIME / f"kernel-{uuid.uuid4()}.json"))
        _init(self, *args, **kwargs)


    KernelManager.__init__ = _ipc_init
    '''
)


@pytest.fixture()
def course(sandbox_user: pwd.struct_passwd) -> Iterator[Path]:
    """A copy of notebooks/ (and what nbval needs) in a folder owned by the user."""
    d = Path(tempfile.mkdtemp(prefix="nslab-sandbox-nbval-", dir="/var/tmp"))
    shutil.copytree(REPO / "notebooks", d / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(REPO / "tests" / "nbval-sanitize.cfg", d / "sanitize.cfg")
    (d / "sandbox_kernel.py").write_text(PLUGIN)
    for p in [d, *d.rglob("*")]:
        os.chown(p, sandbox_user.pw_uid, sandbox_user.pw_gid)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_every_notebook_passes_nbval_in_the_sandbox_kernel(
    sandbox_user: pwd.struct_passwd, sandbox_venv: Path, course: Path
) -> None:
    notebooks = sorted((course / "notebooks").rglob("*.ipynb"))
    assert len(notebooks) >= 32, "6 tutorials and 10 exercises, in English and in Chinese"
    before = host_network_state()
    started = time.monotonic()
    r = as_user(
        sandbox_user, sandbox_venv,
        ["python", "-m", "pytest", "notebooks", "--nbval", "--nbval-kernel-name",
         "nslab-sandbox", "--nbval-sanitize-with", "sanitize.cfg", "-p", "sandbox_kernel",
         "-p", "no:cacheprovider", "-q", "-rfE", "-vv", "--rootdir", str(course)],
        cwd=course, timeout=1800, env={"PYTHONPATH": str(course)},
    )
    took = time.monotonic() - started
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "sandbox-nbval.log").write_text(r.stdout + r.stderr)  # the whole report
    tail = (r.stdout + r.stderr)[-12000:]
    assert r.returncode == 0, tail
    summary = re.search(r"(\d+) passed", r.stdout)
    assert summary and int(summary.group(1)) >= 400, tail  # every code cell of every notebook
    assert " failed" not in r.stdout and "error" not in r.stdout.splitlines()[-1], tail
    print(f"sandbox nbval: {summary.group(0)} in {took:.0f} s")
    assert_host_untouched(before, host_network_state())
