"""A real JupyterLab in headless Chromium: the Panel's button changes the kernel and the
drawing in the page.

Starts the venv's `jupyter lab --no-browser` on a free loopback port with a token, in a
temporary root (and temporary config, data, runtime and workspace directories, so no
user setting interferes), opens a notebook that shows `Panel(lab)`, waits for the kernel
to be idle, runs all cells, types a unique namespace name and clicks "add namespace",
then adds a veth pair the same way, and checks that the SVG drawn in the page shows the
new namespace and both veth ends. A screenshot goes to tests/artifacts/ (git-ignored).

The server is stopped by its PID (and the notebook's kernel by the PID the notebook wrote
down, if it outlived the server); the lab's namespaces are then removed through its
journal, by exact name.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
JUPYTER = Path(sys.executable).with_name("jupyter")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if os.geteuid() != 0:
    pytest.skip("needs root: the notebook's Lab creates real namespaces", allow_module_level=True)
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)
if not JUPYTER.exists():
    pytest.skip(f"{JUPYTER} is missing (pip install jupyterlab)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebook(path: Path, lab_name: str, pid_file: Path) -> None:
    cells = [
        nbformat.v4.new_markdown_cell("# nslab Panel (browser test)"),
        nbformat.v4.new_code_cell(
            "import os\n"
            f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
            "from nslab import Lab\n"
            "from nslab.widgets import Panel\n"
            f"lab = Lab(name={lab_name!r})"
        ),
        nbformat.v4.new_code_cell("panel = Panel(lab)\npanel"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, str(path))


@pytest.fixture
def jupyter(tmp_path):
    """A JupyterLab server of our own: yields (base url, token, root, pid file, lab name)."""
    root = tmp_path / "root"
    root.mkdir()
    for d in ("config", "data", "runtime", "workspaces", "settings"):
        (tmp_path / d).mkdir()
    # no news toast over the widgets, no update check: nothing leaves the machine
    notes = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    notes.mkdir(parents=True)
    (notes / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True})
    )
    tag = uuid.uuid4().hex[:6]
    lab_name = f"browser-{tag}"
    pid_file = tmp_path / "kernel.pid"
    _notebook(root / "panel.ipynb", lab_name, pid_file)
    port, token = _free_port(), uuid.uuid4().hex
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
    )
    log = open(tmp_path / "jupyter.log", "w")
    server = subprocess.Popen(
        [
            str(JUPYTER), "lab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
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
        yield base, token, root, lab_name
    finally:
        server.send_signal(signal.SIGTERM)  # by PID: it shuts its kernels down
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        _stop_kernel(pid_file)
        _reset_lab(lab_name)


def _stop_kernel(pid_file: Path) -> None:
    """Kill the notebook's kernel by the PID it wrote, if it outlived the server."""
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def _reset_lab(lab_name: str) -> None:
    """Remove what the notebook's lab made: its journal lists it, by exact name."""
    from nslab import Lab

    lab = Lab(name=lab_name)  # the kernel is gone, so this process takes the journal over
    lab.reset()
    lab.journal.delete()


def _svg_shows(page, text: str, timeout: float = 20_000) -> None:
    page.wait_for_function(
        """text => [...document.querySelectorAll('.nslab-panel .nslab-drawing svg text')]
                   .some(t => t.textContent.includes(text))""",
        arg=text,
        timeout=timeout,
    )


PANEL_WIDER_THAN_CELL = """() => {
    const panel = document.querySelector('.nslab-panel');
    const cell = panel.closest('.jp-OutputArea-output') || panel.parentElement;
    const right = cell.getBoundingClientRect().right + 1;
    const wide = [...panel.querySelectorAll('*')]
        .filter(e => e.getBoundingClientRect().right > right && e.getClientRects().length)
        .map(e => e.tagName + '.' + [...e.classList].join('.'));
    if (panel.scrollWidth > panel.clientWidth + 1) wide.push('panel scrolls sideways');
    const cut = [...panel.querySelectorAll('button')]
        .filter(b => b.scrollWidth > b.clientWidth + 1).map(b => 'cut: ' + b.textContent);
    return wide.concat(cut);
}"""


def test_panel_click_redraws_in_jupyterlab(jupyter):
    base, token, root, lab_name = jupyter
    tag = uuid.uuid4().hex[:6]
    ns, a, b = f"br-{tag}", f"ba{tag}", f"bb{tag}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "jupyterlab-panel.png"

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.goto(f"{base}/lab/tree/panel.ipynb?token={token}&reset")
            # the kernel is up once the toolbar names it and the indicator says idle
            page.wait_for_selector(".jp-NotebookPanel .jp-KernelName:has-text('Python 3')",
                                   timeout=30_000)
            page.wait_for_selector(
                ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']",
                timeout=30_000,
            )
            # fold the file browser away, so the drawing fits beside the forms
            current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
            if current.count():
                current.first.click()
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

            panel = page.locator(".nslab-panel")
            panel.wait_for(timeout=30_000)
            _svg_shows(page, "host")  # the first drawing is in the page

            page.fill(".nslab-add_netns-name input", ns)
            page.click(".nslab-panel button.nslab-add-namespace")
            _svg_shows(page, f"netns {ns}")
            out = page.locator(".nslab-panel .nslab-output")
            out.get_by_text(f"$ ip netns add {ns}").wait_for(timeout=10_000)

            # the new namespace shows up in the veth form's dropdown; use it
            page.wait_for_function(
                """ns => [...document.querySelectorAll('.nslab-add_veth-peer_ns option')]
                         .some(o => o.textContent === ns)""",
                arg=ns, timeout=10_000,
            )
            page.fill(".nslab-add_veth-name input", a)
            page.fill(".nslab-add_veth-peer input", b)
            page.select_option(".nslab-add_veth-peer_ns select", label=ns)
            page.click(".nslab-panel button.nslab-add-veth")
            _svg_shows(page, a)
            _svg_shows(page, b)
            out.get_by_text(f"veth peer name {b} netns {ns}").wait_for(timeout=10_000)

            # a bad name: the library's message appears next to the form, in the page
            page.fill(".nslab-add_netns-name input", "bad name")
            page.click(".nslab-panel button.nslab-add-namespace")
            page.locator(".nslab-panel .nslab-error", has_text="contains whitespace").wait_for(
                timeout=10_000
            )
            page.screenshot(path=str(shot), full_page=True)
            for width in (1280, 1024):  # the Panel fits its cell from 1024 px up
                page.set_viewport_size({"width": width, "height": 800})
                page.wait_for_timeout(500)
                wide = page.evaluate(PANEL_WIDER_THAN_CELL)
                assert wide == [], (width, wide)
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-panel-1024.png"))
        finally:
            browser.close()

    assert shot.stat().st_size > 10_000
    made = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert ns in made.split()  # the click made a real namespace (removed in teardown)
    journal = json.dumps([e for e in _journal_entries(lab_name)])
    assert ns in journal and a in journal and b in journal


def _journal_entries(lab_name: str) -> list[dict]:
    from nslab.journal import Journal

    for journal in Journal.all():
        if journal.lab == lab_name:
            return list(journal.entries)
    return []
