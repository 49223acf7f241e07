"""A real JupyterHub (deploy/hub/) on 127.0.0.1 with two throw-away students.

Both log in through the hub's login form (PAM, their Unix passwords), both servers start as
their own users, notebook 03 runs in each at the same time through the hub (Jupyter server
REST + kernel websocket, in the sandbox kernel); neither sees the other's namespaces or
journal nor can reset the other's lab; a Unix user not on the allow-list is refused; an API
call without a token gets 403; the host's network is unchanged; the users and their homes go.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import http.cookiejar
import ipaddress
import json
import os
import pwd
import shutil
import ssl
import subprocess
import tempfile
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

from tests.browser.jupyterlab import CHROMIUM, browser_page
from tests.helpers import free_port
from tests.sandboxing import execute

pytestmark = pytest.mark.kernel

HUB = REPO / "deploy" / "hub"
ARTIFACTS = REPO / "tests" / "artifacts"
NOTEBOOK = REPO / "notebooks" / "03-veth-pair.ipynb"


def _host_net() -> dict[str, str]:
    return {"netns": run(["ip", "netns", "list"]).stdout,
            "links": run(["ip", "-br", "link"]).stdout}


class Browser:
    """A cookie-keeping HTTP client for one student (as a browser would)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def login(self, user: str, password: str) -> tuple[int, str]:
        self.get("/hub/login")
        xsrf = next((c.value for c in self.jar if c.name == "_xsrf"), "")
        body = urllib.parse.urlencode({"username": user, "password": password,
                                       "_xsrf": xsrf}).encode()
        req = urllib.request.Request(self.base + "/hub/login?next=", data=body, method="POST")
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, r.geturl()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()


