"""Every widget label speaks the notebook's language (issue 19): the Panel's buttons and
headings, the capture table's columns, the doctor's table; the Stepper's were already."""

from __future__ import annotations

import re

import pytest

import nslab
from nslab import doctor
from nslab.capture import CAPTURE_COLUMNS
from nslab.messages import say
from nslab.widgets import PANEL_BUTTONS

CJK = re.compile("[\u4e00-\u9fff]")


@pytest.fixture
def chinese():
    nslab.set_language("zh_CN")
    yield
    nslab.set_language(None)


def test_panel_buttons_and_headings_in_chinese(chinese):
    labels = {key: say(message) for key, message in PANEL_BUTTONS.items()}
    assert labels["add namespace"] == "添加命名空间" and labels["set up"] == "启用"
    untranslated = [k for k, v in labels.items() if not CJK.search(v) and k != "ping"]
    assert not untranslated, untranslated  # ping stays ping, as the glossary says
    assert CJK.search(say("panel.heading", lab="<b>Lab x</b>"))
    assert CJK.search(say("panel.output")) and CJK.search(say("panel.transcript_word"))


def test_panel_keys_stay_english_for_css_and_tests():
    nslab.set_language("en")
    try:
        assert {k: say(v) for k, v in PANEL_BUTTONS.items()} == {k: k for k in PANEL_BUTTONS}
    finally:
        nslab.set_language(None)


def test_capture_columns_and_doctor_table_in_chinese(chinese):
    assert [say(k) for k in CAPTURE_COLUMNS] == ["时间（秒）", "源地址", "目的地址", "协议", "摘要"]
    check = doctor.Check("binary: ip", False, "missing", "apt-get install iproute2")
    report = doctor.Report([check])
    page = report._repr_html_()
    assert "<th>检查项</th>" in page and ">结果</th>" in page
