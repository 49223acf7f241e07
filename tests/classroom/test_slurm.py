"""deploy/slurm/: a class past one machine, on a real Slurm cluster made on this machine.

Three compute nodes, each a network namespace with a hostname of its own and one
`slurmd -N nodeN`; slurmctld and the hub (deploy/slurm/start.sh: batchspawner's
MultiSlurmSpawner) in a controller namespace; all joined by a bridge in a namespace of its
own (tests/classroom/slurm_cluster.py). Two throw-away students log in through the login
form; each one's server is a Slurm job, on different nodes; notebook 03 runs in both at
once in the sandbox kernel, whose hostname is its node's. Then one node dies (its slurmd
killed by PID, then what ran on it): Slurm declares it DOWN and ends its job, the hub
notices, and the student on it starts again, on a node that is still up, and runs notebook
03 there. Everything is removed whatever happens (daemons and processes by PID, namespaces
and users by exact name, files).
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import pwd
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from classroom_stage import REPO, run
from slurm_cluster import CONTROLLER_ADDR, Cluster, slurm_cluster, trace, wait_for

from tests import sandboxing
from tests.sandboxing import execute

pytestmark = pytest.mark.kernel

START = REPO / "deploy" / "slurm" / "start.sh"
NOTEBOOK = REPO / "notebooks" / "03-veth-pair.ipynb"
VENV = Path(os.environ.get("NSLAB_SLURM_VENV", "/var/tmp/nslab-slurm-venv"))
EXTRA = ["nbclient>=0.10", "ipykernel>=6", "nbformat>=5", "jupyterhub>=5,<6",
         "batchspawner>=1.3,<2"]
PORT = 8000  # inside the controller's namespace: nothing else listens there
BASE = f"http://127.0.0.1:{PORT}"  # the students' side, seen from the controller namespace


def _api(path: str, token: str | None, method: str = "GET", body: object = None
         ) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    req = urllib.request.Request(BASE + path, method=method, headers=headers,
                                 data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            data = r.read()
            return r.status, json.loads(data) if data else None
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _login(user: str, password: str) -> tuple[int, str]:
    """The hub's login form, as a browser fills it in (PAM checks the Unix password)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(BASE + "/hub/login", timeout=60).read()
    xsrf = next((c.value for c in jar if c.name == "_xsrf"), "")
    body = urllib.parse.urlencode({"username": user, "password": password, "_xsrf": xsrf})
    try:
        with opener.open(urllib.request.Request(BASE + "/hub/login?next=/hub/home",
                                                data=body.encode()), timeout=60) as r:
            return r.status, r.geturl()
    except urllib.error.HTTPError as err:
        return err.code, err.geturl()


