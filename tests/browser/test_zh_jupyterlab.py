"""The Chinese edition in a real JupyterLab (headless Chromium): menus in Chinese from the
language pack, the Chinese notebook's text legible (CJK font), nslab speaking Chinese.

A JupyterLab of our own on a free loopback port, in temporary config/data/runtime/workspace
directories whose user setting `@jupyterlab/translation-extension:plugin` says
`"locale": "zh_CN"` (what Settings > 语言 writes). It opens a copy of
notebooks/zh-CN/00-start-here.ipynb, runs all its cells for real, and saves
tests/artifacts/zh-00-start-here.png; a second notebook outside any language folder asks nslab
which language it speaks: Chinese, chosen by JupyterLab's setting. The server is stopped by its
PID; what the notebook's lab made is removed through its journal.
"""

from __future__ import annotations

import json
import os
import shutil
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
ZH_00 = REPO / "notebooks" / "zh-CN" / "00-start-here.ipynb"
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
JUPYTER = Path(sys.executable).with_name("jupyter")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LAB_OF_00 = "00-start-here"  # the Lab name the notebook uses

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


def _write_settings(config: Path) -> None:
    """JupyterLab's user settings: Chinese, and nothing that would reach the network."""
    settings = config / "lab" / "user-settings" / "@jupyterlab"
    (settings / "translation-extension").mkdir(parents=True)
    (settings / "translation-extension" / "plugin.jupyterlab-settings").write_text(
        json.dumps({"locale": "zh_CN"}))
    # every cell in the page (no windowing), so the text can be found and shot
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}))
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}))


@pytest.fixture
def jupyter(tmp_path):
    """A Chinese JupyterLab of our own: yields (base url, token)."""
    root = tmp_path / "root"
    (root / "zh-CN").mkdir(parents=True)
    shutil.copy(ZH_00, root / "zh-CN" / ZH_00.name)
    ask = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import nslab\nnslab.i18n.language()")])
    ask.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                  "language": "python"}
    nbformat.write(ask, str(root / "language.ipynb"))
    for d in ("config", "data", "runtime", "workspaces"):
        (tmp_path / d).mkdir()
    _write_settings(tmp_path / "config")
    port, token = _free_port(), uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items()
           if k not in ("NSLAB_LANG", "JUPYTERLAB_SETTINGS_DIR", "LANGUAGE", "LC_ALL",
                        "LC_MESSAGES")}
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_DATA_DIR=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), LANG="C.UTF-8")
    log = open(tmp_path / "jupyter.log", "w")
    server = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
         "--LabApp.news_url=", "--LabApp.expose_app_in_browser=True",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
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
        yield base, token
    finally:
        server.send_signal(signal.SIGTERM)  # by PID: it shuts its kernels down
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        _reset_lab(LAB_OF_00)


def _reset_lab(name: str) -> None:
    """Remove what the notebook's lab made, if anything is left: its journal lists it."""
    from nslab import Lab
    from nslab.journal import Journal

    if any(j.lab == name for j in Journal.all()):
        lab = Lab(name=name)
        lab.reset()
        lab.journal.delete()


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".jp-NotebookPanel .jp-KernelName:has-text('Python 3')",
                           timeout=60_000)
    page.wait_for_selector(
        ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)


VISIBLE = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def _run_all(page) -> None:
    """Run All, then wait until every code cell has its execution count."""
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        """sel => [...document.querySelectorAll(sel)]
                  .every(p => /\\[\\d+\\]/.test(p.textContent))""",
        arg=f"{VISIBLE} .jp-CodeCell .jp-InputPrompt", timeout=120_000)


def test_chinese_notebook_in_a_chinese_jupyterlab(jupyter):
    base, token = jupyter
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "zh-00-start-here.png"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _open(page, f"{base}/lab/tree/zh-CN/00-start-here.ipynb?token={token}&reset")
            # JupyterLab's own menus come from the language pack
            page.locator(".lm-MenuBar-itemLabel", has_text="文件").first.wait_for(timeout=10_000)
            current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
            if current.count():
                current.first.click()  # fold the file browser away
            _run_all(page)
            notebook = page.locator(f"{VISIBLE} .jp-Notebook")
            # the typo cell's error names the object, whatever the language
            notebook.get_by_text("'helo'").first.wait_for(timeout=10_000)
            page.evaluate("sel => { for (const e of document.querySelectorAll(sel)) "
                          "e.scrollTop = 0; }", f"{VISIBLE} .jp-WindowedPanel-outer")
            for text in ("从这里开始", "网络命名空间", "前置条件"):
                page.wait_for_function("t => document.body.innerText.includes(t)", arg=text,
                                       timeout=10_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(shot))
            fonts = page.evaluate(
                """() => getComputedStyle(document.querySelector('.jp-RenderedMarkdown'))
                         .fontFamily""")

            _open(page, f"{base}/lab/tree/language.ipynb?token={token}&reset")
            _run_all(page)
            said = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")
            said.get_by_text("nslab 使用 zh_CN").wait_for(timeout=20_000)
            sentence = said.first.inner_text()
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "zh-failure.png"))
            raise
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    assert fonts  # the page's font stack; the CJK glyphs come from fonts-noto-cjk
    assert "JupyterLab" in sentence and "语言" in sentence, sentence
