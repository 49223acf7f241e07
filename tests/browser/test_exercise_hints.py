"""An exercise's hints button, by keyboard only, in a real JupyterLab (headless Chromium).

A keyboard user presses Enter on *Show a hint* until every hint is out: each hint is
announced in the live region (role=status), and after the last one the focus stays on the
button, which now says *No more hints*; Enter once more announces that all the hints are
shown above (WCAG 2.4.3: a control that disables itself must not drop the focus).

The notebook holds only `hints([...])`: no namespace is made. Run it under the kernel lock
(it starts a JupyterLab and Chromium).
"""

from __future__ import annotations

import nbformat
import pytest

from tests.browser import jupyterlab as jl
from tests.browser.a11y import axe, report

pytestmark = pytest.mark.browser
jl.skip_unless_ready()

HINTS = ["Look at the drawing.", "Bring the interface `veth-test2` up."]


@pytest.fixture
def lab_server(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"from nslab.exercises import hints\nhints({HINTS!r})")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, root / "hints.ipynb")
    env = jl.jupyter_env(tmp_path)
    env["NSLAB_LANG"] = "en"
    jl.write_setting(tmp_path / "settings", "apputils-extension/notification", jl.QUIET)
    with jl.jupyter_lab(tmp_path, root, env,
                        f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
                        "--LabApp.expose_app_in_browser=True") as (base, token, _server):
        yield base, token


def _focused(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        return e ? e.tagName + '|' + e.textContent.trim() : ''; }""")


def _announced(page, text: str) -> None:
    """Wait until the hints' live region reads TEXT."""
    page.wait_for_function(
        """t => [...document.querySelectorAll('.jp-OutputArea-output [role=status]')]
                 .some(s => s.getAttribute('aria-live') === 'polite'
                            && s.textContent.includes(t))""",
        arg=text, timeout=30_000)


def test_the_hints_button_keeps_the_focus_after_the_last_hint(lab_server):
    base, token = lab_server
    jl.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with jl.browser_page(1280, 800) as page:
        jl.open_notebook(page, f"{base}/lab/tree/hints.ipynb?token={token}&reset")
        jl.fold_file_browser(page)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        button = page.locator(".jp-OutputArea-output button.widget-button")  # the only one
        button.wait_for(timeout=60_000)
        jl.wait_all_cells_ran(page, 60_000)
        button.focus()
        assert _focused(page) == "BUTTON|Show a hint (1 of 2)"

        page.keyboard.press("Enter")
        _announced(page, "Hint 1. Look at the drawing.")
        page.wait_for_function("() => document.activeElement.textContent.includes('2 of 2')")
        assert _focused(page) == "BUTTON|Show a hint (2 of 2)"

        page.keyboard.press("Enter")  # the last hint: the button is spent, the focus stays
        _announced(page, "Hint 2. Bring the interface veth-test2 up.")
        page.wait_for_function(
            "() => document.activeElement.textContent.trim() === 'No more hints'")
        assert _focused(page) == "BUTTON|No more hints"
        assert not button.is_disabled()
        assert "nslab-hints-done" in (button.get_attribute("class") or "")

        page.keyboard.press("Space")  # once more: announced, the focus still on the button
        _announced(page, "No more hints: all 2 are shown above.")
        assert _focused(page) == "BUTTON|No more hints"
        live = page.locator(".jp-OutputArea-output [role=status]")
        assert live.count() == 1, live.count()
        text = live.inner_text()
        assert "Hint 1." in text and "Hint 2." in text and text.count("Hint 1.") == 1, text
        page.screenshot(path=str(jl.ARTIFACTS / "hints-keyboard.png"), full_page=True)

        violations = axe(page, {"include": [[".jp-OutputArea-output"]]})
        assert not violations, report(violations)