async def _run_notebook(user: str, token: str, cells: list[str]) -> dict[str, Any]:
    """Notebook 03 in a new kernel of USER's server (the sandbox kernel, the default), then
    where it ran: the kernel's hostname and user namespace."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    status, kernel = _api(f"/user/{user}/api/kernels", token, "POST", {})
    assert status == 201, (status, kernel)
    ws = await websocket_connect(HTTPRequest(
        f"ws://127.0.0.1:{PORT}/user/{user}/api/kernels/{kernel['id']}/channels",
        headers={"Authorization": f"token {token}"}))
    errors = []
    try:
        for i, code in enumerate(cells):
            _, error = await execute(ws, code)
            if error and "shows a mistake on purpose" not in code:
                errors.append((i, error))
        out, error = await execute(ws, (
            "import json, os, socket\n"
            "print(json.dumps({'host': socket.gethostname(), 'netns': lab.list_netns(),\n"
            "  'uid_map': open('/proc/self/uid_map').read().split()}))"))
        assert error is None, error
    finally:
        ws.close()
    _api(f"/user/{user}/api/kernels/{kernel['id']}", token, "DELETE")
    return {"errors": errors, "probe": json.loads(out.strip().splitlines()[-1])}


def _raising_cells() -> set[int]:
    """The code cells (by index) that raise on purpose: tagged raises-exception."""
    code = [c for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]
    return {i for i, c in enumerate(code) if "raises-exception" in c.metadata.get("tags", [])}


def _notebook_cells() -> list[str]:
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells
             if c.cell_type == "code"]
    # The last cell resets the lab; run it (the kernel's own namespaces go) but probe first.
    return cells[:-1] if cells[-1].strip() == "lab.reset()" else cells


@pytest.fixture(scope="module")
def slurm_venv() -> Path:
    """nslab + jupyterhub + batchspawner in a venv every student can run (hub and nodes
    share this machine's disk, as a cluster shares /opt over NFS)."""
    for tool in ("slurmctld", "slurmd", "munged", "sbatch", "nsenter", "configurable-http-proxy"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing (tests/tools/sysdeps.sh installs it)")
    venv = sandboxing.make_venv(VENV, EXTRA)
    r = run([str(venv / "bin" / "python"), "-c", "import sys; from nslab import sandbox; "
             "print(sandbox.install_kernelspec(sys.prefix))"])
    assert r.returncode == 0, r.stderr
    return venv


class Hub:
    """deploy/slurm/start.sh in the controller's namespace; stopped by PID."""

    def __init__(self, cluster: Cluster, venv: Path, users: list[str]) -> None:
        self.cluster = cluster
        self.state = cluster.tmp / "hub"
        self.state.mkdir(mode=0o700)
        self.service = uuid.uuid4().hex
        env = os.environ | cluster.env | {
            "NSLAB_HUB_STATE": str(self.state), "NSLAB_HUB_PORT": str(PORT),
            "NSLAB_HUB_PYTHON": str(venv / "bin" / "python"),
            "NSLAB_HUB_SERVICE_TOKEN": self.service, "NSLAB_HUB_USERS": " ".join(users),
            "NSLAB_SLURM_HUB_IP": CONTROLLER_ADDR,
        }
        self.logfile = self.state / "hub.log"
        with open(self.logfile, "wb") as log:
            self.proc = subprocess.Popen(
                ["nsenter", f"--net=/run/netns/{cluster.head_ns}", "sh", str(START)],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(self.state))

    def log(self) -> str:
        return self.logfile.read_text(errors="replace")[-6000:]

    def api(self, path: str, method: str = "GET", body: object = None) -> tuple[int, Any]:
        return self.cluster.call(_api, path, self.service, method, body)

    def wait_up(self) -> None:
        def answers() -> bool:
            assert self.proc.poll() is None, self.log()
            try:
                return self.api("/hub/api/")[0] == 200
            except OSError:
                return False
        wait_for("the hub to answer", answers, log=self.log)

    def server(self, name: str) -> dict[str, Any]:
        status, user = self.api(f"/hub/api/users/{name}")
        assert status == 200, (status, user)
        return user

    def start(self, name: str) -> None:
        status, body = self.api(f"/hub/api/users/{name}/server", "POST", {})
        assert status in (201, 202), (status, body, self.log())
        wait_for(f"{name}'s server (a Slurm job) to be ready",
                 lambda: self.server(name)["servers"].get("", {}).get("ready"),
                 timeout=600, log=lambda: self.log() + self.cluster.log("slurmctld"))

    def token(self, name: str) -> str:
        status, tok = self.api(f"/hub/api/users/{name}/tokens", "POST",
                               {"note": "slurm test", "expires_in": 1800})
        assert status in (200, 201), tok
        return tok["token"]

    def stop(self, names: list[str]) -> None:
        """Stop the students' servers (scancel), wait for the hub to say so, then the hub."""
        if self.proc.poll() is None:
            for name in names:
                try:
                    self.api(f"/hub/api/users/{name}/server", "DELETE")
                except OSError:
                    pass
            deadline = time.monotonic() + 60
            for name in names:
                while time.monotonic() < deadline:
                    try:
                        user = self.server(name)
                    except (OSError, AssertionError):
                        break
                    if not user.get("servers") and not user.get("pending"):
                        break
                    time.sleep(0.2)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # The proxy it started lives in the controller namespace: the cluster's teardown
        # ends it by PID with everything else there.


@pytest.fixture()
def cluster_hub(slurm_venv: Path, make_user: Any) -> Iterator[tuple[Cluster, Hub, dict]]:
    students = [make_user("slm"), make_user("slm")]
    passwords = {u.pw_name: uuid.uuid4().hex for u in students}
    r = run(["chpasswd"], input="".join(f"{n}:{p}\n" for n, p in passwords.items()))
    assert r.returncode == 0, r.stderr
    trace("users", users={u.pw_name: u.pw_uid for u in students})
    with slurm_cluster(nodes=3) as cluster:
        hub = Hub(cluster, slurm_venv, list(passwords))
        try:
            hub.wait_up()
            trace("hub", hub=hub.proc.pid)
            yield cluster, hub, passwords
        finally:
            hub.stop(list(passwords))


def _node_of(cluster: Cluster, name: str) -> str:
    jobs = [j for j in cluster.jobs_of(name) if j[1] == "RUNNING"]
    assert len(jobs) == 1, (name, cluster.jobs_of(name))
    return jobs[0][2]


def test_a_class_on_a_slurm_cluster(cluster_hub: tuple[Cluster, Hub, dict]) -> None:
    cluster, hub, passwords = cluster_hub
    a, b = passwords
    started = time.monotonic()
    # Both log in through the login form (PAM); a wrong password is refused.
    assert "/hub/login" in cluster.call(_login, a, "wrong")[1]
    for name in (a, b):
        status, url = cluster.call(_login, name, passwords[name])
        assert status == 200 and "/hub/login" not in url, (status, url, hub.log())
    # Each server is a Slurm job; one node each (select/linear), so on different nodes.
    for name in (a, b):
        hub.start(name)
    nodes = {name: _node_of(cluster, name) for name in (a, b)}
    assert nodes[a] != nodes[b], nodes
    trace("servers", jobs={name: cluster.jobs_of(name) for name in (a, b)})
    tokens = {name: hub.token(name) for name in (a, b)}
    cells = _notebook_cells()

    async def both() -> list[dict[str, Any]]:
        return await asyncio.gather(*(_run_notebook(n, tokens[n], cells) for n in (a, b)))

    runs = dict(zip((a, b), cluster.call(asyncio.run, both()), strict=True))
    for name, result in runs.items():
        assert {i for i, _ in result["errors"]} == _raising_cells(), (name, result["errors"])
        probe = result["probe"]
        assert probe["host"] == nodes[name], (name, probe, nodes)  # ran on its node
        assert sorted(probe["netns"]) == ["test1", "test2"], probe  # in its own sandbox
        assert probe["uid_map"][:3] == ["0", str(pwd.getpwnam(name).pw_uid), "1"], probe
    first = time.monotonic() - started

    # A's node dies. Slurm declares it DOWN and ends its job; the hub notices at its poll.
    lost = nodes[a]
    cluster.fail_node(lost)
    wait_for(f"slurmctld to declare {lost} down",
             lambda: cluster.node_states().get(lost, "").startswith("down"),
             log=lambda: cluster.log("slurmctld"))
    wait_for(f"the hub to see {a}'s server gone", lambda: not hub.server(a)["servers"],
             log=hub.log)
    assert nodes[b] in cluster.node_states() and _node_of(cluster, b) == nodes[b]

    # A starts again: on a node that is up, and notebook 03 runs there.
    hub.start(a)
    again = _node_of(cluster, a)
    assert again not in (lost, nodes[b]), (again, nodes)
    token = hub.token(a)
    result = cluster.call(asyncio.run, _run_notebook(a, token, cells))
    assert {i for i, _ in result["errors"]} == _raising_cells(), result["errors"]
    assert result["probe"]["host"] == again, (result["probe"], again)
    print(f"\nslurm: two students on {nodes[a]} and {nodes[b]} with notebook 03 in "
          f"{first:.0f} s; after {lost} died, {a} ran it again on {again}; "
          f"{time.monotonic() - started:.0f} s in all")
