"""Take the README's screenshot: notebook 03 (with its committed outputs) in JupyterLab.

    python tools/screenshot.py [--out docs/notebook-03.png]

Starts a JupyterLab of its own on a free loopback port, opens the notebook in headless
Chromium (Debian's, through Playwright), scrolls to the drawing after step S14 and saves
a PNG. Nothing is executed: the outputs are those of the committed real run.

The README's docs/notebook-03.png itself now comes from a real interactive run:
tests/browser/test_workbook_stepper.py (Run All, then the Stepper through S19) copies
its tests/artifacts/notebook-03.png there. This tool stays for the committed outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "03-veth-pair.ipynb"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(REPO / "docs" / "notebook-03.png"))
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nslab-shot-"))
    root = tmp / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    settings = tmp / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port, token = free_port(), uuid.uuid4().hex
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_DATA_DIR=str(tmp / "data"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"))
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    # outputs of a committed notebook are untrusted, and JupyterLab shows no SVG or HTML
    # from untrusted outputs: trust this copy, as a student's own run would be
    subprocess.run([jupyter, "trust", str(root / NOTEBOOK.name)], env=env, check=True,
                   capture_output=True)
    server = subprocess.Popen(
        [jupyter, "lab", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         f"--LabApp.user_settings_dir={tmp / 'settings'}", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}&reset")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            page.wait_for_timeout(2000)
            heading = page.locator(".jp-MarkdownOutput h2", has_text="S15")
            heading.scroll_into_view_if_needed()
            page.evaluate("document.querySelector('.jp-WindowedPanel-outer')"
                          "?.scrollBy(0, -560)")
            page.wait_for_timeout(1000)
            page.screenshot(path=args.out)
            browser.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
    print("wrote", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
