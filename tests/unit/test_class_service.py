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