def _api(base: str, path: str, token: str | None, method: str = "GET",
         body: object = None, ca: Path | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    req = urllib.request.Request(base + path, method=method, headers=headers,
                                 data=None if body is None else json.dumps(body).encode())
    tls = ssl.create_default_context(cafile=str(ca)) if ca else None
    try:
        with urllib.request.urlopen(req, timeout=60, context=tls) as r:
            data = r.read()
            return r.status, json.loads(data) if data else None
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


async def _run_notebook(base: str, user: str, token: str, cells: list[str]) -> dict[str, Any]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    status, kernel = _api(base, f"/user/{user}/api/kernels", token, "POST", {})
    assert status == 201, (status, kernel)
    ws = await websocket_connect(HTTPRequest(  # JupyterHub 5: the token in a header, not the URL
        f"ws://{base.split('://')[1]}/user/{user}/api/kernels/{kernel['id']}/channels",
        headers={"Authorization": f"token {token}"}))
    errors = []
    for i, code in enumerate(cells):
        if i == len(cells) - 1 and code.strip() == "lab.reset()":
            break  # keep the lab until the isolation checks below have looked
        _, error = await execute(ws, code)
        if error and "shows a mistake on purpose" not in code:
            errors.append((i, error))
    probe = (
        "import json, os, pwd\n"
        "from nslab.journal import state_dir\n"
        "print(json.dumps({'netns': lab.list_netns(), 'journal': str(state_dir()),\n"
        "  'journals': os.listdir(state_dir()), 'run_dev': os.stat('/run').st_dev,\n"
        "  'uid': os.getuid(), 'uid_map': open('/proc/self/uid_map').read().split(),\n"
        "  'home': pwd.getpwuid(os.getuid()).pw_dir if os.getuid() else os.environ['HOME']}))"
    )
    out, error = await execute(ws, probe)
    assert error is None, error
    return {"ws": ws, "kernel": kernel["id"], "errors": errors, "probe": json.loads(out)}


def _wait_until_stopped(base: str, service: str, names: list[str], timeout: float = 30,
                        ca: Path | None = None) -> None:
    """Wait until the hub reports no server and nothing pending for each user (DELETE answers
    202 while the server is still stopping). Whatever is left is killed by PID afterwards."""
    deadline = time.monotonic() + timeout
    for name in names:
        while time.monotonic() < deadline:
            try:
                status, user = _api(base, f"/hub/api/users/{name}", service, ca=ca)
            except OSError:
                return  # the hub is gone
            if status != 200 or (not user.get("servers") and not user.get("pending")):
                break
            time.sleep(0.2)


@contextlib.contextmanager
def running_hub(py: Path, env: dict[str, str], ca: Path | None = None) -> Iterator[dict[str, Any]]:
    """deploy/hub/start.sh with ENV on free loopback ports; stopped (and its proxy, by PID)
    afterwards. CA: the certificate to trust when the hub serves HTTPS."""
    state = Path(tempfile.mkdtemp(prefix="nslab-hub-", dir="/var/tmp"))
    port, service = free_port(), uuid.uuid4().hex
    env = os.environ | {
        "NSLAB_HUB_STATE": str(state), "NSLAB_HUB_PORT": str(port),
        "NSLAB_HUB_API_PORT": str(free_port()), "NSLAB_HUB_PROXY_API_PORT": str(free_port()),
        "NSLAB_HUB_CLASS_PORT": str(free_port()),
        "NSLAB_HUB_PYTHON": str(py), "NSLAB_HUB_SERVICE_TOKEN": service,
    } | env
    log = open(state / "hub.log", "w+")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(["sh", str(HUB / "start.sh")], env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=str(state))
    base = f"{'https' if ca else 'http'}://127.0.0.1:{port}"
    hub = {"base": base, "service": service, "state": state, "log": log, "students": []}
    try:
        for _ in range(120):
            try:
                if _api(base, "/hub/api/", None, ca=ca)[0] == 200:
                    break
            except OSError:  # not listening yet
                pass
            assert proc.poll() is None, (state / "hub.log").read_text()
            time.sleep(0.5)
        else:
            pytest.fail("the hub never answered:\n" + (state / "hub.log").read_text())
        yield hub
    finally:
        names = [u.pw_name for u in hub["students"]]
        for name in names:
            try:
                _api(base, f"/hub/api/users/{name}/server", service, "DELETE", ca=ca)
            except OSError:
                pass  # the hub is not answering: stopping it below stops the servers too
        _wait_until_stopped(base, service, names, ca=ca)
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        pid = state / "proxy.pid"
        if pid.exists():  # the proxy this hub started, by its PID
            run(["kill", pid.read_text().strip()])
        log.close()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture()
def hub(classroom_venv: Path, make_user: Any) -> Any:
    if shutil.which("configurable-http-proxy") is None:
        pytest.skip("configurable-http-proxy is missing (npm install -g configurable-http-proxy)")
    py = classroom_venv / "bin" / "python"
    r = run([str(py), "-c", "import sys; from nslab import sandbox; "
             "print(sandbox.install_kernelspec(sys.prefix))"])
    assert r.returncode == 0, r.stderr
    students = [make_user("hub"), make_user("hub")]
    outsider = make_user("out")
    passwords = {u.pw_name: uuid.uuid4().hex for u in (*students, outsider)}
    r = run(["chpasswd"], input="".join(f"{n}:{p}\n" for n, p in passwords.items()))
    assert r.returncode == 0, r.stderr
    with running_hub(py, {"NSLAB_HUB_USERS": " ".join(u.pw_name for u in students)}) as h:
        h["students"] += students
        yield h | {"outsider": outsider, "passwords": passwords}


def test_two_students_through_the_hub(hub: dict[str, Any]) -> None:
    base, service = hub["base"], hub["service"]
    # Token-less API calls are refused.
    assert _api(base, "/hub/api/users", None)[0] == 403
    # A real Unix user with the right password, but not on the allow-list: refused.
    out = hub["outsider"].pw_name
    status, _ = Browser(base).login(out, hub["passwords"][out])
    assert status == 403 or _api(base, f"/hub/api/users/{out}", service)[0] == 404
    # A wrong password: refused.
    a, b = (u.pw_name for u in hub["students"])
    assert "/hub/login" in str(Browser(base).login(a, "wrong")[1])
    # Both students log in through the login form (PAM) ...
    for name in (a, b):
        browser = Browser(base)
        status, url = browser.login(name, hub["passwords"][name])
        assert status == 200, (status, url, hub["log"].name)
    # ... their servers start, each as its own user.
    tokens = {}
    for name in (a, b):
        status, _ = _api(base, f"/hub/api/users/{name}/server", service, "POST", {})
        assert status in (201, 202, 400), status  # 400: the login already started it
        status, tok = _api(base, f"/hub/api/users/{name}/tokens", service, "POST",
                           {"note": "classroom test", "expires_in": 600})
        assert status in (200, 201), tok
        tokens[name] = tok["token"]
    for name in (a, b):
        for _ in range(240):
            user = _api(base, f"/hub/api/users/{name}", service)[1]
            if user["servers"].get("", {}).get("ready"):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"{name}'s server never became ready:\n{Path(hub['log'].name)}")
        status, specs = _api(base, f"/user/{name}/api/kernelspecs", tokens[name])
        assert status == 200 and specs["default"] == "nslab-sandbox", specs
        # The other student's token opens nothing of this student's.
        other = tokens[b if name == a else a]
        assert _api(base, f"/user/{name}/api/kernels", other)[0] in (403, 404)

    for name in (a, b):
        _check_course_copy(name)

    code = [c for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]
    cells = [c.source for c in code]
    # the cells that raise on purpose (a lesson about an error), by their index in `cells`
    on_purpose = {i for i, c in enumerate(code) if "raises-exception" in c.metadata.get("tags", [])}

    home_b = pwd.getpwnam(b).pw_dir

    async def scenario() -> tuple[dict[str, dict[str, Any]], str, str]:
        results = await asyncio.gather(*(_run_notebook(base, n, tokens[n], cells) for n in (a, b)))
        runs = dict(zip((a, b), results, strict=True))
        # a resets its own lab, then tries b's home (journal, notebooks): denied.
        await execute(runs[a]["ws"], "lab.reset()")
        peek, error = await execute(runs[a]["ws"], (
            f"import os\ntry:\n    print(os.listdir({home_b!r}))\n"
            "except PermissionError:\n    print('denied')"))
        assert error is None, error
        left, error = await execute(runs[b]["ws"], "print(sorted(lab.list_netns()))")
        assert error is None, error
        await execute(runs[b]["ws"], "lab.reset()")
        for result in runs.values():
            result["ws"].close()
        return runs, peek, left

    runs, peek, left = asyncio.run(scenario())
    if os.access(CHROMIUM, os.X_OK):
        shot = _browser_pass(base, a, hub["passwords"][a])
        assert shot.stat().st_size > 10_000
    for name, result in runs.items():
        assert {i for i, _ in result["errors"]} == on_purpose, (name, result["errors"])
        probe = result["probe"]
        # Each student's own lab, in the sandbox: namespaces only that kernel can see.
        assert sorted(probe["netns"]) == ["test1", "test2"], probe
        uid = pwd.getpwnam(name).pw_uid
        assert probe["uid_map"][:3] == ["0", str(uid), "1"], probe
    # Each journal lives in its own kernel's private /run (a tmpfs of its own: another
    # device than the other student's and the host's), so neither sees the other's.
    probes = [runs[n]["probe"] for n in (a, b)]
    assert all(p["journal"].startswith("/run/") and p["journals"] for p in probes), probes
    devices = {p["run_dev"] for p in probes} | {os.stat("/run").st_dev}
    assert len(devices) == 3, probes
    assert "denied" in peek, peek  # a cannot read b's files
    assert "['test1', 'test2']" in left, left  # a's reset left b's lab alone
    # The host saw none of it.
    after = _host_net()
    assert "test1" not in after["netns"].split() and "veth-test1" not in after["links"]


