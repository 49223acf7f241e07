"""nslab's outputs in a real JupyterLab (headless Chromium), for a student who does not use
a mouse or does not see the screen:

1. axe-core (WCAG 2.1 A/AA) over the output areas of a notebook that draws the lab, shows a
   Stepper and an exercise's hints: zero violations in what nslab produces;
2. a keyboard-only pass through the Stepper: Tab to *Run step*, Enter runs the step, the
   live region announces it; Tab to *Back*, Space undoes it, the announcement follows, and
   the focus stays on a control when Back becomes disabled; the hints open with Enter;
3. the drawing has an accessible name (the accessibility tree), its fix is reachable by
   keyboard (the "drawing as text" opens with Enter), and it is not shrunk below its size.

The notebook uses the article's names test1/test2 (the tutorial's steps): the test skips
if they exist, and removes what its lab made through the journal. Run it under the lock.
"""

from __future__ import annotations

import json
import uuid

import nbformat
import pytest

from tests.browser import jupyterlab as jl
from tests.browser.a11y import axe, report
from tests.helpers import netns_list

pytestmark = pytest.mark.browser
jl.skip_unless_ready()


def _notebook(lab_name: str) -> nbformat.NotebookNode:
    cells = [
        "from nslab import Lab\nfrom nslab.tutorial import VETH, Tutorial\n"
        "from nslab.widgets import Stepper\nfrom nslab.exercises import hints\n"
        f"lab = Lab({lab_name!r})\nlab.reset()",
        'lab.add_netns("test1")\nlab.add_netns("test2")\nlab.set_up("test1", "lo")\n'
        'lab.add_veth("veth-test1", "veth-test2")\nlab.move("veth-test1", "test1")\nlab',
        "Stepper(Tutorial(lab, VETH))",
        'hints(["Look at the drawing.", "Bring the interface `veth-test2` up."])',
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


@pytest.fixture
def lab_server(tmp_path):
    if {"test1", "test2"} & set(netns_list()):
        pytest.skip("test1/test2 exist already (another test is running the article)")
    name = f"a11y-{uuid.uuid4().hex[:6]}"
    root = tmp_path / "root"
    root.mkdir()
    nbformat.write(_notebook(name), root / "a11y.ipynb")
    env = jl.jupyter_env(tmp_path)
    jl.write_setting(tmp_path / "settings", "apputils-extension/notification", jl.QUIET)
    try:
        with jl.jupyter_lab(tmp_path, root, env,
                            f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
                            "--LabApp.expose_app_in_browser=True") as (base, token, _server):
            yield base, token
    finally:
        jl.reset_lab(name)


def _status(page) -> str:
    return page.locator(".nslab-stepper [role=status]").inner_text()


def _focused(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        return e ? e.tagName + '|' + e.textContent.trim() : ''; }""")


def test_outputs_pass_axe_and_the_stepper_works_by_keyboard(lab_server):
    base, token = lab_server
    jl.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with jl.browser_page(1280, 900) as page:
        jl.open_notebook(page, f"{base}/lab/tree/a11y.ipynb?token={token}&reset")
        jl.fold_file_browser(page)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.locator(".nslab-stepper").wait_for(timeout=60_000)
        page.locator(".jp-OutputArea-output button:has-text('Show a hint')").first.wait_for(
            timeout=60_000)
        jl.wait_all_cells_ran(page, 60_000)

        # 3. the drawing: named, described, at natural size, its text reachable by keyboard
        figure = page.locator(".jp-OutputArea-output .nslab-figure").first
        svg = figure.locator("svg[role=img]")
        name = page.evaluate("""e => { const t = document.getElementById(
            e.getAttribute('aria-labelledby')); return t && t.textContent; }""",
                             svg.element_handle())
        assert name and "netns test1" in name and "netns test2" in name, name
        snapshot = figure.aria_snapshot()
        assert "img" in snapshot and "Drawing of the lab" in snapshot, snapshot
        natural = svg.evaluate("e => [e.width.baseVal.value, e.getBoundingClientRect().width]")
        assert natural[1] >= natural[0] - 1, f"shrunk: {natural}"
        summary = figure.locator("details.nslab-alt summary")
        summary.focus()
        page.keyboard.press("Enter")
        text = figure.locator("details.nslab-alt").inner_text()
        assert "Fix: lab.move('veth-test2', 'test2')" in text, text

        # 1. axe over nslab's outputs (JupyterLab's own chrome is not ours to judge)
        violations = axe(page, {"include": [[".jp-OutputArea-output"]]})
        page.screenshot(path=str(jl.ARTIFACTS / "a11y-jupyterlab.png"), full_page=True)
        assert not violations, report(violations)

        # 2. keyboard only, from the step choice: Tab, Enter, Space
        stepper = page.locator(".nslab-stepper")
        stepper.scroll_into_view_if_needed()
        choice = stepper.locator("select")
        assert choice.evaluate("e => e.labels.length && e.labels[0].textContent") == \
            "Step to run"
        choice.focus()
        before = _status(page)
        page.keyboard.press("Tab")
        assert _focused(page) == "BUTTON|Run step"
        page.keyboard.press("Enter")
        page.wait_for_function(
            "t => document.querySelector('.nslab-stepper [role=status]').textContent !== t",
            arg=before, timeout=30_000)
        assert "S12" in _status(page) or "S13" in _status(page), _status(page)
        live = stepper.locator("[aria-live=polite]")
        assert live.count() == 1 and live.inner_text() == _status(page)
        assert stepper.locator(".nslab-error").count() == 0
        done = _status(page)
        page.keyboard.press("Tab")
        assert _focused(page) == "BUTTON|Back"
        page.keyboard.press("Space")
        page.wait_for_function(
            "t => document.querySelector('.nslab-stepper [role=status]').textContent !== t",
            arg=done, timeout=30_000)
        focused = _focused(page)
        assert focused.startswith("BUTTON|"), f"the focus fell off the controls: {focused!r}"
        if stepper.locator("button.nslab-step-back").is_disabled():
            assert focused == "BUTTON|Run step", focused

        # the hints, by keyboard: Enter on the button, the hint in a live region
        button = page.locator(".jp-OutputArea-output button:has-text('Show a hint')").first
        button.focus()
        page.keyboard.press("Enter")
        hint = page.locator(".jp-OutputArea-output [role=status]:has-text('Look at the drawing')")
        hint.wait_for(timeout=30_000)
        page.screenshot(path=str(jl.ARTIFACTS / "a11y-keyboard.png"), full_page=True)
        ring = page.evaluate("""() => { const b = document.querySelector(
            '.nslab-stepper button.nslab-step-run'); b.focus();
            const s = getComputedStyle(b); return [s.outlineStyle, s.outlineWidth,
            s.outlineColor]; }""")
        assert ring[0] == "solid" and float(ring[1].removesuffix("px")) >= 2, json.dumps(ring)
