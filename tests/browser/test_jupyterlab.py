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
import uuid
from pathlib import Path

import nbformat
import pytest

from tests.browser import jupyterlab as jl
from tests.helpers import netns_list

pytestmark = pytest.mark.browser
jl.skip_unless_ready()


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
    """A JupyterLab server of our own: yields (base url, token, root, lab name)."""
    root = tmp_path / "root"
    root.mkdir()
    env = jl.jupyter_env(tmp_path)
    jl.write_setting(tmp_path / "settings", "apputils-extension/notification", jl.QUIET)
    lab_name = f"browser-{uuid.uuid4().hex[:6]}"
    pid_file = tmp_path / "kernel.pid"
    _notebook(root / "panel.ipynb", lab_name, pid_file)
    try:
        with jl.jupyter_lab(
            tmp_path, root, env,
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ) as (base, token, _):
            yield base, token, root, lab_name
    finally:
        _stop_kernel(pid_file)
        jl.reset_lab(lab_name)


def _stop_kernel(pid_file: Path) -> None:
    """Kill the notebook's kernel by the PID it wrote, if it outlived the server."""
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return
    jl.stop_pids([pid])


def _svg_shows(page, text: str, timeout: float = 20_000) -> None:
    page.wait_for_function(
        """text => [...document.querySelectorAll('.nslab-panel .nslab-drawing svg text')]
                   .some(t => t.textContent.includes(text))""",
        arg=text,
        timeout=timeout,
    )


def test_panel_click_redraws_in_jupyterlab(jupyter):
    base, token, root, lab_name = jupyter
    tag = uuid.uuid4().hex[:6]
    ns, a, b = f"br-{tag}", f"ba{tag}", f"bb{tag}"
    jl.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = jl.ARTIFACTS / "jupyterlab-panel.png"

    with jl.browser_page(1600, 1200) as page:
        # the kernel is up once the toolbar names it and the indicator says idle
        jl.open_notebook(page, f"{base}/lab/tree/panel.ipynb?token={token}&reset")
        jl.fold_file_browser(page)  # so the drawing fits beside the forms
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
            wide = page.evaluate(jl.WIDER_THAN_CELL, [".nslab-panel", "panel"])
            assert wide == [], (width, wide)
        page.screenshot(path=str(jl.ARTIFACTS / "jupyterlab-panel-1024.png"))

    assert shot.stat().st_size > 10_000
    assert ns in netns_list()  # the click made a real namespace (removed in teardown)
    journal = json.dumps(jl.journal_entries(lab_name))
    assert ns in journal and a in journal and b in journal

