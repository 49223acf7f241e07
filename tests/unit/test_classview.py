"""The class page's renderer (nslab.classview): records in, escaped HTML out."""

from __future__ import annotations

import base64
import json
import re
import time
from html.parser import HTMLParser
from typing import Any

import pytest

from nslab import classview
from nslab.i18n import set_language

NOW = 1_800_000_000.0
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80">'
       + "".join(f'<rect x="{i}" y="{i}" width="9" height="9"/>' for i in range(200)) + "</svg>")


def record(lab: str = "ex2", *, findings: int = 1, since: float = NOW - 300, **extra: Any) -> dict:
    data = {
        "version": 1, "lab": lab, "notebook": None, "time": NOW, "last_action": NOW - 20,
        "steps": None, "goals": {"met": 0, "total": 1, "ok": [False],
                                     "text": {"en": ["ex2-a can ping 192.168.1.2"],
                                              "zh_CN": ["ex2-a 能 ping 通 192.168.1.2"]}},
        "findings": [{
            "code": "peer-down", "key": "diag.peer-down",
            "fields": {"ifname": "veth-b", "ns": "ex2-b", "peer": "veth-a", "peer_ns": "ex2-a"},
            "severity": "error",
            "fixes": [["lab.set_up('ex2-b', 'veth-b')",
                       "ip netns exec ex2-b ip link set dev veth-b up"]],
            "since": since,
        }] * findings,
        "namespaces": ["ex2-a", "ex2-b"], "drawing": SVG,
        "transcript": ["ip netns exec ex2-a ip -br a"],
    }
    return data | extra


def parsed(data: dict) -> classview.Record:
    rec = classview.parse(json.dumps(data).encode())
    assert rec is not None
    return rec


