"""The teacher's class page on a real hub (deploy/hub/, /services/nslab-class/).

Three throw-away students log in through the hub's form and work in their own sandbox
kernels: one in exercise 02 with its fault, one who has fixed it, one stepping through
notebook 03 with the Tutorial the Stepper drives. A throw-away teacher logs in with a real
Chromium and sees three tiles with the right step, goals and findings, in English and in
Chinese; opens a tile (full drawing, findings with fixes, transcript); sees a tile change
within seconds of a student's fix (waiting for that change, no fixed sleep). A student's
browser gets 403; a student's hostile record renders as text and a damaged one as "no data".
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import pwd
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from classroom_stage import REPO, run
from test_hub import Browser, _api, running_hub
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from nslab.publish import RECORD
from tests.browser.jupyterlab import CHROMIUM, CHROMIUM_ARGS
from tests.sandboxing import execute

pytestmark = pytest.mark.kernel

SCREENSHOT = REPO / "docs" / "class-view.png"
ARTIFACTS = REPO / "tests" / "artifacts"

BROKEN = ("from nslab.checks import check\n"
          "from nslab.exercises import broken, goals\n"
          "lab = broken('down-end')\n"
          "report = check(lab, goals('down-end'), explain=False)")
FIX = "lab.set_up('ex2-b', 'veth-b')\nreport = check(lab, goals('down-end'), explain=False)"
STEPPER = ("from nslab import Lab\n"
           "from nslab.tutorial import VETH, Tutorial\n"
           "lab = Lab('03-veth-pair')\n"
           "lab.reset()\n"
           "for ns in ('test1', 'test2'):\n"  # notebook 03's first cells: S8, lo up (S11)
           "    lab.add_netns(ns)\n"
           "    lab.set_up(ns, 'lo')\n"
           "tutorial = Tutorial(lab, VETH)\n"
           "tutorial.run()\n"   # S12
           "tutorial.run()\n"   # S13
           "print(tutorial.next_id(), len(tutorial.done), len(tutorial.ids))")
HOSTILE = "<script>alert('pwned')</script><img src=x onerror=alert(2)>"


def _session(base: str, user: str, token: str, path: str) -> str:
    """A notebook session, as JupyterLab opens one: its kernel knows the notebook's path."""
    status, session = _api(base, f"/user/{user}/api/sessions", token, "POST",
                           {"path": path, "type": "notebook", "name": path,
                            "kernel": {"name": "nslab-sandbox"}})
    assert status == 201, (status, session)
    return session["kernel"]["id"]


def _cells(base: str, user: str, token: str, kernel: str, *cells: str) -> list[str]:
    """Run CELLS in the user's kernel; each one's output. Any error fails the test."""

    async def go() -> list[str]:
        ws = await websocket_connect(HTTPRequest(
            f"ws://{base.split('://')[1]}/user/{user}/api/kernels/{kernel}/channels",
            headers={"Authorization": f"token {token}"}))
        outs = []
        try:
            for code in cells:
                out, error = await execute(ws, code)
                assert error is None, (user, code, error)
                outs.append(out)
        finally:
            ws.close()
        return outs

    # in a thread of its own: Playwright's sync API keeps an event loop in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def _tile(page: Any, name: str) -> Any:
    return page.locator(f'a.tile[data-student="{name}"]')


def _wait_text(page: Any, name: str, text: str, timeout: float = 60_000) -> None:
    """Wait (the page refreshes itself) until NAME's tile shows TEXT."""
    page.wait_for_function(
        """([name, text]) => {
             const t = document.querySelector(`a.tile[data-student="${name}"]`);
             return t !== null && t.innerText.includes(text); }""",
        arg=[name, text], timeout=timeout)


