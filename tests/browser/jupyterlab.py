"""A JupyterLab of the test's own in headless Chromium, shared by the browser tests.

The server runs the venv's `jupyter lab --no-browser` on 127.0.0.1, on a free port, with a
token, in temporary config, data, runtime, workspace and settings directories (so no user
setting interferes). It is stopped by its PID, and its kernels by theirs. Chromium is
Debian's, with nothing that reaches the network in the background.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import free_port

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
# JupyterLab's notifications: no news toast over the page, no update check
QUIET = {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}
KERNEL_IDLE = ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']"

# What a test reports when `selector`'s element is wider than its output cell:
# call it as page.evaluate(WIDER_THAN_CELL, [selector, name]).
WIDER_THAN_CELL = """([selector, name]) => {
    const widget = document.querySelector(selector);
    const cell = widget.closest('.jp-OutputArea-output') || widget.parentElement;
    const right = cell.getBoundingClientRect().right + 1;
    const wide = [...widget.querySelectorAll('*')]
        .filter(e => e.getBoundingClientRect().right > right && e.getClientRects().length)
        .filter(e => !e.closest('.nslab-scroll'))  // a drawing at natural size: it scrolls
        .map(e => e.tagName + '.' + [...e.classList].join('.'));
    if (widget.scrollWidth > widget.clientWidth + 1) wide.push(name + ' scrolls sideways');
    const cut = [...widget.querySelectorAll('button')]
        .filter(b => b.scrollWidth > b.clientWidth + 1).map(b => 'cut: ' + b.textContent);
    return wide.concat(cut);
}"""


def skip_unless_ready() -> None:
    """Skip the calling test module (at import) unless root, Chromium and jupyter are here."""
    if os.geteuid() != 0:
        pytest.skip("needs root: the notebook's Lab creates real namespaces",
                    allow_module_level=True)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)
    if not JUPYTER.exists():
        pytest.skip(f"{JUPYTER} is missing (pip install jupyterlab)", allow_module_level=True)
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def jupyter_env(tmp_path: Path, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """`base` with Jupyter's config, data and runtime directories in fresh ones under
    tmp_path (which also gets empty `workspaces` and `settings` directories)."""
    for d in ("config", "data", "runtime", "workspaces", "settings"):
        (tmp_path / d).mkdir()
    return dict(
        base,
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
    )


def write_setting(settings: Path, plugin: str, values: dict[str, Any]) -> None:
    """A JupyterLab user setting: `plugin` is e.g. 'apputils-extension/notification'."""
    path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))


@contextmanager
def jupyter_lab(
    tmp_path: Path, root: Path, env: Mapping[str, str], *options: str
) -> Iterator[tuple[str, str, subprocess.Popen]]:
    """`jupyter lab` on `root` (with `options`): yields (base url, token, server) once it
    answers; afterwards stops it and the kernels it started, by their PIDs."""
    port, token = free_port(), uuid.uuid4().hex
    log_path = tmp_path / "jupyter.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", "--allow-root", *options,
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}"],
        cwd=root, env=dict(env), stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited: {log_path.read_text()}")
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
        stop_pids(kernels)


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


def stop_pids(pids: list[int]) -> None:
    """Give each process 5 s to end on its own, then SIGKILL it, by its PID."""
    for pid in pids:
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)


def reset_lab(name: str) -> None:
    """Remove what the notebook's lab made, if anything is left: its journal lists it, by
    exact name (the kernel is gone, so this process takes the journal over)."""
    from nslab import Lab
    from nslab.journal import Journal

    if any(j.lab == name for j in Journal.all()):
        lab = Lab(name=name)
        lab.reset()
        lab.journal.delete()


def journal_entries(name: str) -> list[dict]:
    """The entries of the lab's journal (every journal of that lab name)."""
    from nslab.journal import Journal

    return [e for j in Journal.all() if j.lab == name for e in j.entries]


@contextmanager
def browser_page(width: int, height: int) -> Iterator[Any]:
    """A page of a headless Chromium at width x height; the browser closes afterwards."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def open_notebook(page: Any, url: str, timeout: float = 30_000) -> None:
    """Open a notebook and wait until the toolbar names its kernel and the kernel is idle."""
    page.goto(url)
    page.wait_for_selector(".jp-NotebookPanel .jp-KernelName:has-text('Python 3')",
                           timeout=timeout)
    page.wait_for_selector(KERNEL_IDLE, timeout=timeout)


def fold_file_browser(page: Any) -> None:
    """Fold the left sidebar's open panel away, so the notebook gets the width."""
    current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if current.count():
        current.first.click()


def wait_all_cells_ran(page: Any, timeout: float) -> None:
    """Wait until every code cell of the visible notebook has a number in its prompt."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) '
                   + '.jp-CodeCell .jp-InputPrompt')]
                 .every(p => /\\[\\d+\\]/.test(p.textContent))""",
        timeout=timeout,
    )
