"""A class logging in at once: N throw-away students on the one-machine hub (deploy/hub/).

    sudo python bench/classroom.py 10 20 30 60      # one table row per N
    sudo python bench/classroom.py --start-cost     # a student's server vs a bare JupyterLab

For each N: N Unix users made for the run (nslbc + 6 hex digits), the real hub
(deploy/hub/start.sh: PAM, configurable-http-proxy, the students' servers as themselves),
then every student at the same moment logs in through the login form, waits until their
server is ready, and runs notebook 03 in the sandbox kernel (Jupyter REST + kernel
websocket, cell by cell; the cells tagged raises-exception must fail, no other may). Measured:
login + spawn (p50/p95), notebook 03 (p50/p95), the whole lesson start (first login -> last
notebook done), and per student the CPU-seconds of their processes (server start, then the
notebook) and their memory (PSS), plus the hub's and the proxy's. On stderr, where each
student's CPU goes: their server and kernel, the hub's event loop, its threads (PAM), the
children it reaped (prepare_home.py), the proxy, this bench's own clients; and the students'
processes by command line (when ready, and after notebook 03). The `uptime` before and after
each class says how quiet the machine was. A student waits for their server on the hub's
progress event stream, as the spawn page does (--poll: asking every second instead).

Whatever happens (an error, Ctrl-C, SIGTERM) the servers are stopped, the hub and its proxy
ended by PID, and the users removed by exact name with their homes and processes (by PID);
the host's links, namespaces and users are compared before/after. Run as root, under the
kernel lock (flock /tmp/nslab-kernel.lock ...). The students' venv is
tests/classroom/classroom_stage.py's (NSLAB_CLASSROOM_VENV).

--start-cost: one student at a time (no load), the CPU-seconds a server needs until it
answers HTTP, each round a fresh user (a class is first starts): the nslab student server
through the hub, and a bare JupyterLab (`jupyter lab` with only the server extensions
`pip install jupyterlab` brings) in the same venv; side by side with their ratio, which the
README reports (goal <= 1.3), and a restart of the same students' servers for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.cookiejar
import json
import os
import pwd
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "classroom")]

import nbformat  # noqa: E402

from tests import sandboxing  # noqa: E402

HUB = REPO / "deploy" / "hub"
NOTEBOOK = REPO / "notebooks" / "03-veth-pair.ipynb"
PREFIX = "nslbc"
TICK = os.sysconf("SC_CLK_TCK")
RAISES = "raises-exception"


class Stopped(Exception):
    """SIGTERM (or SIGINT) asked the bench to stop: clean up and exit."""


# --- what a process costs, read from /proc -----------------------------------------------


def _pids_of(uid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                for line in Path(f"/proc/{d}/status").read_text().splitlines():
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            out.append(int(d))
                        break
            except OSError:
                pass
    return out


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes and of their children already reaped."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def _stat(path: str) -> list[int]:
    """utime stime cutime cstime of one /proc/PID/stat (or task/TID/stat), in ticks."""
    try:
        stat = Path(path).read_text()
    except OSError:
        return [0, 0, 0, 0]
    return [int(f) for f in stat[stat.rindex(")") + 2 :].split()[11:15]]


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = Path(f"/proc/{d}/stat").read_text()
                if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                    out.append(int(d))
    return out


def hub_breakdown(hub_pid: int, students: set[int]) -> dict[str, float]:
    """CPU-s so far of the hub's parts: its event loop (main thread), its other threads
    (PAM runs in a thread pool), the children it reaped (prepare_home.py), and its living
    children that are not a student's (the proxy, the class service)."""
    main = _stat(f"/proc/{hub_pid}/task/{hub_pid}/stat")
    threads = 0
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{hub_pid}/task"):
            if int(tid) != hub_pid:
                threads += sum(_stat(f"/proc/{hub_pid}/task/{tid}/stat")[:2])
    whole = _stat(f"/proc/{hub_pid}/stat")
    helpers: dict[str, float] = {}
    for child in _children(hub_pid):
        try:
            uid = os.stat(f"/proc/{child}").st_uid
            name = Path(f"/proc/{child}/comm").read_text().strip()
        except OSError:
            continue
        if uid not in students:
            helpers[name] = helpers.get(name, 0) + sum(_stat(f"/proc/{child}/stat")) / TICK
    return {"hub event loop": sum(main[:2]) / TICK, "hub threads (PAM...)": threads / TICK,
            "hub reaped children (prepare_home...)": sum(whole[2:]) / TICK,
            **{f"hub child {k}": v for k, v in helpers.items()}}