def _check_course_copy(name: str) -> None:
    """The student's ~/nslab-notebooks is a workbook: no outputs, exercises without their
    solutions, reference/ with the real outputs trusted for this student, all theirs."""
    from nbformat.sign import NotebookNotary

    user = pwd.getpwnam(name)
    home = Path(user.pw_dir)
    book = home / "nslab-notebooks"
    for folder in (book, book / "zh-CN"):
        nb = nbformat.read(folder / "03-veth-pair.ipynb", as_version=4)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), folder
        exercises = sorted((folder / "exercises").glob("*.ipynb"))
        assert len(exercises) >= 10, folder
        for ex in exercises:
            assert "BEGIN SOLUTION" not in ex.read_text(), ex
        notary = NotebookNotary(data_dir=str(home / ".local/share/jupyter"))
        reference = nbformat.read(folder / "reference" / "03-veth-pair.ipynb", as_version=4)
        assert any(c.get("outputs") for c in reference.cells), folder
        assert notary.check_signature(reference), f"{folder}/reference is not trusted for {name}"
    for p in (book, *book.rglob("*"), home / ".local/share/jupyter/nbsignatures.db"):
        assert p.stat().st_uid == user.pw_uid, p


def _browser_pass(base: str, user: str, password: str) -> Path:
    """A real Chromium: the hub's login page, then notebook 03 open in the user's JupyterLab."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "hub-notebook.png"
    with browser_page(1400, 1000) as page:
        page.goto(f"{base}/hub/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url("**/user/**", timeout=60_000)
        page.goto(f"{base}/user/{user}/lab/tree/03-veth-pair.ipynb")
        page.wait_for_selector(
            ".jp-NotebookPanel .jp-KernelName:has-text('nslab sandbox')", timeout=60_000)
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=30_000)
        # a student's JupyterLab: the menus are there, nbgrader's teacher tools are not
        menus = page.locator(".lm-MenuBar-itemLabel")
        page.wait_for_selector(".lm-MenuBar-itemLabel:text-is('File')", timeout=30_000)
        labels = menus.all_inner_texts()
        assert "Kernel" in labels and "Nbgrader" not in labels, labels
        config = json.loads(page.locator("#jupyter-config-data").text_content() or "{}")
        assert "@jupyter/nbgrader" in config.get("disabledExtensions", []), config
        assert page.locator("text=Create Assignment").count() == 0
        page.screenshot(path=str(shot))
        # the reference copy, trusted for this student: its drawings show as pictures
        page.goto(f"{base}/user/{user}/lab/tree/reference/03-veth-pair.ipynb")
        page.wait_for_selector(".jp-NotebookPanel .jp-OutputArea-output svg", timeout=60_000)
    return shot


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (mode 600), as a teacher would make one."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nslab hub test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "hub.crt", folder / "hub.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.touch(mode=0o600)
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_the_hub_serves_https_with_the_teachers_certificate(classroom_venv: Path,
                                                             tmp_path: Path) -> None:
    """NSLAB_HUB_SSL_CERT/KEY: the proxy speaks TLS only (on loopback here; the same config
    is what lets a teacher serve the machine's own address)."""
    if shutil.which("configurable-http-proxy") is None:
        pytest.skip("configurable-http-proxy is missing (npm install -g configurable-http-proxy)")
    cert, key = _self_signed(tmp_path)
    env = {"NSLAB_HUB_SSL_CERT": str(cert), "NSLAB_HUB_SSL_KEY": str(key)}
    with running_hub(classroom_venv / "bin" / "python", env, ca=cert) as hub:
        base = hub["base"]
        assert base.startswith("https://127.0.0.1:")
        # verified against the teacher's certificate (running_hub waited for this answer)
        assert _api(base, "/hub/api/", None, ca=cert)[0] == 200
        # a client that does not trust it is refused: real certificate checking
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(base + "/hub/api/", timeout=30)
        # plain HTTP on the same port gets no page at all
        with pytest.raises(OSError) as plain:
            urllib.request.urlopen(base.replace("https://", "http://") + "/hub/login",
                                   timeout=30)
        assert not isinstance(plain.value, urllib.error.HTTPError), plain.value
        # the login form is served over TLS, with its cookie marked Secure
        tls = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(base + "/hub/login", timeout=30, context=tls) as r:
            assert r.status == 200 and 'name="password"' in r.read().decode()
            cookies = r.headers.get_all("Set-Cookie") or []
        assert cookies and all("secure" in c.lower() for c in cookies), cookies
