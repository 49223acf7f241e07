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

import os
import shutil
from pathlib import Path

import nbformat
import pytest

from tests.browser import jupyterlab as jl

pytestmark = pytest.mark.browser
jl.skip_unless_ready()

ZH_00 = jl.REPO / "notebooks" / "zh-CN" / "00-start-here.ipynb"
LAB_OF_00 = "00-start-here"  # the Lab name the notebook uses
VISIBLE = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def _write_settings(settings: Path) -> None:
    """JupyterLab's user settings: Chinese, and nothing that would reach the network."""
    jl.write_setting(settings, "translation-extension/plugin", {"locale": "zh_CN"})
    # every cell in the page (no windowing), so the text can be found and shot
    jl.write_setting(settings, "notebook-extension/tracker", {"windowingMode": "none"})
    jl.write_setting(settings, "apputils-extension/notification", jl.QUIET)


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
    env = jl.jupyter_env(tmp_path, {k: v for k, v in os.environ.items()
                                    if k not in ("NSLAB_LANG", "JUPYTERLAB_SETTINGS_DIR",
                                                 "LANGUAGE", "LC_ALL", "LC_MESSAGES")})
    env["LANG"] = "C.UTF-8"
    _write_settings(tmp_path / "config" / "lab" / "user-settings")
    try:
        with jl.jupyter_lab(
            tmp_path, root, env,
            "--LabApp.news_url=", "--LabApp.expose_app_in_browser=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ) as (base, token, _):
            yield base, token
    finally:
        jl.reset_lab(LAB_OF_00)


def _open(page, url: str) -> None:
    jl.open_notebook(page, url, timeout=60_000)


def _run_all(page) -> None:
    """Run All, then wait until every code cell has its execution count."""
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    jl.wait_all_cells_ran(page, timeout=120_000)


def test_chinese_notebook_in_a_chinese_jupyterlab(jupyter):
    base, token = jupyter
    jl.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = jl.ARTIFACTS / "zh-00-start-here.png"
    with jl.browser_page(1400, 1000) as page:
        try:
            _open(page, f"{base}/lab/tree/zh-CN/00-start-here.ipynb?token={token}&reset")
            # JupyterLab's own menus come from the language pack
            page.locator(".lm-MenuBar-itemLabel", has_text="文件").first.wait_for(timeout=10_000)
            jl.fold_file_browser(page)
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
            page.screenshot(path=str(jl.ARTIFACTS / "zh-failure.png"))
            raise
    assert shot.stat().st_size > 10_000
    assert fonts  # the page's font stack; the CJK glyphs come from fonts-noto-cjk
    assert "JupyterLab" in sentence and "语言" in sentence, sentence
