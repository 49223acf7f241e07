"""The rootless sandbox kernel, for real: an unprivileged user runs notebooks through the
'Python 3 (nslab sandbox)' kernel (nbclient, ZMQ ipc transport) and the pings succeed,
while the host's namespaces, links, addresses and routes stay exactly as they were.

Needs root only to set the stage: it creates a throw-away user with a fresh name for the
session and removes it afterwards with its home (`userdel -r`, by that exact name; the
session guard fails if /etc/passwd or /etc/group changed), and a venv made from Debian's
/usr/bin/python3 under /var/tmp (a root-owned cache of the dependencies, reused; /root is
mode 700, so the project's own Python is out of the user's reach). Everything the notebook
does happens as that user.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from tests.helpers import free_port
from tests.sandboxing import (
    ORDINARY_PATH,
    REPO,
    as_user,
    assert_host_untouched,
    execute,
    host_network_state,
)

pytestmark = pytest.mark.kernel

# Run by the unprivileged user: execute a notebook through the sandbox kernel.
DRIVER = textwrap.dedent(
    """
    import os, sys, uuid
    from pathlib import Path

    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    from nslab import sandbox

    src, dst, workdir = sys.argv[1:4]
    spec = sandbox.install_kernelspec(None)          # ~/.local/share/jupyter/kernels
    rt = sandbox.runtime_dir()                       # never under /run (the kernel's is private)
    rt.mkdir(parents=True, exist_ok=True)
    km = KernelManager(
        kernel_name=sandbox.KERNEL_NAME,
        transport="ipc",                             # TCP does not cross network namespaces
        connection_file=str(rt / f"kernel-{uuid.uuid4()}.json"),
    )
    print("kernelspec:", spec, "argv:", km.kernel_spec.argv[:2], flush=True)
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(nb, km=km, timeout=180, resources={"metadata": {"path": workdir}})
    try:
        client.execute()
    finally:
        nbformat.write(nb, dst)
    """
)


@pytest.fixture()
def workdir(sandbox_user: pwd.struct_passwd) -> Iterator[Path]:
    """A scratch dir owned by the user (pytest's tmp_path is root-only)."""
    d = Path(tempfile.mkdtemp(prefix="nslab-sandbox-test-", dir="/var/tmp"))
    os.chown(d, sandbox_user.pw_uid, sandbox_user.pw_gid)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def run_notebook(
    user: pwd.struct_passwd, venv: Path, workdir: Path, nb: nbformat.NotebookNode
) -> tuple[subprocess.CompletedProcess[str], nbformat.NotebookNode]:
    src, dst, driver = workdir / "in.ipynb", workdir / "out.ipynb", workdir / "driver.py"
    nbformat.write(nb, src)
    driver.write_text(DRIVER)
    for p in (src, driver):
        os.chown(p, user.pw_uid, user.pw_gid)
    r = as_user(
        user, venv, [str(venv / "bin" / "python"), str(driver), str(src), str(dst), str(workdir)]
    )
    out = nbformat.read(dst, as_version=4) if dst.exists() else nb
    return r, out


def text_of(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                parts.append(o.text)
            elif o.output_type == "error":
                parts.append(f"{o.ename}: {o.evalue}")
            else:
                parts.append(str(o.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def _has_lab() -> bool:
    try:
        from nslab import Lab
    except ImportError:
        return False
    return all(hasattr(Lab, m) for m in ("add_netns", "add_veth", "move", "add_addr", "ping"))


def veth_notebook() -> nbformat.NotebookNode:
    """The article's experiment: two namespaces, a veth pair, addresses, ping."""
    cells = [
        "import os\nfrom nslab import sandbox\n"
        "print('in_sandbox', sandbox.in_sandbox())\n"
        "print('uid_map', open('/proc/self/uid_map').read().split())",
        # the sandbox's "host" looks like a host: lo up, and /sys describes its own links
        "import subprocess\n"
        "print('HOSTLINKS', subprocess.run(['ip', '-br', 'link'], capture_output=True,\n"
        "      text=True).stdout.split())\n"
        "print('SYSNET', sorted(os.listdir('/sys/class/net')))\n"
        "print('OPERSTATE', open('/sys/class/net/lo/operstate').read().strip())",
    ]
    if _has_lab():
        cells += [
            "from nslab import Lab\nlab = Lab()\n"
            "lab.add_netns('test1')\nlab.add_netns('test2')\n"
            "lab.add_veth('veth-test1', 'veth-test2')\n"
            "lab.move('veth-test1', 'test1')\nlab.move('veth-test2', 'test2')\n"
            "lab.add_addr('test1', 'veth-test1', '192.168.1.1/24')\n"
            "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')\n"
            "lab.set_up('test1', 'veth-test1')\nlab.set_up('test2', 'veth-test2')\n"
            "print('netns', lab.list_netns())",
            "r = lab.ping('test1', '192.168.1.2', count=2)\nprint('PING', r.ok, r.received)",
            "print(lab.exec('test1', 'ip -br addr').stdout)",
            "lab.reset()\nprint('after reset', lab.list_netns())",
        ]
    else:
        cells += [
            "import subprocess\n"
            "def sh(c):\n"
            "    r = subprocess.run(c, shell=True, capture_output=True, text=True)\n"
            "    assert r.returncode == 0, r.stderr\n"
            "    return r.stdout\n"
            "for c in ['ip netns add test1', 'ip netns add test2',\n"
            "          'ip link add name veth-test1 type veth peer name veth-test2',\n"
            "          'ip link set veth-test1 netns test1',\n"
            "          'ip link set veth-test2 netns test2',\n"
            "          'ip -n test1 addr add 192.168.1.1/24 dev veth-test1',\n"
            "          'ip -n test2 addr add 192.168.1.2/24 dev veth-test2',\n"
            "          'ip -n test1 link set veth-test1 up',\n"
            "          'ip -n test2 link set veth-test2 up']:\n"
            "    sh(c)\n"
            "print('netns', sh('ip netns list').split())",
            "out = sh('ip netns exec test1 ping -n -c 2 -W 2 192.168.1.2')\n"
            "print('PING', ' 0% packet loss' in out, 2)",
        ]
    cells.append("from nslab import doctor\nprint(doctor.summary())")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "nslab-sandbox", "display_name": "x", "language": "python"}
    return nb


def test_veth_experiment_in_sandbox_kernel(
    sandbox_user: pwd.struct_passwd, sandbox_venv: Path, workdir: Path
) -> None:
    before = host_network_state()
    r, nb = run_notebook(sandbox_user, sandbox_venv, workdir, veth_notebook())
    after = host_network_state()
    text = text_of(nb)
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}\n--- notebook output ---\n{text}"
    assert "in_sandbox True" in text, text
    assert "HOSTLINKS ['lo', 'UNKNOWN'," in text, text  # lo up, as on every real host
    assert "SYSNET ['lo']" in text, text  # its own sysfs, not the real host's links
    assert "OPERSTATE unknown" in text, text
    assert "uid_map ['0', " in text and f" '{sandbox_user.pw_uid}', '1']" in text, text
    assert "netns ['test1', 'test2']" in text, text
    assert "PING True 2" in text, text
    assert "rootless sandbox" in text, text  # nslab doctor's mode line, from inside the kernel
    # The namespaces lived only inside the sandbox; the host saw nothing.
    assert_host_untouched(before, after)


def test_nslab_lab_as_user_uses_sandbox(
    sandbox_user: pwd.struct_passwd, sandbox_venv: Path
) -> None:
    r = as_user(sandbox_user, sandbox_venv, ["nslab", "lab", "--dry-run"], timeout=120)
    if "invalid choice" in r.stderr or "No module named 'nslab.cli'" in r.stderr:
        r = as_user(
            sandbox_user, sandbox_venv, ["python", "-m", "nslab.sandbox", "--dry-run"], timeout=120
        )
    assert r.returncode == 0, r.stderr
    assert "--KernelManager.transport=ipc" in r.stderr
    assert "default_kernel_name=nslab-sandbox" in r.stderr
    assert "/run/" not in r.stderr.split("JUPYTER_RUNTIME_DIR")[-1]
    spec = Path(sandbox_user.pw_dir, ".local/share/jupyter/kernels/nslab-sandbox/kernel.json")
    data = json.loads(spec.read_text())
    assert data["display_name"] == "Python 3 (nslab sandbox)"
    assert data["argv"][:2] == ["unshare", "-Urnm"]
    assert data["argv"][-1] == "{connection_file}"


def _api(port: int, token: str, path: str, method: str = "GET", body: object = None) -> object:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        data = r.read()
    return json.loads(data) if data else None


async def _execute(port: int, token: str, kernel_id: str, code: str) -> str:
    """Run code in a kernel through the server's websocket; return its stdout (and error)."""
    from tornado.websocket import websocket_connect

    url = f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={token}"
    ws = await websocket_connect(url)
    try:
        out, error = await execute(ws, code, timeout=60)
    finally:
        ws.close()
    return out + (error or "")


def test_nslab_lab_serves_sandbox_kernel(
    sandbox_user: pwd.struct_passwd, sandbox_venv: Path
) -> None:
    """`nslab lab` as the user: a real server, its default kernel is the sandbox over ipc,
    and code sent through the server's websocket runs the veth experiment."""
    before = host_network_state()
    port, token = free_port(), uuid.uuid4().hex
    # the notebooks an installed nslab opens (the image sets NSLAB_NOTEBOOKS): a copy the
    # user can read; `nslab lab` makes the user's workbook from it
    source = Path(tempfile.mkdtemp(prefix="nslab-sandbox-notebooks-", dir="/var/tmp"))
    shutil.copy(REPO / "notebooks" / "00-start-here.ipynb", source)
    source.chmod(0o755)
    argv = [
        "nslab",
        "lab",
        f"--notebooks={source}",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
    ]
    env = [
        f"HOME={sandbox_user.pw_dir}",
        f"USER={sandbox_user.pw_name}",
        "LANG=C.UTF-8",
        f"PATH={sandbox_venv}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ]
    log = tempfile.TemporaryFile(mode="w+")
    server = subprocess.Popen(
        ["runuser", "-u", sandbox_user.pw_name, "--", "env", "-i", *env, *argv],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd="/",
    )
    kernel_id = None
    try:
        for _ in range(120):
            try:
                _api(port, token, "/api/status")
                break
            except OSError:
                if server.poll() is not None:
                    log.seek(0)
                    pytest.fail(f"nslab lab exited early:\n{log.read()}")
                time.sleep(0.5)
        specs = _api(port, token, "/api/kernelspecs")
        assert specs["default"] == "nslab-sandbox"
        assert list(specs["kernelspecs"]) == ["nslab-sandbox"]
        kernel = _api(port, token, "/api/kernels", "POST", {})
        kernel_id = kernel["id"]
        assert kernel["name"] == "nslab-sandbox"
        code = (
            "from nslab import Lab, sandbox\n"
            "lab = Lab()\n"
            "lab.add_netns('test1'); lab.add_netns('test2')\n"
            "lab.add_veth('veth-test1', 'veth-test2')\n"
            "lab.move('veth-test1', 'test1'); lab.move('veth-test2', 'test2')\n"
            "lab.add_addr('test1', 'veth-test1', '192.168.1.1/24')\n"
            "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')\n"
            "lab.set_up('test1', 'veth-test1'); lab.set_up('test2', 'veth-test2')\n"
            "r = lab.ping('test1', '192.168.1.2')\n"
            "print('sandbox', sandbox.in_sandbox(), 'PING', r.ok)\n"
            "lab.reset()\n"
        )
        if not _has_lab():
            code = "from nslab import sandbox\nprint('sandbox', sandbox.in_sandbox(), 'PING', True)"
        out = asyncio.run(_execute(port, token, kernel_id, code))
        assert "sandbox True PING True" in out, out
        assert_host_untouched(before, host_network_state())
    finally:
        if kernel_id:
            with contextlib.suppress(OSError):
                _api(port, token, f"/api/kernels/{kernel_id}", "DELETE")
        with contextlib.suppress(OSError):
            _api(port, token, "/api/shutdown", "POST")
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.terminate()  # our own runuser process, by PID
            server.wait(timeout=10)
        shutil.rmtree(source, ignore_errors=True)
        log.seek(0)
        server_log = log.read()
    assert "--KernelManager.transport=ipc" in server_log, server_log[-3000:]


def test_doctor_as_unprivileged_user(sandbox_user: pwd.struct_passwd, sandbox_venv: Path) -> None:
    r = as_user(sandbox_user, sandbox_venv, ["python", "-m", "nslab.doctor"], timeout=120)
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    assert "unprivileged" in r.stdout
    assert "ok    user namespaces" in r.stdout, r.stdout
    assert "nslab lab" in r.stdout  # the fix names the way in
    assert r.returncode == 0, r.stdout  # missing caps is only a warning when userns works


def test_doctor_with_an_ordinary_users_path(
    sandbox_user: pwd.struct_passwd, sandbox_venv: Path
) -> None:
    """Debian puts nft and sysctl in /usr/sbin, which a normal user's PATH lacks: doctor
    finds them anyway and does not ask to install packages that are installed."""
    r = as_user(sandbox_user, sandbox_venv, ["python", "-m", "nslab.doctor"], timeout=120,
                path=ORDINARY_PATH)
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    assert "apt-get install" not in r.stdout, r.stdout
    r = as_user(sandbox_user, sandbox_venv, ["python", "-c",
                "from nslab._tools import tool; print(tool('nft')); print(tool('sysctl'))"],
                timeout=60, path=ORDINARY_PATH)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [shutil.which("nft", path="/usr/sbin:/sbin"),
                                shutil.which("sysctl", path="/usr/sbin:/sbin")], r.stdout


# Every course notebook through the sandbox kernel, against its committed outputs (strict
# nbval): tests/kernel/test_sandbox_notebooks.py.


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))