class Tags(HTMLParser):
    """Every start tag and attribute the browser would build."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    p = Tags()
    p.feed(page)
    return p.tags


@pytest.fixture(autouse=True)
def english() -> Any:
    yield
    set_language("en")


@pytest.mark.parametrize("raw", [
    None, b"", b"not json", b"[]", b'{"version": 2, "time": 1}', b'{"version": 1}',
    b'{"version": 1, "time": "soon"}', b"\xff\xfe", b"[" * 100_000,
])
def test_a_missing_or_damaged_record_is_no_data(raw: bytes | None) -> None:
    assert classview.parse(raw) is None
    page = classview.class_page([("alice", classview.parse(raw))], lang="en", now=NOW)
    assert "no data" in page and "alice" in page


def test_fields_of_the_wrong_type_are_dropped_not_fatal() -> None:
    rec = parsed(record(lab=7, findings=0, transcript="rm -rf /", steps=[1], goals={"met": "x"},
                        drawing=["<svg/>"], last_action="now"))
    assert rec.lab == "?" and rec.transcript == () and rec.steps is None and rec.goals is None
    assert rec.drawing == "" and rec.last_action is None
    classview.class_page([("alice", rec)], lang="en", now=NOW)
    classview.student_page("alice", rec, lang="en", now=NOW)


def test_a_tile_says_where_progress_findings_age_and_idle_time() -> None:
    page = classview.class_page([("alice", parsed(record()))], lang="en", now=NOW)
    text = re.sub(r"<[^>]+>", " ", page)
    assert "exercise 02-cannot-talk" in text
    assert "goals met: 0 of 1" in text
    assert "peer-down" in text and "veth-b" in text
    assert "oldest finding open for 5 min 0 s" in text
    assert "last action 20 s ago" in text
    img = [a for t, a in tags(page) if t == "img"]
    assert len(img) == 1 and base64.b64decode(img[0]["src"].split(",", 1)[1]).decode() == SVG


def test_stepper_progress() -> None:
    steps = {"ids": ["S12", "S13", "S14"], "done": ["S12"], "next": "S13"}
    rec = parsed(record("03-veth-pair", findings=0, goals=None, steps=steps,
                        notebook="03-veth-pair.ipynb"))
    page = classview.class_page([("carol", rec)], lang="en", now=NOW)
    assert "next step S13 (1 of 3 done)" in page and "no findings" in page


def test_stuck_longest_first_then_idle_longest_then_no_data() -> None:
    tiles = [("a-fine", parsed(record(findings=0))), ("b-none", None),
             ("c-new", parsed(record(since=NOW - 10))),
             ("d-stuck", parsed(record(since=NOW - 900)))]
    page = classview.class_page(tiles, lang="en", now=NOW)
    order = [a["data-student"] for t, a in tags(page) if t == "a" and "data-student" in a]
    assert order == ["d-stuck", "c-new", "a-fine", "b-none"]


def test_summary_counts_places_and_the_most_common_finding() -> None:
    steps = {"ids": ["S12", "S13"], "done": [], "next": "S12"}
    tiles = [("a", parsed(record())), ("b", parsed(record())), ("c", parsed(record(findings=0))),
             ("d", parsed(record("03-veth-pair", findings=0, goals=None, steps=steps,
                                 notebook="03-veth-pair.ipynb")))]
    page = classview.class_page(tiles, lang="en", now=NOW)
    summary = page[page.index('class="summary"'):page.index('class="tiles"')]
    assert "exercise 02-cannot-talk: 3 students" in summary
    assert "03-veth-pair · next step S12 (0 of 2 done): 1 student" in summary
    assert "<code>peer-down</code> (2 students)" in summary


def test_chinese_for_a_chinese_teacher() -> None:
    page = classview.class_page([("alice", parsed(record()))], lang="zh_CN", now=NOW)
    assert 'lang="zh-CN"' in page
    assert "练习 02-cannot-talk" in page and "已达成目标：0/1" in page
    assert "最早的诊断结果已存在 5 分 0 秒" in page and "veth-b" in page
    detail = classview.student_page("alice", parsed(record()), lang="zh_CN", now=NOW)
    assert "修正方法：lab.set_up(&#x27;ex2-b&#x27;, &#x27;veth-b&#x27;)" in detail
    assert "命令记录" in detail
    assert "✘ ex2-a 能 ping 通 192.168.1.2" in detail  # the goal in the teacher's language
    english = classview.student_page("alice", parsed(record()), lang="en", now=NOW)
    assert "✘ ex2-a can ping 192.168.1.2" in english


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"


def test_a_hostile_record_renders_as_text() -> None:
    evil = record(HOSTILE)
    evil.update( notebook=HOSTILE, transcript=[HOSTILE, "</pre>" + HOSTILE],
        steps={"ids": [HOSTILE], "done": [], "next": HOSTILE},
        goals={"met": 0, "total": 1, "ok": [False], "text": {"en": [HOSTILE], HOSTILE: [HOSTILE]}},
        drawing='<svg xmlns="http://www.w3.org/2000/svg" onload="alert(3)"><script>alert(4)'
                "</script></svg>",
        findings=[{"code": HOSTILE, "key": "diag.peer-down", "since": NOW,
                   "fields": {"ifname": HOSTILE, "ns": HOSTILE, "peer": "p", "peer_ns": "q"},
                   "fixes": [[HOSTILE, HOSTILE]]},
                  {"code": "x", "key": "step.unknown", "fields": {}, "since": NOW},
                  {"code": "y", "key": "diag.peer-down", "fields": {"__class__": "z"},
                   "since": NOW},
                  {"code": HOSTILE, "key": HOSTILE, "fields": {}, "since": NOW,
                   "expected": HOSTILE, "fixes": [[HOSTILE, HOSTILE]]}],
    )
    rec = parsed(evil)
    for page in (classview.class_page([(HOSTILE, rec)], lang="en", now=NOW),
                 classview.student_page(HOSTILE, rec, lang="en", now=NOW)):
        found = tags(page)
        assert {t for t, _ in found} <= {"html", "head", "meta", "title", "style", "body", "nav",
                                         "a", "h1", "h2", "h3", "p", "div", "section", "ul",
                                         "li", "code", "main", "img", "pre"}
        assert not any(k.startswith("on") for _, attrs in found for k in attrs), found
        assert "<script" not in page.lower().replace("&lt;script", "")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "step &lt;script&gt;alert(1)&lt;/script&gt;" in page  # the expected step's id
        # the drawing is only ever an <img> (no script runs there), its SVG base64-encoded
        assert all(a["src"].startswith("data:image/svg+xml;base64,")
                   for t, a in found if t == "img")
        # a message key the record names is used only if it is a finding's own template
        assert ">x<" in page or "<code>x</code>" in page


def test_thirty_students_render_in_under_a_second() -> None:
    raws = [json.dumps(record(since=NOW - i * 7, findings=i % 3,
                              transcript=[f"ip netns exec ex2-a ip link set dev veth-{j} up"
                                          for j in range(40)])).encode() for i in range(30)]
    start = time.perf_counter()
    tiles = [(f"student{i:02d}", classview.parse(raw)) for i, raw in enumerate(raws)]
    page = classview.class_page(tiles, lang="zh_CN", now=NOW)
    took = time.perf_counter() - start
    assert page.count('class="tile ') == 30
    assert took < 1.0, took
    print(f"30 students: {took * 1000:.1f} ms, {len(page) // 1024} KiB")


def stepping(next_step: str, findings: list[dict], **extra: Any) -> dict:
    """Notebook 03's record mid-way through the Stepper: NEXT_STEP next, FINDINGS now."""
    ids = ["S12", "S13", "S14", "S15", "S16", "S17", "S18", "S19"]
    steps = {"ids": ids, "done": ids[:ids.index(next_step)], "next": next_step}
    return record("03-veth-pair", goals=None, steps=steps, notebook="03-veth-pair.ipynb",
                  **extra) | {"findings": findings}