def by_process(pids: list[int]) -> dict[str, float]:
    """CPU-s of each process by its name (its own, and its reaped children's as
    "NAME's children": ip, dot, tcpdump... that ended)."""
    out: dict[str, float] = {}
    for pid in pids:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        name = " ".join(Path(a.decode(errors="replace")).name for a in argv[:3] if a)[:40]
        ticks = _stat(f"/proc/{pid}/stat")
        out[name] = out.get(name, 0) + sum(ticks[:2]) / TICK
        if sum(ticks[2:]):
            out[f"{name}'s children"] = out.get(f"{name}'s children", 0) + sum(ticks[2:]) / TICK
    return out


def pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            pass
    return total / 1024


# --- HTTP as a student's browser and as the hub's admin service ---------------------------


class Browser:
    """A cookie-keeping HTTP client for one student."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def login(self, user: str, password: str) -> int:
        with self.opener.open(self.base + "/hub/login", timeout=600) as r:
            r.read()
        xsrf = next((c.value for c in self.jar if c.name == "_xsrf"), "")
        body = urllib.parse.urlencode({"username": user, "password": password,
                                       "_xsrf": xsrf}).encode()
        req = urllib.request.Request(self.base + "/hub/login?next=", data=body, method="POST")
        try:  # follows the redirects to the spawn page: this is what starts the server
            with self.opener.open(req, timeout=600) as r:
                r.read()
                return r.status
        except urllib.error.HTTPError as err:
            return err.code


def api(base: str, path: str, token: str, method: str = "GET", body: object = None,
        timeout: float = 600) -> tuple[int, Any]:
    req = urllib.request.Request(
        base + path, method=method,
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            data = r.read()
            return r.status, json.loads(data) if data else None
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


# --- the hub ---------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hub:
    proc: subprocess.Popen
    base: str
    service: str
    state: Path

    @property
    def log(self) -> str:
        return (self.state / "hub.log").read_text(errors="replace")

    def pids(self) -> list[int]:
        pids = [self.proc.pid]
        pid = self.state / "proxy.pid"
        if pid.exists():
            pids.append(int(pid.read_text().strip()))
        return pids


@contextlib.contextmanager
def running_hub(py: Path, users: list[str], stop: threading.Event) -> Iterator[Hub]:
    """deploy/hub/start.sh for USERS on free loopback ports; ended by PID afterwards."""
    state = Path(tempfile.mkdtemp(prefix="nslab-bench-hub-", dir="/var/tmp"))
    port, service = free_port(), uuid.uuid4().hex
    env = os.environ | {
        "NSLAB_HUB_STATE": str(state), "NSLAB_HUB_PORT": str(port),
        "NSLAB_HUB_API_PORT": str(free_port()), "NSLAB_HUB_PROXY_API_PORT": str(free_port()),
        "NSLAB_HUB_PYTHON": str(py), "NSLAB_HUB_SERVICE_TOKEN": service,
        "NSLAB_HUB_USERS": " ".join(users),
    }
    with open(state / "hub.log", "w") as log:
        proc = subprocess.Popen(["sh", str(HUB / "start.sh")], env=env, stdout=log,
                                stderr=subprocess.STDOUT, cwd=str(state))
    hub = Hub(proc, f"http://127.0.0.1:{port}", service, state)
    try:
        while True:  # until it answers (or exits)
            if stop.is_set():
                raise Stopped
            try:
                if api(hub.base, "/hub/api/", service, timeout=30)[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("the hub exited:\n" + hub.log)
            time.sleep(0.2)
        yield hub
    finally:
        for name in users:
            with contextlib.suppress(OSError):
                api(hub.base, f"/hub/api/users/{name}/server", service, "DELETE", timeout=30)
        _wait_stopped(hub, users)
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        pid = state / "proxy.pid"
        if pid.exists():  # the proxy this hub started, by its PID
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid.read_text().strip()), signal.SIGTERM)
        shutil.rmtree(state, ignore_errors=True)


def _wait_stopped(hub: Hub, users: list[str]) -> None:
    """Until the hub reports no server and nothing pending for each user; what is left
    afterwards is killed by PID with the user."""
    for name in users:
        for _ in range(600):
            try:
                status, user = api(hub.base, f"/hub/api/users/{name}", hub.service, timeout=30)
            except OSError:
                return
            if status != 200 or (not user.get("servers") and not user.get("pending")):
                break
            time.sleep(0.2)


# --- one student -------------------------------------------------------------------------------


@dataclass
class Student:
    name: str
    uid: int
    password: str
    start: float = 0.0  # when they pressed "Sign in"
    ready: float = 0.0  # when the hub said their server is ready
    done: float = 0.0  # when the last cell of notebook 03 finished
    server_cpu: float = 0.0  # CPU-s of their processes when the server was ready
    total_cpu: float = 0.0  # ... after the notebook
    pss_mb: float = 0.0  # their processes' memory after the notebook
    by_process: dict[str, float] = field(default_factory=dict)  # CPU-s by process, at the end
    by_process_ready: dict[str, float] = field(default_factory=dict)  # ... when ready
    error: str = ""
    cell_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error and not self.cell_errors and self.done > 0


async def _execute(ws: Any, code: str) -> tuple[str, str | None]:
    """One cell over the kernel websocket; waits for the kernel to be idle (no time limit:
    the bench measures how long it takes)."""
    msg_id = uuid.uuid4().hex
    await ws.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": uuid.uuid4().hex,
                   "username": "bench", "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    }))
    out, error = [], None
    while True:
        raw = await ws.read_message()
        if raw is None:
            raise RuntimeError("the kernel websocket closed")
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["header"]["msg_type"]
        if kind == "stream":
            out.append(msg["content"]["text"])
        elif kind == "error":
            error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            return "".join(out), error


async def _notebook(base: str, student: Student, token: str,
                    cells: list[tuple[str, bool]]) -> None:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    status, kernel = api(base, f"/user/{student.name}/api/kernels", token, "POST", {})
    if status != 201:
        raise RuntimeError(f"starting a kernel: {status} {kernel}")
    ws = await websocket_connect(HTTPRequest(
        f"ws://{base.split('://')[1]}/user/{student.name}/api/kernels/{kernel['id']}/channels",
        headers={"Authorization": f"token {token}"}))
    try:
        for i, (code, must_raise) in enumerate(cells):
            _, error = await _execute(ws, code)
            if bool(error) != must_raise:
                student.cell_errors.append(f"cell {i}: {error or 'did not raise'}")
    finally:
        ws.close()


POLL = False  # --poll: ask the hub for the server's state every second (the old bench)


def _until_ready(hub: Hub, student: Student) -> None:
    """Follow the server's progress event stream, as the spawn page does in a browser (one
    request, the hub pushes each event), until it says the server is ready or failed."""
    req = urllib.request.Request(
        f"{hub.base}/hub/api/users/{student.name}/server/progress",
        headers={"Authorization": f"token {hub.service}", "Accept": "text/event-stream"})
    with urllib.request.urlopen(req, timeout=600) as stream:
        for line in stream:
            if not line.startswith(b"data:"):
                continue
            event = json.loads(line[5:])
            if event.get("ready"):
                return
            if event.get("failed"):
                raise RuntimeError(f"the server failed to start: {event.get('message')}")
    raise RuntimeError("the progress stream ended before the server was ready (see the hub log)")


def _poll_ready(hub: Hub, student: Student, stop: threading.Event) -> None:
    while not stop.is_set():
        status, user = api(hub.base, f"/hub/api/users/{student.name}", hub.service)
        server = user.get("servers", {}).get("", {}) if status == 200 else {}
        if server.get("ready"):
            return
        if status == 200 and not server.get("pending") and not user.get("pending"):
            raise RuntimeError("the server stopped or failed to start (see the hub log)")
        time.sleep(1)


def run_student(hub: Hub, student: Student, cells: list[tuple[str, bool]],
                go: threading.Event, stop: threading.Event) -> None:
    try:
        go.wait()
        student.start = time.monotonic()
        status = Browser(hub.base).login(student.name, student.password)
        if status != 200:
            raise RuntimeError(f"login answered {status}")
        status, body = api(hub.base, f"/hub/api/users/{student.name}/server", hub.service,
                           "POST", {})
        if status not in (201, 202, 400):  # 400: the login already started it
            raise RuntimeError(f"starting the server: {status} {body}")
        if POLL:
            _poll_ready(hub, student, stop)
        else:
            _until_ready(hub, student)
        if stop.is_set():
            return
        student.ready = time.monotonic()
        pids = _pids_of(student.uid)
        student.server_cpu, student.by_process_ready = cpu_seconds(pids), by_process(pids)
        if not cells:  # the server's start alone (--start-cost)
            return
        status, tok = api(hub.base, f"/hub/api/users/{student.name}/tokens", hub.service,
                          "POST", {"note": "classroom bench", "expires_in": 3600})
        if status not in (200, 201):
            raise RuntimeError(f"a token: {status} {tok}")
        asyncio.run(_notebook(hub.base, student, tok["token"], cells))
        student.done = time.monotonic()
        pids = _pids_of(student.uid)
        student.total_cpu, student.pss_mb = cpu_seconds(pids), pss_mb(pids)
        student.by_process = by_process(pids)
    except Exception as e:  # noqa: BLE001 - reported per student, in the table
        student.error = f"{type(e).__name__}: {e}"


# --- one class ----------------------------------------------------------------------------------


def _cells() -> list[tuple[str, bool]]:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return [(c.source, RAISES in c.metadata.get("tags", [])) for c in nb.cells
            if c.cell_type == "code"]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


@contextlib.contextmanager
def students(n: int, stop: threading.Event) -> Iterator[list[Student]]:
    """N throw-away users with passwords; removed (processes by PID, homes) whatever happens."""
    made: list[pwd.struct_passwd] = []
    try:
        for _ in range(n):
            if stop.is_set():
                raise Stopped
            made.append(sandboxing.create_user(f"{PREFIX}{uuid.uuid4().hex[:6]}"))
        out = [Student(u.pw_name, u.pw_uid, uuid.uuid4().hex) for u in made]
        r = sandboxing.run(["chpasswd"], input="".join(f"{s.name}:{s.password}\n" for s in out))
        if r.returncode:
            raise RuntimeError(f"chpasswd: {r.stderr}")
        yield out
    finally:
        failed = []
        for user in made:  # every one, even after one failed
            try:
                sandboxing.remove_user(user)
            except Exception as e:  # noqa: BLE001 - keep removing the others
                failed.append(f"{user.pw_name}: {e}")
        if failed:
            raise RuntimeError(f"could not remove: {failed}")


def _host() -> dict[str, Any]:
    state = sandboxing.host_network_state()
    return {"net": state, "users": sorted(u.pw_name for u in pwd.getpwall())}


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _own_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def breakdown_text(r: dict[str, Any]) -> str:
    parts = r["per_student_cpu"]
    total = sum(v for v in parts.values() if v == v)
    def mean(key: str) -> str:
        procs: dict[str, float] = {}
        ok = [s for s in r["students"] if s[key]]
        for s in ok:
            for k, v in s[key].items():
                procs[k] = procs.get(k, 0) + v / len(ok)
        return "\n".join(f"    {k:<40} {v:6.2f}"
                         for k, v in sorted(procs.items(), key=lambda kv: -kv[1]))

    return (f"CPU-s per student, N = {r['n']} (total {total:.2f}; uptime before: "
            f"{r['uptime']['before']}; after: {r['uptime']['after']}):\n"
            + "\n".join(f"  {k:<40} {v:6.2f}" for k, v in parts.items())
            + "\n  their processes when the server was ready, by command line:\n"
            + mean("by_process_ready")
            + "\n  their processes after notebook 03:\n" + mean("by_process"))


def one_class(n: int, py: Path, stop: threading.Event) -> dict[str, Any]:
    """Run a class of N; the table row as a dict."""
    before, before_uptime = _host(), _uptime()
    cells = _cells()
    with students(n, stop) as class_, running_hub(py, [s.name for s in class_], stop) as hub:
        go = threading.Event()
        threads = [threading.Thread(target=run_student, args=(hub, s, cells, go, stop),
                                    daemon=True) for s in class_]
        for t in threads:
            t.start()
        hub_cpu0 = cpu_seconds(hub.pids())
        uids = {s.uid for s in class_}
        parts0 = hub_breakdown(hub.proc.pid, uids)
        bench0 = _own_cpu()
        go.set()  # everyone presses "Sign in" now
        hub_pss = 0.0
        while any(t.is_alive() for t in threads):
            if stop.is_set():
                raise Stopped
            hub_pss = max(hub_pss, pss_mb(hub.pids()))
            time.sleep(0.5)
        hub_cpu = cpu_seconds(hub.pids()) - hub_cpu0
        parts = hub_breakdown(hub.proc.pid, uids)
        breakdown = {k: (v - parts0.get(k, 0)) / n for k, v in parts.items()}
        breakdown["this bench (the students' browsers)"] = (_own_cpu() - bench0) / n
        failures = {s.name: s.error or s.cell_errors for s in class_ if not s.ok}
        if failures:
            print(f"failures: {json.dumps(failures, indent=1)}\n--- hub log (tail) ---\n"
                  + "\n".join(hub.log.splitlines()[-40:]), file=sys.stderr)
    after = _host()
    ok = [s for s in class_ if s.ok]
    first = min(s.start for s in class_)
    row = {
        "n": n, "ok": len(ok),
        "spawn_p50": _pct([s.ready - s.start for s in ok], 0.5),
        "spawn_p95": _pct([s.ready - s.start for s in ok], 0.95),
        "notebook_p50": _pct([s.done - s.ready for s in ok], 0.5),
        "notebook_p95": _pct([s.done - s.ready for s in ok], 0.95),
        "lesson": max(s.done for s in ok) - first if len(ok) == n else float("nan"),
        "server_cpu": statistics.mean(s.server_cpu for s in ok) if ok else float("nan"),
        "notebook_cpu": statistics.mean(s.total_cpu - s.server_cpu for s in ok) if ok
        else float("nan"),
        "pss_mb": statistics.mean(s.pss_mb for s in ok) if ok else float("nan"),
        "hub_cpu": hub_cpu, "hub_pss_mb": hub_pss,
        "per_student_cpu": {"server start": statistics.mean(s.server_cpu for s in ok)
                            if ok else float("nan"),
                            "kernel + notebook 03": statistics.mean(
                                s.total_cpu - s.server_cpu for s in ok) if ok else float("nan"),
                            **breakdown},
        "uptime": {"before": before_uptime, "after": _uptime()},
        "host_unchanged": before == after,
        "students": [asdict(s) | {"password": ""} for s in class_],
    }
    return row


HEADER = ("| students at once | ok | login + spawn p50 / p95 | notebook 03 p50 / p95 | "
          "whole lesson start | CPU-s per student: server / notebook | PSS per student | "
          "hub + proxy: CPU-s / PSS |\n|---|---|---|---|---|---|---|---|")


def table_row(r: dict[str, Any]) -> str:
    return (f"| {r['n']} | {r['ok']} | {r['spawn_p50']:.0f} s / {r['spawn_p95']:.0f} s | "
            f"{r['notebook_p50']:.0f} s / {r['notebook_p95']:.0f} s | {r['lesson']:.0f} s | "
            f"{r['server_cpu']:.1f} / {r['notebook_cpu']:.1f} | {r['pss_mb']:.0f} MB | "
            f"{r['hub_cpu']:.0f} / {r['hub_pss_mb']:.0f} MB |")


# --- the start cost: a student's server vs a bare JupyterLab --------------------------------

BARE_EXTENSIONS = {"jupyterlab": True, "jupyter_lsp": True, "jupyter_server_terminals": True,
                   "notebook_shim": True}


def _bare_server_cpu(py: Path, user: pwd.struct_passwd, stop: threading.Event) -> float:
    """CPU-s of `jupyter lab` with only a bare install's server extensions, as USER, until it
    answers HTTP; stopped by PID afterwards."""
    port, token = free_port(), uuid.uuid4().hex
    others = _installed_server_extensions(py)
    enabled = {name: name in BARE_EXTENSIONS for name in others} | BARE_EXTENSIONS
    config = Path(user.pw_dir, ".bare-jupyter")  # a dict trait is set by a config file
    config.mkdir(exist_ok=True)
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": enabled}}))
    for p in (config, config / "jupyter_server_config.json"):
        os.chown(p, user.pw_uid, user.pw_gid)
    argv = ["runuser", "-u", user.pw_name, "--", "env", "-i", f"HOME={user.pw_dir}",
            f"PATH={py.parent}:{sandboxing.ORDINARY_PATH}", f"JUPYTER_CONFIG_PATH={config}",
            f"JUPYTER_RUNTIME_DIR={user.pw_dir}/.local/share/jupyter/runtime",
            str(py), "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
            "--LabApp.news_url=None",  # nothing fetched from outside, even if asked
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--IdentityProvider.token={token}", f"--notebook-dir={user.pw_dir}"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/api/status?token={token}"
        while not stop.is_set():
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    r.read()
                return cpu_seconds(_pids_of(user.pw_uid))
            except (OSError, urllib.error.URLError):
                if proc.poll() is not None:
                    raise RuntimeError("jupyter lab exited before answering") from None
                time.sleep(0.05)
        raise Stopped
    finally:
        sandboxing.end_processes_of(user)
        proc.wait()


def _installed_server_extensions(py: Path) -> list[str]:
    code = ("import json\nfrom jupyter_server.extension.config import ExtensionConfigManager\n"
            "from jupyter_core.paths import jupyter_config_path\n"
            "m = ExtensionConfigManager(read_config_path=jupyter_config_path())\n"
            "print(json.dumps(sorted(m.get_jpserver_extensions())))")
    r = subprocess.run([str(py), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def start_cost(py: Path, stop: threading.Event, rounds: int = 3) -> dict[str, Any]:
    """CPU-s to a first HTTP answer, each round a fresh student (a class is first starts):
    the nslab student server through the hub (one student at a time, no load), a bare
    JupyterLab as another fresh user, their medians' ratio; and the nslab server started
    again for the same student (a restart), for comparison."""
    nslab, bare, again = [], [], []
    with students(2 * rounds, stop) as class_, \
            running_hub(py, [s.name for s in class_[:rounds]], stop) as hub:
        go = threading.Event()
        go.set()

        def once(s: Student) -> float:
            run_student(hub, s, [], go, stop)
            if s.error:
                raise RuntimeError(s.error + "\n" + hub.log)
            api(hub.base, f"/hub/api/users/{s.name}/server", hub.service, "DELETE")
            _wait_stopped(hub, [s.name])
            sandboxing.end_processes_of(pwd.getpwnam(s.name))
            return s.server_cpu

        for s in class_[:rounds]:
            nslab.append(once(s))
        for s in class_[rounds:]:
            bare.append(_bare_server_cpu(py, pwd.getpwnam(s.name), stop))
        for s in class_[:rounds]:
            again.append(once(Student(s.name, s.uid, s.password)))
    a, b = statistics.median(nslab), statistics.median(bare)
    return {"nslab_server_cpu": a, "bare_jupyterlab_cpu": b, "ratio": a / b,
            "nslab_restart_cpu": statistics.median(again),
            "rounds": {"nslab": nslab, "bare": bare, "nslab_restart": again}}


def start_cost_text(cost: dict[str, Any]) -> str:
    rows = [("nslab student server (through the hub), first start", "nslab",
             cost["nslab_server_cpu"]),
            ("bare JupyterLab (`jupyter lab`, its own server extensions)", "bare",
             cost["bare_jupyterlab_cpu"]),
            ("nslab student server, the same student again", "nslab_restart",
             cost["nslab_restart_cpu"])]
    out = ["| CPU-s until the server answers HTTP | rounds | median |", "|---|---|---|"]
    for label, key, median in rows:
        each = " / ".join(f"{v:.2f}" for v in cost["rounds"][key])
        out.append(f"| {label} | {each} | {median:.2f} |")
    out.append(f"| **ratio nslab / bare** | | **{cost['ratio']:.2f}x** |")
    return "\n".join(out)


# --- main ------------------------------------------------------------------------------------


def classroom_venv() -> Path:
    import classroom_stage

    return sandboxing.make_venv(classroom_stage.VENV, classroom_stage.EXTRA)


def _on_signal(stop: threading.Event) -> None:
    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            return  # already stopping: let the cleanup finish
        stop.set()
        raise Stopped

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10, 20, 30, 60])
    ap.add_argument("--start-cost", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--poll", action="store_true",
                    help="wait for servers by polling the hub every second (the old bench)")
    args = ap.parse_args(argv)
    global POLL
    POLL = args.poll
    if os.geteuid() != 0:
        print("run as root: the bench creates (and removes) Unix users", file=sys.stderr)
        return 2
    stop = threading.Event()
    _on_signal(stop)
    py = classroom_venv() / "bin" / "python"
    sandboxing.run([str(py), "-c", "import sys; from nslab import sandbox; "
                    "sandbox.install_kernelspec(sys.prefix)"])
    results: dict[str, Any] = {"machine": f"{os.cpu_count()} CPUs, "
                               f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') >> 30}"
                               f" GB, Linux {os.uname().release}"}
    try:
        if args.start_cost:
            up = _uptime()
            results["start_cost"] = cost = start_cost(py, stop)
            print(f"machine: {results['machine']}\nuptime before: {up}\n"
                  f"{start_cost_text(cost)}\nuptime after: {_uptime()}")
        else:
            print(f"machine: {results['machine']}\n{HEADER}")
            rows = results["rows"] = []
            for n in args.sizes:
                row = one_class(n, py, stop)
                rows.append(row)
                print(table_row(row), flush=True)
                print(breakdown_text(row), file=sys.stderr, flush=True)
                if not row["host_unchanged"]:
                    print("the host changed!", file=sys.stderr)
                    return 1
    except Stopped:
        print("stopped: everything the bench made was removed", file=sys.stderr)
        return 130
    finally:
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, default=str) + "\n")
    ok = all(r["ok"] == r["n"] for r in results.get("rows", []))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
