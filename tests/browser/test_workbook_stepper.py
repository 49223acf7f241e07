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
import uuid

import pytest

from tests.browser import jupyterlab as jl
from tests.helpers import netns_list

pytestmark = pytest.mark.browser
jl.skip_unless_ready()

README_SHOT = jl.REPO / "docs" / "notebook-03.png"
NOTEBOOK = "03-veth-pair.ipynb"
LAB_NAME = "03-veth-pair"  # the notebook's own Lab("03-veth-pair")


@pytest.fixture
def workbook_lab(tmp_path):
    """`nslab lab`'s server on a fresh workbook: yields (base url, token, server)."""
    if {"test1", "test2"} & set(netns_list()):
        pytest.skip("test1/test2 exist already (another test is running the article)")
    from nslab.workbook import for_lab

    env = jl.jupyter_env(tmp_path)
    env["NSLAB_WORKBOOK"] = str(tmp_path / "book")
    saved = dict(os.environ)
    os.environ.update(env)  # the workbook (and its notary) use these directories
    try:
        book, options = for_lab(jl.REPO / "notebooks", [])
        env["JUPYTER_CONFIG_PATH"] = os.environ["JUPYTER_CONFIG_PATH"]  # no news prompt
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        with jl.jupyter_lab(
            tmp_path, book, env, *options,
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
            "--LabApp.expose_app_in_browser=True",  # Run All through the app's own command
        ) as lab:
            yield lab
    finally:
        jl.reset_lab(LAB_NAME)


def _idle(page, timeout: float = 60_000) -> None:
    """Every code cell has run (a number in its prompt) and the kernel is idle."""
    jl.wait_all_cells_ran(page, timeout)
    page.wait_for_selector(jl.KERNEL_IDLE, timeout=timeout)


def _click_and_wait(page, button: str, text: str, where: str = ".nslab-step-progress") -> None:
    """Click a Stepper button and wait until the element `where` shows `text`."""
    page.click(f".nslab-stepper button.nslab-step-{button}")
    page.wait_for_function(
        """([where, text]) => [...document.querySelectorAll('.nslab-stepper ' + where)]
                 .some(s => s.textContent.includes(text))""",
        arg=[where, text], timeout=30_000,
    )


def test_workbook_stepper_and_ip_magic_in_jupyterlab(workbook_lab):
    base, token, server = workbook_lab
    jl.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ns = f"br-{uuid.uuid4().hex[:6]}"

    with jl.browser_page(1280, 800) as page:
        try:
            jl.open_notebook(page, f"{base}/lab/tree/{NOTEBOOK}?token={token}&reset")
            jl.fold_file_browser(page)
            # 1. fresh: not one output, so no answer is spoiled and nothing is untrusted
            assert page.locator(".jp-Cell").count() > 20
            assert page.locator(".jp-OutputArea-output").count() == 0
            page.wait_for_timeout(1500)  # a news toast would have come by now
            toasts = page.locator(".Toastify__toast").all_inner_texts()
            assert toasts == [], toasts
            page.screenshot(path=str(jl.ARTIFACTS / "workbook-fresh.png"))

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
            problems = page.evaluate(jl.WIDER_THAN_CELL, [".nslab-stepper", "stepper"])
            assert problems == [], problems
            stepper.scroll_into_view_if_needed()
            page.screenshot(path=str(jl.ARTIFACTS / "stepper-s19.png"))
            box = stepper.bounding_box()
            page.screenshot(path=str(jl.ARTIFACTS / "notebook-03.png"), clip={
                "x": 0, "y": max(box["y"] - 40, 0), "width": 1280, "height": 800})

            _click_and_wait(page, "back", "S17 undone", ".nslab-changes")
            _click_and_wait(page, "back", "S15 undone", ".nslab-changes")
            changes = stepper.locator(".nslab-changes").inner_text()
            assert "192.168.1.1/24" in changes
            assert "MAC" not in changes and "fe80" not in changes, changes
            assert stepper.locator(".nslab-error").count() == 0
            page.screenshot(path=str(jl.ARTIFACTS / "stepper-back.png"))

            # 4. the layout still fits at the smallest supported width
            page.set_viewport_size({"width": 1024, "height": 800})
            page.wait_for_timeout(500)
            problems = page.evaluate(jl.WIDER_THAN_CELL, [".nslab-stepper", "stepper"])
            assert problems == [], problems
            page.screenshot(path=str(jl.ARTIFACTS / "stepper-1024.png"))
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
            page.screenshot(path=str(jl.ARTIFACTS / "ip-magic.png"))
        except Exception:
            page.screenshot(path=str(jl.ARTIFACTS / "workbook-failure.png"), full_page=True)
            raise

    assert ns in netns_list()  # %ip made a real namespace, through the lab (journal)
    assert ns in str(jl.journal_entries(LAB_NAME))
    shot = jl.ARTIFACTS / "notebook-03.png"
    assert shot.stat().st_size > 20_000
    shutil.copyfile(shot, README_SHOT)
