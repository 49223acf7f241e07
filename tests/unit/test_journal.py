"""The on-disk journal: atomic, adopted after a crash, refused while another process lives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nslab import CorruptJournal, LabInUse
from nslab import journal as journal_mod
from nslab.journal import Journal, is_alive, process_start, state_dir


@pytest.fixture(autouse=True)
def _state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NSLAB_STATE_DIR", str(tmp_path))
    return tmp_path


def _dead_pid() -> int:
    """The PID of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _write(path: Path, **data) -> None:
    path.write_text(json.dumps(data))


def test_state_dir_honours_env(tmp_path: Path) -> None:
    assert state_dir() == tmp_path


def test_open_creates_a_journal_owned_by_this_process(tmp_path: Path) -> None:
    j = Journal.open("demo")
    assert j.path == tmp_path / "demo.json"
    data = json.loads(j.path.read_text())
    assert data == {"lab": "demo", "owner_pid": os.getpid(),
                    "owner_start": process_start(os.getpid()), "entries": []}
    assert j.owner_alive


def test_entries_round_trip_through_disk(tmp_path: Path) -> None:
    j = Journal.open("demo")
    ns = j.add("netns", "test1")
    j.update(ns, inode=1234)
    link = j.add("link", "veth-a", ns=None, peer="veth-b")
    assert Journal.load(j.path).entries == [
        {"kind": "netns", "name": "test1", "inode": 1234},
        {"kind": "link", "name": "veth-a", "ns": None, "peer": "veth-b"},
    ]
    assert j.find("link", "veth-a", ns=None) is link
    assert j.find("link", "veth-a", ns="test1") is None
    assert j.of_kind("netns") == [ns]
    j.remove(ns)
    assert [e["name"] for e in Journal.load(j.path).entries] == ["veth-a"]
    j.delete()
    assert not j.path.exists()
    j.delete()  # twice is fine


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A compaction that fails half way leaves the previous journal intact and no temp file."""
    j = Journal.open("demo")
    j.add("netns", "keep-me")
    before = j.path.read_text()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")  # the temp file is written, not renamed

    with monkeypatch.context() as m:
        m.setattr(journal_mod.os, "replace", broken_replace)
        with pytest.raises(OSError):
            j.save()
    assert j.path.read_text() == before
    assert Journal.load(j.path).entries == [{"kind": "netns", "name": "keep-me"}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.json"], "no temp file left"


def test_a_failed_append_leaves_no_half_line(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk in the middle of an append: the file is cut back, the entry forgotten."""
    j = Journal.open("demo")
    j.add("netns", "keep-me")
    before = j.path.read_text()
    real_write = os.write

    def half_write(fd, data):
        real_write(fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(journal_mod.os, "write", half_write)
        with pytest.raises(OSError):
            j.add("netns", "lost")
    assert j.path.read_text() == before, "no half line left behind"
    # the failed entry is not kept in memory either: a later save must not list an
    # object that was never created (reset() would then delete someone else's "lost")
    assert j.find("netns", "lost") is None
    j.save()
    assert Journal.load(j.path).entries == [{"kind": "netns", "name": "keep-me"}]


def test_changes_are_appended_and_compacted(tmp_path: Path) -> None:
    """Each change is one appended line; a compaction (save) makes it one line again."""
    j = Journal.open("demo")
    inode_before = j.path.stat().st_ino
    a = j.add("netns", "a")
    j.update(a, inode=7)
    b, c = j.add_many([{"kind": "link", "name": "b"}, {"kind": "link", "name": "c"}])
    j.remove(b)
    assert j.path.stat().st_ino == inode_before, "appended in place, not renamed"
    lines = j.path.read_text().splitlines()
    assert [json.loads(x) for x in lines[1:]] == [
        {"add": {"kind": "netns", "name": "a"}}, {"set": 0, "fields": {"inode": 7}},
        {"add": {"kind": "link", "name": "b"}}, {"add": {"kind": "link", "name": "c"}},
        {"del": 1},
    ]
    expected = [{"kind": "netns", "name": "a", "inode": 7}, {"kind": "link", "name": "c"}]
    assert Journal.load(j.path).entries == expected == j.entries
    j.remove_many([a, c])
    assert Journal.load(j.path).entries == []
    j.save()
    assert len(j.path.read_text().splitlines()) == 1


@pytest.mark.parametrize("line", [
    "{not json", "[1]", '{"del": 5}', '{"set": 0}', '{"set": 9, "fields": {}}', '{"x": 1}',
])
def test_a_bad_appended_line_makes_the_journal_corrupt(tmp_path: Path, line: str) -> None:
    j = Journal.open("demo")
    j.add("netns", "a")
    with open(j.path, "a") as f:
        f.write(line + "\n")
    with pytest.raises(CorruptJournal, match=r"The journal of lab 'demo' \(.*demo.json\)"):
        Journal.load(j.path)
    _good, bad = Journal.scan()
    assert [str(e).split("'")[1] for e in bad] == ["demo"]


def test_adopts_the_journal_of_a_dead_owner(tmp_path: Path) -> None:
    pid = _dead_pid()
    entries = [{"kind": "netns", "name": "crashed1", "inode": 42}]
    _write(tmp_path / "demo.json", lab="demo", owner_pid=pid, owner_start=12345,
           entries=entries)
    j = Journal.open("demo")
    assert j.entries == entries, "what the dead lab made is still listed, so reset() removes it"
    assert j.owner_pid == os.getpid() and j.owner_alive
    on_disk = json.loads(j.path.read_text())
    assert on_disk["owner_pid"] == os.getpid() and on_disk["entries"] == entries


def test_pid_reused_by_another_process_counts_as_dead(tmp_path: Path) -> None:
    """Same PID, different start time: the old owner is gone, adopt."""
    me = os.getpid()
    _write(tmp_path / "demo.json", lab="demo", owner_pid=1, owner_start=-1,
           entries=[{"kind": "netns", "name": "n"}])
    assert not is_alive(1, -1)
    j = Journal.open("demo")
    assert j.owner_pid == me and j.entries == [{"kind": "netns", "name": "n"}]


def test_live_other_owner_raises_lab_in_use(tmp_path: Path) -> None:
    proc = subprocess.Popen(["sleep", "30"])
    try:
        start = process_start(proc.pid)
        assert is_alive(proc.pid, start)
        content = json.dumps({"lab": "busy", "owner_pid": proc.pid, "owner_start": start,
                              "entries": [{"kind": "netns", "name": "theirs"}]})
        (tmp_path / "busy.json").write_text(content)
        with pytest.raises(LabInUse) as info:
            Journal.open("busy")
        msg = str(info.value)
        assert isinstance(info.value, RuntimeError)
        assert "'busy'" in msg and f"PID {proc.pid}" in msg
        assert "Lab(name='busy-2')" in msg
        assert (tmp_path / "busy.json").read_text() == content, "their journal is untouched"
    finally:
        proc.kill()
        proc.wait()
    # once that process is gone the journal can be adopted
    assert Journal.open("busy").entries == [{"kind": "netns", "name": "theirs"}]


def test_reopening_own_journal_keeps_entries(tmp_path: Path) -> None:
    j = Journal.open("mine")
    j.add("netns", "a")
    again = Journal.open("mine")
    assert again.entries == [{"kind": "netns", "name": "a"}]


def test_scan_names_every_file_that_is_not_a_journal(tmp_path: Path) -> None:
    Journal.open("one")
    Journal.open("two")
    (tmp_path / "junk.json").write_text("{not json")
    (tmp_path / "partial.json").write_text('{"entries": []}')  # no lab / owner
    (tmp_path / "odd.json").write_text('{"lab": "odd", "owner_pid": 1, "entries": [{}]}')
    (tmp_path / "notes.txt").write_text("ignored")
    good, bad = Journal.scan()
    assert sorted(j.lab for j in good) == ["one", "two"]
    assert sorted(j.lab for j in Journal.all()) == ["one", "two"]
    said = sorted(str(e) for e in bad)
    assert [s.split("'")[1] for s in said] == ["junk", "odd", "partial"]
    for text in said:
        assert "cannot be read" in text and str(tmp_path) in text and "delete" in text


def test_opening_a_corrupt_journal_refuses_and_keeps_it(tmp_path: Path) -> None:
    bad = tmp_path / "demo.json"
    bad.write_text('{"lab": "demo", "owner_pid": 1, "entr')  # a truncated write
    with pytest.raises(CorruptJournal, match=r"The journal of lab 'demo' \(.*demo.json\)"):
        Journal.open("demo")
    assert bad.read_text().endswith('"entr'), "nothing rewritten"


def test_cleanup_with_a_corrupt_journal_cleans_the_others_then_raises(tmp_path: Path) -> None:
    import nslab

    (tmp_path / "bad.json").write_text("[1, 2")
    _write(tmp_path / "dead.json", lab="dead", owner_pid=_dead_pid(), owner_start=1,
           entries=[{"kind": "netns", "name": "nslab-unit-never-created-3", "inode": 1}])
    notes: list[str] = []
    with pytest.raises(CorruptJournal) as raised:
        nslab.cleanup(notes=notes)
    assert raised.value.removed == []
    assert not (tmp_path / "dead.json").exists(), "the readable crashed journal is done"
    assert (tmp_path / "bad.json").exists(), "the unreadable one is left for a human"
    assert notes == ["Namespace 'nslab-unit-never-created-3' was already gone (deleted "
                     "outside nslab): nothing to remove."]


def test_all_of_a_missing_directory_is_empty(tmp_path: Path) -> None:
    assert list(Journal.all(tmp_path / "nope")) == []


def test_process_start_of_gone_process() -> None:
    assert process_start(_dead_pid()) is None
    assert not is_alive(os.getpid(), None)
    assert is_alive(os.getpid(), process_start(os.getpid()))


def test_cleanup_removes_dead_journals_only(tmp_path: Path) -> None:
    """nslab.cleanup() drops a crashed lab's journal (its objects are long gone here)
    and leaves a live lab's journal alone."""
    import nslab

    live = Journal.open("live")
    live.add("netns", "nslab-unit-never-created-1")
    _write(tmp_path / "dead.json", lab="dead", owner_pid=_dead_pid(), owner_start=1,
           entries=[{"kind": "netns", "name": "nslab-unit-never-created-2", "inode": 1}])
    assert nslab.cleanup() == []  # nothing of it existed in the kernel
    assert not (tmp_path / "dead.json").exists()
    assert Journal.load(live.path).entries == [{"kind": "netns",
                                                "name": "nslab-unit-never-created-1"}]