@pytest.fixture()
def classroom(classroom_venv: Path, make_user: Any) -> Any:
    if shutil.which("configurable-http-proxy") is None:
        pytest.skip("configurable-http-proxy is missing (npm install -g configurable-http-proxy)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    py = classroom_venv / "bin" / "python"
    r = run([str(py), "-c", "import sys; from nslab import sandbox; "
             "print(sandbox.install_kernelspec(sys.prefix))"])
    assert r.returncode == 0, r.stderr
    students = [make_user("cls") for _ in range(3)]
    teacher = make_user("tch")
    passwords = {u.pw_name: uuid.uuid4().hex for u in (*students, teacher)}
    r = run(["chpasswd"], input="".join(f"{n}:{p}\n" for n, p in passwords.items()))
    assert r.returncode == 0, r.stderr
    env = {"NSLAB_HUB_USERS": " ".join(u.pw_name for u in students),
           "NSLAB_HUB_TEACHERS": teacher.pw_name}
    with running_hub(py, env) as hub:
        hub["students"] += students
        yield hub | {"teacher": teacher.pw_name, "passwords": passwords,
                     "names": [u.pw_name for u in students]}


def _start(hub: dict[str, Any], name: str) -> tuple[Browser, str]:
    """Log NAME in through the form; start the server; a token for its REST API."""
    base, service = hub["base"], hub["service"]
    browser = Browser(base)
    status, url = browser.login(name, hub["passwords"][name])
    assert status == 200, (status, url)
    status, _ = _api(base, f"/hub/api/users/{name}/server", service, "POST", {})
    assert status in (201, 202, 400), status
    status, tok = _api(base, f"/hub/api/users/{name}/tokens", service, "POST",
                       {"note": "class view test", "expires_in": 900})
    assert status in (200, 201), tok
    deadline = time.monotonic() + 180
    while not _api(base, f"/hub/api/users/{name}", service)[1]["servers"].get("", {}).get("ready"):
        assert time.monotonic() < deadline, f"{name}'s server never became ready"
        time.sleep(0.5)
    return browser, tok["token"]


def test_the_teacher_sees_the_class_live(classroom: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    hub, base = classroom, classroom["base"]
    broken_one, fixer, stepper = classroom["names"]
    tokens, kernels, browsers = {}, {}, {}
    for name in (broken_one, fixer, stepper):
        browsers[name], tokens[name] = _start(hub, name)
    for name, path in ((broken_one, "exercises/02-cannot-talk.ipynb"),
                       (fixer, "exercises/02-cannot-talk.ipynb"), (stepper, "03-veth-pair.ipynb")):
        kernels[name] = _session(base, name, tokens[name], path)
    _cells(base, broken_one, tokens[broken_one], kernels[broken_one], BROKEN)
    _cells(base, fixer, tokens[fixer], kernels[fixer], BROKEN, FIX)
    out = _cells(base, stepper, tokens[stepper], kernels[stepper], STEPPER)[0].split()
    next_step, done, total = out[0], int(out[1]), int(out[2])

    # the records: in each student's home, theirs alone
    for name in (broken_one, fixer, stepper):
        user = pwd.getpwnam(name)
        record = Path(user.pw_dir) / RECORD
        deadline = time.monotonic() + 60
        while not record.exists():  # written once the student's kernel is idle
            assert time.monotonic() < deadline, f"no record for {name}"
            time.sleep(0.2)
        st = record.stat()
        assert st.st_uid == user.pw_uid and st.st_mode & 0o077 == 0, oct(st.st_mode)
    # one student cannot read another's record (their own kernel, their own uid)
    other = Path(pwd.getpwnam(fixer).pw_dir) / RECORD
    peek = _cells(base, broken_one, tokens[broken_one], kernels[broken_one],
                  f"try:\n    open({str(other)!r}).read()\n    print('READ')\n"
                  "except PermissionError:\n    print('denied')")[0]
    assert "denied" in peek, peek

    url = f"{base}/services/nslab-class/"
    dialogs: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # a student's browser, logged in: 403
            student = chromium.new_context().new_page()
            student.goto(f"{base}/hub/login")
            student.fill("input[name=username]", stepper)
            student.fill("input[name=password]", hub["passwords"][stepper])
            student.click("input[type=submit], button[type=submit]")
            student.wait_for_url("**/user/**", timeout=120_000)
            response = student.goto(url)
            assert response is not None and response.status == 403, response
            assert "nslab class view" not in student.content()
            # the teacher opens the page: the hub's login, then its OAuth, then the page
            page = chromium.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(url + "?lang=en")
            page.wait_for_selector("input[name=username]", timeout=60_000)
            page.fill("input[name=username]", hub["teacher"])
            page.fill("input[name=password]", hub["passwords"][hub["teacher"]])
            page.click("input[type=submit], button[type=submit]")
            page.wait_for_url("**/services/nslab-class/**", timeout=60_000)
            page.wait_for_selector("a.tile", timeout=60_000)
            assert page.locator("a.tile").count() == 3
            _wait_text(page, broken_one, "peer-down")
            a = _tile(page, broken_one).inner_text()
            assert "exercise 02-cannot-talk" in a and "goals met: 0 of 2" in a, a
            assert "veth-b in ex2-b is DOWN" in a and "oldest finding open for" in a, a
            b = _tile(page, fixer).inner_text()
            assert "goals met: 2 of 2" in b and "no findings" in b, b
            c = _tile(page, stepper).inner_text()
            assert "03-veth-pair" in c, c
            assert f"next step {next_step} ({done} of {total} done)" in c, c
            # mid-way through notebook 03: veth-test2 still in the host is what S14 fixes,
            # shown apart as expected at this step, and no reason to sort the student as stuck
            assert "expected at this step (not a fault yet):" in c and "end-in-host" in c, c
            assert "(step S14 fixes it)" in c and "oldest finding open" not in c, c
            assert "tile ok" in _tile(page, stepper).get_attribute("class"), c
            # stuck longest first: the one with the open finding
            order = page.locator("a.tile").evaluate_all(
                "ts => ts.map(t => t.dataset.student)")
            assert order[0] == broken_one, order
            summary = page.locator(".summary").inner_text()
            assert "exercise 02-cannot-talk" in summary and "peer-down" in summary, summary
            assert "end-in-host" not in summary, summary  # expected: not an open finding
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            # in Chinese
            page.goto(url + "?lang=zh_CN")
            _wait_text(page, broken_one, "已达成目标：0/2")
            a = _tile(page, broken_one).inner_text()
            assert "练习 02-cannot-talk" in a and "最早的诊断结果已存在" in a, a
            assert "已达成目标：2/2" in _tile(page, fixer).inner_text()
            c = _tile(page, stepper).inner_text()
            assert f"下一个步骤 {next_step}" in c and "本步骤预期的诊断结果" in c, c
            assert "步骤 S14 会修正" in c, c

            # a tile opens the student's lab: full drawing, findings with fixes, transcript
            _tile(page, broken_one).click()
            page.wait_for_selector("img.full", timeout=30_000)
            detail = page.inner_text("body")
            assert "修正方法：lab.set_up('ex2-b', 'veth-b')" in detail, detail
            assert "ip netns exec ex2-b ip link set dev veth-b up" in detail, detail
            assert "命令记录" in detail
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "class-view-student.png"), full_page=True)

            # the student fixes it: the tile follows within seconds
            page.goto(url + "?lang=en")
            _wait_text(page, broken_one, "peer-down")
            fixed_at = time.monotonic()
            _cells(base, broken_one, tokens[broken_one], kernels[broken_one], FIX)
            _wait_text(page, broken_one, "goals met: 2 of 2", timeout=60_000)
            _wait_text(page, broken_one, "no findings")
            took = time.monotonic() - fixed_at
            assert took < 15, took
            print(f"the tile showed the fix {took:.1f} s after the student's cell")

            # a hostile record (a student can write their own) and a damaged one
            evil = {"version": 1, "time": time.time(), "lab": HOSTILE, "notebook": HOSTILE,
                    "last_action": time.time(), "transcript": [HOSTILE],
                    "drawing": "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(3)'>"
                               "<script>alert(4)</script></svg>",
                    "findings": [{"code": HOSTILE, "key": "diag.peer-down", "since": 0,
                                  "fields": {"ifname": HOSTILE, "ns": "x", "peer": "y",
                                             "peer_ns": "z"}, "fixes": [[HOSTILE, HOSTILE]]},
                                 {"code": "end-in-host", "key": HOSTILE, "since": 0,
                                  "expected": HOSTILE, "fixes": [[HOSTILE, HOSTILE]]}]}
            write = ("import json, os\nfrom nslab import publish\npublish.use(None)\n"
                     "open(os.environ['NSLAB_CLASS_RECORD'], 'w').write({!r})")
            _cells(base, stepper, tokens[stepper], kernels[stepper],
                   write.format(json.dumps(evil)))
            _cells(base, fixer, tokens[fixer], kernels[fixer], write.format("{not json"))
            _wait_text(page, stepper, HOSTILE)
            _wait_text(page, fixer, "no data")
            assert page.locator("a.tile").count() == 3
            assert page.locator("a.tile script, a.tile [onerror], a.tile [onload]").count() == 0
            _tile(page, stepper).click()
            page.wait_for_selector("pre.transcript", timeout=30_000)
            assert HOSTILE in page.inner_text("pre.transcript")
            assert dialogs == [], dialogs
        finally:
            chromium.close()