IN_HOST = {"code": "end-in-host", "key": "diag.end-in-host", "severity": "error",
           "fields": {"ifname": "veth-test2", "home": "test2"},
           "fixes": [["lab.move('veth-test2', 'test2')", "ip link set veth-test2 netns test2"]],
           "since": NOW - 1800}


def test_findings_the_step_expects_are_shown_apart_and_are_not_stuck() -> None:
    # between S13 and S14 veth-test2 sits in the host: S14 moves it (publish says so)
    on_track = parsed(stepping("S14", [IN_HOST | {"expected": "S14"}]))
    assert classview.stuck_for(on_track, NOW) == 0
    assert on_track.open == () and [f.code for f in on_track.expected] == ["end-in-host"]
    # the same finding after the step that should have fixed it: a fault, open 30 min
    lost = parsed(stepping("S15", [IN_HOST]))
    assert classview.stuck_for(lost, NOW) == 1800
    fine = parsed(record(findings=0, goals={"met": 1, "total": 1, "ok": [True], "text": {}}))
    page = classview.class_page([("a-on-track", on_track), ("b-fine", fine), ("c-lost", lost)],
                                lang="en", now=NOW)
    order = [a["data-student"] for t, a in tags(page) if t == "a" and "data-student" in a]
    assert order[0] == "c-lost", order
    tile = page[page.index('data-student="a-on-track"'):page.index('data-student="b-fine"')]
    assert 'class="tile ok"' in page[page.rindex("<a", 0, page.index('data-student="a-on-track"')):]
    text = re.sub(r"<[^>]+>", " ", tile)
    assert "expected at this step (not a fault yet):" in text and "(step S14 fixes it)" in text
    assert "oldest finding open" not in text and "no findings" not in text
    # the summary's most common open finding counts faults only
    summary = page[page.index('class="summary"'):page.index('class="tiles"')]
    assert "<code>end-in-host</code> (1 student)" in summary
    # the student's page: the expected finding with its fix, under its own heading
    detail = classview.student_page("a-on-track", on_track, lang="en", now=NOW)
    assert 'class="findings expected"' in detail and "step S14 fixes it" in detail
    assert "Fix: lab.move(&#x27;veth-test2&#x27;, &#x27;test2&#x27;)" in detail
    # in Chinese
    zh = classview.class_page([("a-on-track", on_track)], lang="zh_CN", now=NOW)
    assert "本步骤预期的诊断结果（尚不算故障）：" in zh and "步骤 S14 会修正" in zh


def test_goals_not_met_for_long_is_stuck() -> None:
    goals = {"met": 0, "total": 1, "ok": [False], "text": {}, "since": NOW - 600}
    slow = parsed(record(findings=0, goals=goals))
    assert classview.stuck_for(slow, NOW) == 600
    done = parsed(record(findings=0, goals=goals | {"met": 1, "ok": [True]}))
    assert classview.stuck_for(done, NOW) == 0
    page = classview.class_page([("a-done", done), ("b-slow", slow)], lang="en", now=NOW)
    order = [a["data-student"] for t, a in tags(page) if t == "a" and "data-student" in a]
    assert order == ["b-slow", "a-done"]
    assert "goals not all met for 10 min 0 s" in page
    assert 'class="tile working"' in page and 'class="tile ok"' in page
    zh = classview.class_page([("b-slow", slow)], lang="zh_CN", now=NOW)
    assert "目标未全部达成，已持续 10 分 0 秒" in zh
