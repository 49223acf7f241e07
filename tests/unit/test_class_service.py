"""The class service reads a student's record as root: only a regular file the student owns."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("jupyterhub")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy" / "hub"))
import class_service  # noqa: E402

RECORD = json.dumps({"version": 1, "time": 1.0, "lab": "ex2", "findings": []})


def test_a_regular_file_the_student_owns_is_read(tmp_path: Path) -> None:
    f = tmp_path / "lab.json"
    f.write_text(RECORD)
    rec = class_service.read_owned(f, os.getuid())
    assert rec is not None and rec.lab == "ex2"


def test_anything_else_is_no_data(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text(RECORD)
    # owned by someone else (here: this process's uid is not the student's)
    assert class_service.read_owned(secret, os.getuid() + 12345) is None
    # a symbolic link to a file (another student's record, /etc/shadow...)
    link = tmp_path / "link.json"
    link.symlink_to(secret)
    assert class_service.read_owned(link, os.getuid()) is None
    # a FIFO would block a plain open(): refused without waiting
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert class_service.read_owned(fifo, os.getuid()) is None
    # a directory, a missing file, a huge file
    assert class_service.read_owned(tmp_path, os.getuid()) is None
    assert class_service.read_owned(tmp_path / "missing.json", os.getuid()) is None
    big = tmp_path / "big.json"
    big.write_text(" " * (class_service.MAX_BYTES + 1) + RECORD)
    assert class_service.read_owned(big, os.getuid()) is None
    # a user the machine does not have
    assert class_service.read_record("no-such-user-nslab-test") is None


def test_thirty_students_full_records_from_disk_in_under_a_second(tmp_path: Path) -> None:
    """What the service does for one page of a class of 30, bar the hub's API call: read 30
    records as large as a lab makes them (a drawing of ~40 KB, the last 300 commands, the
    findings) and render them, in Chinese."""
    import time

    from nslab import classview
    from nslab.i18n import set_language

    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">'
           + "".join(f'<g id="n{i}"><title>veth-{i}</title><rect x="{i}" y="{i}" width="9" '
                     f'height="9" fill="#e8f0fe"/></g>' for i in range(420)) + "</svg>")
    finding = {"code": "peer-down", "key": "diag.peer-down", "severity": "error",
               "fields": {"ifname": "veth-b", "ns": "ex2-b", "peer": "veth-a", "peer_ns": "ex2-a"},
               "fixes": [["lab.set_up('ex2-b', 'veth-b')",
                          "ip netns exec ex2-b ip link set dev veth-b up"]], "since": 1.0}
    paths = []
    for i in range(30):
        data = {"version": 1, "time": 100.0, "lab": "ex2", "notebook": None,
                "last_action": 90.0 - i, "steps": None,
                "goals": {"met": i % 3, "total": 2, "ok": [False, i % 2 == 0],
                          "text": {"en": ["a", "b"], "zh_CN": ["甲", "乙"]}, "since": 50.0},
                "findings": [finding | {"expected": "S17" if i % 4 == 0 else None}] * (i % 3),
                "namespaces": ["ex2-a", "ex2-b"], "drawing": svg,
                "transcript": [f"ip netns exec ex2-a ip link set dev veth-{j} up"
                               for j in range(300)]}
        paths.append(tmp_path / f"s{i:02d}.json")
        paths[-1].write_text(json.dumps(data, ensure_ascii=False))
    assert 40_000 < paths[0].stat().st_size < class_service.MAX_BYTES
    classview.prepare()  # what the service does once before its first page
    start = time.perf_counter()
    tiles = [(p.stem, class_service.read_owned(p, os.getuid())) for p in paths]
    try:
        page = classview.class_page(tiles, lang="zh_CN", now=120.0)
    finally:
        took = time.perf_counter() - start
        set_language("en")  # the page's language is the process's: leave it as the tests expect
    assert page.count('class="tile ') == 30 and "无数据" not in page
    assert took < 1.0, took
    print(f"30 students, {paths[0].stat().st_size // 1024} KiB records: {took * 1000:.0f} ms, "
          f"page {len(page) // 1024} KiB")
