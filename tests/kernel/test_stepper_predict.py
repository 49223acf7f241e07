"""The Stepper asks first: before *Run step* it shows what to do, after it what happened.

Against the real kernel (the article's S8, with its fixed names test1/test2: skipped when
either exists already).
"""

from __future__ import annotations

import html
import subprocess

import pytest

from nslab.steps import ARTICLE
from nslab.tutorial import IP_NETNS, Tutorial
from nslab.widgets import Stepper
from tests.conftest import needs_root

pytestmark = needs_root


@pytest.fixture
def tutorial(lab):
    taken = set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
                .stdout.split())
    busy = sorted({"test1", "test2"} & taken)
    if busy:
        pytest.skip(f"namespace {', '.join(busy)} exists already")
    return Tutorial(lab, IP_NETNS)


def _text(widget) -> str:
    return html.unescape(widget.value).replace("<code>", "`").replace("</code>", "`")


def test_the_explanation_appears_only_after_run_step(tutorial):
    stepper = Stepper(tutorial)
    stepper.choice.value = "S8"
    s8 = ARTICLE["S8"]
    assert s8.intro in _text(stepper.explain)
    assert "Create two namespaces" in stepper.heading.value  # an action, not a result
    assert s8.explain not in _text(stepper.explain) and stepper.explained.value == ""

    stepper.run_button.click()
    assert stepper.error == ""
    assert s8.explain in _text(stepper.explained)
    assert "What happened in S8" in _text(stepper.explained)
    # the cursor moved on to S9: its introduction shows, not its answer
    assert stepper.choice.value == "S9"
    assert ARTICLE["S9"].intro in _text(stepper.explain)
    for word in ARTICLE["S9"].answer_words:
        assert word not in _text(stepper.explain) and word not in stepper.heading.value

    stepper.back_button.click()  # another action: the old explanation goes
    assert stepper.explained.value == ""
