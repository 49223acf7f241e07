"""The state record a lab publishes for the teacher's class page (nslab.publish)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from pathlib import Path

import pytest

from nslab import classview, messages, publish
from nslab.checks import check
from nslab.exercises import broken, goals
from nslab.tutorial import VETH, Tutorial

pytestmark = pytest.mark.kernel


@pytest.fixture()
def record(tmp_path: Path):
    path = tmp_path / "state" / "nslab" / "lab.json"
    publish.use(path)
    yield path
    publish.use(None)


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def test_an_exercise_with_its_fault_then_fixed(record: Path, unique: str) -> None:
    tag = f"p{unique[:4]}"
    lab = broken("down-end", tag=tag)
    try:
        check(lab, goals("down-end", tag=tag), explain=False)
        spoken = messages.translations()
        assert publish.flush() == record
        data = read(record)
        assert data["lab"] == tag and data["version"] == 1
        assert data["goals"]["met"] == 0 and data["goals"]["total"] == 2
        # each goal's sentence in every language (the teacher's may not be the student's),
        # and the student's own language is left as it was
        text = data["goals"]["text"]
        assert len(text["en"]) == len(text["zh_CN"]) == 2 and text["en"] != text["zh_CN"]
        assert messages.translations() is spoken
        codes = {f["code"] for f in data["findings"]}
        assert "peer-down" in codes, data["findings"]
        peer = next(f for f in data["findings"] if f["code"] == "peer-down")
        assert peer["fixes"] == [[f"lab.set_up('{tag}-b', 'veth-b')",
                                  f"ip netns exec {tag}-b ip link set dev veth-b up"]]
        assert data["drawing"].lstrip().startswith(("<?xml", "<svg", "<!--"))
        first_seen = peer["since"]
        # private to the student: the folder 0700, the record 0600
        assert stat.S_IMODE(record.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(record.stat().st_mode) == 0o600
        # a later record keeps when the finding was first seen
        lab.exec(f"{tag}-a", "ip -br a")
        publish.changed(lab)
        publish.flush()
        again = next(f for f in read(record)["findings"] if f["code"] == "peer-down")
        assert again["since"] == first_seen
        # the fix: the finding goes, both goals hold, the transcript has the command
        lab.set_up(f"{tag}-b", "veth-b")
        publish.flush()
        data = read(record)
        assert data["findings"] == [] and data["goals"]["met"] == 2
        assert data["transcript"][-1] == f"ip netns exec {tag}-b ip link set dev veth-b up"
        assert data["last_action"] >= first_seen
        # the class page reads it back
        page = classview.class_page([("s", classview.parse(record.read_bytes()))],
                                    lang="en", now=time.time())
        assert "goals met: 2 of 2" in page and f"lab {tag}" in page  # "ex2": the exercise
        # no temporary file is left beside it
        assert sorted(p.name for p in record.parent.iterdir()) == ["lab.json"]
    finally:
        lab.reset()


def test_stepper_steps_and_the_kernels_loop(record: Path, lab) -> None:  # noqa: ANN001
    """In Jupyter the record is written on the kernel's loop once the changes stop: the
    verbs themselves only mark the lab as changed."""
    tutorial = Tutorial(lab, VETH)

    async def cells() -> tuple[bool, float]:
        lab.add_netns("test1")  # a cell (S8 of the earlier notebook comes along)
        written_during = record.exists()
        await asyncio.sleep(0)
        start = time.monotonic()
        while not record.exists():  # the event: the record appears once the kernel is idle
            await asyncio.sleep(0.01)
            assert time.monotonic() - start < 10, "no record after the cell"
        return written_during, time.monotonic() - start

    written_during, _ = asyncio.run(cells())
    assert not written_during  # not inside the verb
    data = read(record)
    assert data["steps"]["ids"] == tutorial.ids
    assert data["steps"]["next"] == tutorial.next_id()
    assert data["transcript"][-1] == "ip netns add test1"


def test_publishing_is_off_without_the_variable(tmp_path: Path, lab) -> None:  # noqa: ANN001
    os.environ.pop(publish.ENV, None)
    publish.use(None)
    lab.add_netns("test1")
    assert publish.flush() is None


def test_findings_the_stepper_expects_are_marked_with_the_step_that_fixes_them(
        record: Path, lab) -> None:  # noqa: ANN001
    """Mid-way through notebook 03 the lab has findings its next steps fix: the record says
    which step, and the class page does not count them as the student being stuck."""
    for ns in ("test1", "test2"):  # notebook 03's first cells: S8, lo up (S11)
        lab.add_netns(ns)
        lab.set_up(ns, "lo")
    tutorial = Tutorial(lab, VETH)

    def findings() -> dict[str, str | None]:
        publish.changed(lab)
        publish.flush()
        data = read(record)
        return {f"{f['code']} {f['fields'].get('ifname')}": f["expected"]
                for f in data["findings"]}

    tutorial.run()  # S12: both ends in the host
    assert findings() == {"end-in-host veth-test1": "S13", "end-in-host veth-test2": "S14"}
    tutorial.run()  # S13
    assert findings() == {"end-in-host veth-test2": "S14"}
    tutorial.run()  # S14
    tutorial.run()  # S15: addresses on DOWN ends, until S17
    assert set(findings().values()) == {"S17"}
    lab.set_up("test1", "veth-test1")  # S17's first half, as notebook 03 does it
    got = findings()
    assert got.get("peer-down veth-test2") == "S17", got
    rec = classview.parse(record.read_bytes())
    assert rec is not None and rec.findings and classview.stuck_for(rec, time.time()) == 0
    # once S17 is done, a fault no step fixes: not expected, the student is stuck on it
    lab.set_up("test2", "veth-test2")
    assert findings() == {}
    lab.add_addr("test2", "veth-test2", "192.168.1.1/24")
    got = findings()
    assert got and set(got.values()) == {None}, got
    rec = classview.parse(record.read_bytes())
    assert rec is not None and rec.open == rec.findings
