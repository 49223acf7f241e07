"""The first hour in the browser, for real: a fresh workbook, Run All, the Stepper, %ip.

A real JupyterLab (started as `nslab lab` starts it: on the workbook, news and update
checks off) on 127.0.0.1, headless Debian Chromium at 1280x800:

1. notebook 03 opens from the workbook with no outputs at all, and no news toast;
2. Run All, then *Run step*: no error (the Stepper reads the kernel, which the last cell
   reset, and runs notebook 02's S8 before S12);
3. the Stepper runs through every step, then Back twice: "S17 undone", "S15 undone",
   with no MAC or IPv6 link-local churn;
4. no element of the Stepper is wider than its cell (at 1280 and at 1024 px);
5. `%ip netns add ...` typed in a new cell shows a drawing with the new namespace.

Screenshots go to tests/artifacts/, and docs/notebook-03.png is refreshed from this run.
Notebook 03 uses the article's fixed names test1/test2 and the lab "03-veth-pair": the
test skips if those namespaces exist, and removes what the lab made through its journal.
Run it under the kernel lock.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.browser.test_jupyterlab import CHROMIUM, CHROMIUM_ARGS, JUPYTER, _free_port

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
README_SHOT = REPO / "docs" / "notebook-03.png"
NOTEBOOK = "03-veth-pair.ipynb"
LAB_NAME = "03-veth-pair"  # the notebook's own Lab("03-veth-pair")


def _children(pid: int) -> list[int]:
    """PIDs whose parent is `pid` (the server's kernels: processes this test started)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _stop(pids: list[int]) -> None:
    for pid in pids:
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def workbook_lab(tmp_path):
    """`nslab lab`'s server on a fresh workbook: yields (base url, token)."""
    taken = set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
                .stdout.split())
    if {"test1", "test2"} & taken:
        pytest.skip("test1/test2 exist already (another test is running the article)")
    from nslab.workbook import for_lab

    for d in ("config", "data", "runtime", "workspaces", "settings"):
        (tmp_path / d).mkdir()
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        NSLAB_WORKBOOK=str(tmp_path / "book"),
    )
    saved = dict(os.environ)
    os.environ.update(env)  # the workbook (and its notary) use these directories
    try:
        book, options = for_lab(REPO / "notebooks", [])
        env["JUPYTER_CONFIG_PATH"] = os.environ["JUPYTER_CONFIG_PATH"]  # no news prompt
    finally:
        os.environ.clear()
        os.environ.update(saved)
    port, token = _free_port(), uuid.uuid4().hex
    log = open(tmp_path / "jupyter.log", "w")
    server = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", "--allow-root", *options,
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={book}",
         f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
         f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
         "--LabApp.expose_app_in_browser=True"],  # Run All through the app's own command
        cwd=book, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    kernels: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited: {(tmp_path / 'jupyter.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("jupyter lab did not answer within 30 s")
                time.sleep(0.2)
        yield base, token, server
    finally:
        kernels = _children(server.pid)
        server.send_signal(signal.SIGTERM)  # by PID: it shuts its kernels down
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        _stop(kernels)
        from nslab import Lab

        lab = Lab(name=LAB_NAME)  # the kernel is gone: take its journal over, by name
        lab.reset()
        lab.journal.delete()


def _idle(page, timeout: float = 60_000) -> None:
    """Every code cell has run (a number in its prompt) and the kernel is idle."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) '
                   + '.jp-CodeCell .jp-InputPrompt')]
                 .every(p => /\\[\\d+\\]/.test(p.textContent))""",
        timeout=timeout,
    )
    page.wait_for_selector(
        ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout
    )


def _click_and_wait(page, button: str, text: str, where: str = ".nslab-step-progress") -> None:
    """Click a Stepper button and wait until the element `where` shows `text`."""
    page.click(f".nslab-stepper button.nslab-step-{button}")
    page.wait_for_function(
        """([where, text]) => [...document.querySelectorAll('.nslab-stepper ' + where)]
                 .some(s => s.textContent.includes(text))""",
        arg=[where, text], timeout=30_000,
    )


WIDER_THAN_CELL = """() => {
    const stepper = document.querySelector('.nslab-stepper');
    const cell = stepper.closest('.jp-OutputArea-output') || stepper.parentElement;
    const right = cell.getBoundingClientRect().right + 1;
    const wide = [...stepper.querySelectorAll('*')]
        .filter(e => e.getBoundingClientRect().right > right && e.getClientRects().length)
        .map(e => e.tagName + '.' + [...e.classList].join('.'));
    if (stepper.scrollWidth > stepper.clientWidth + 1) wide.push('stepper scrolls sideways');
    const cut = [...stepper.querySelectorAll('button')]
        .filter(b => b.scrollWidth > b.clientWidth + 1).map(b => 'cut: ' + b.textContent);
    return wide.concat(cut);
}"""


def test_workbook_stepper_and_ip_magic_in_jupyterlab(workbook_lab):
    base, token, server = workbook_lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ns = f"br-{uuid.uuid4().hex[:6]}"

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}&reset")
            page.wait_for_selector(".jp-NotebookPanel .jp-KernelName:has-text('Python 3')",
                                   timeout=30_000)
            page.wait_for_selector(
                ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']",
                timeout=30_000,
            )
            current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
            if current.count():
                current.first.click()  # fold the file browser away
            # 1. fresh: not one output, so no answer is spoiled and nothing is untrusted
            assert page.locator(".jp-Cell").count() > 20
            assert page.locator(".jp-OutputArea-output").count() == 0
            page.wait_for_timeout(1500)  # a news toast would have come by now
            toasts = page.locator(".Toastify__toast").all_inner_texts()
            assert toasts == [], toasts
            page.screenshot(path=str(ARTIFACTS / "workbook-fresh.png"))

            # 2. Run All (its last cell resets the lab), then Run step: no error
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.locator(".nslab-stepper").wait_for(timeout=60_000)
            _idle(page)
            stepper = page.locator(".nslab-stepper")
            stepper.scroll_into_view_if_needed()
            _click_and_wait(page, "run", "S12")  # ran notebook 02's S8 first
            assert stepper.locator(".nslab-error").count() == 0
            assert "Ran S8 first" in stepper.locator(".nslab-output").inner_text()

            # 3. every step, then Back twice
            for step in ("S13", "S14", "S15", "S16", "S17", "S18", "S19"):
                _click_and_wait(page, "run", step)
                assert stepper.locator(".nslab-error").count() == 0, step
            assert "1 received" in stepper.locator(".nslab-output").inner_text()
            problems = page.evaluate(WIDER_THAN_CELL)
            assert problems == [], problems
            stepper.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "stepper-s19.png"))
            box = stepper.bounding_box()
            page.screenshot(path=str(ARTIFACTS / "notebook-03.png"), clip={
                "x": 0, "y": max(box["y"] - 40, 0), "width": 1280, "height": 800})

            _click_and_wait(page, "back", "S17 undone", ".nslab-changes")
            _click_and_wait(page, "back", "S15 undone", ".nslab-changes")
            changes = stepper.locator(".nslab-changes").inner_text()
            assert "192.168.1.1/24" in changes
            assert "MAC" not in changes and "fe80" not in changes, changes
            assert stepper.locator(".nslab-error").count() == 0
            page.screenshot(path=str(ARTIFACTS / "stepper-back.png"))

            # 4. the layout still fits at the smallest supported width
            page.set_viewport_size({"width": 1024, "height": 800})
            page.wait_for_timeout(500)
            problems = page.evaluate(WIDER_THAN_CELL)
            assert problems == [], problems
            page.screenshot(path=str(ARTIFACTS / "stepper-1024.png"))
            page.set_viewport_size({"width": 1280, "height": 800})

            # 5. the article's command, typed as it is, in a new cell at the end
            page.locator(".jp-Cell").last.click()
            page.keyboard.press("Escape")
            page.keyboard.press("b")  # a new cell below, in command mode
            page.keyboard.press("Enter")
            page.keyboard.type(f"%ip netns add {ns}")
            page.keyboard.press("Shift+Enter")
            page.wait_for_function(
                """ns => [...document.querySelectorAll('.jp-OutputArea-output svg text')]
                         .some(t => t.textContent.includes('netns ' + ns))""",
                arg=ns, timeout=30_000,
            )
            output = page.locator(".jp-Cell").nth(-2).locator(".jp-OutputArea-output")
            assert f"$ ip netns add {ns}" in output.first.inner_text()
            assert output.locator(".jp-RenderedText[data-mime-type*='stderr']").count() == 0
            page.screenshot(path=str(ARTIFACTS / "ip-magic.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "workbook-failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    made = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert ns in made.split()  # %ip made a real namespace, through the lab (journal)
    from nslab.journal import Journal

    entries = [e for j in Journal.all() if j.lab == LAB_NAME for e in j.entries]
    assert ns in str(entries)
    shot = ARTIFACTS / "notebook-03.png"
    assert shot.stat().st_size > 20_000
    shutil.copyfile(shot, README_SHOT)
