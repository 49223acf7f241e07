"""What a lab created, on disk, so cleanup works after a crash too.

One file per lab name under the state directory. The lab writes an entry
*before* it asks the kernel to create the object (then fills in the kernel's
identity: a namespace's inode, a link's ifindex, a process's start time), so a
lab killed at any moment leaves a journal that lists everything it made.
Cleanup removes exactly what a journal lists, checked against that identity,
and nothing else: no name patterns.

The file is JSON lines. The first line is the whole journal (lab, owner, entries),
written atomically (temp file, rename) when the journal is opened and after a
teardown. Each change after that is one appended line, one `write()` on an O_APPEND
file: {"add": ENTRY}, {"set": I, "fields": {...}} or {"del": I} (I: the entry's
position when the change was made). A rename costs ~0.2 ms and rewrites every entry,
an append ~15 us. The line is in the kernel's page cache when `write()` returns, so
a lab killed by SIGKILL right after it leaves the line on disk; no fsync, as before:
the state directory is a tmpfs (/run) and namespaces do not outlive a reboot. A write
that fails (a full disk) is cut off again, so every line in a journal is whole.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import CorruptJournal, LabInUse
from .messages import say

Entry = dict[str, Any]  # {"kind": "netns"|"link"|"process", "name": ..., ...}


def _apply(entries: list[Entry], change: Any, number: int) -> None:
    """Replay one appended line of a journal file onto its entries."""
    if not isinstance(change, dict):
        raise ValueError(f"line {number} is not a change")
    if "add" in change and isinstance(change["add"], dict):
        entries.append(change["add"])
        return
    i = change.get("set", change.get("del"))
    if not isinstance(i, int) or not 0 <= i < len(entries):
        raise ValueError(f"line {number} names no entry")
    if "set" in change and isinstance(change.get("fields"), dict):
        entries[i].update(change["fields"])
    elif "del" in change:
        del entries[i]
    else:
        raise ValueError(f"line {number} is not a change")


def state_dir() -> Path:
    """Where journals live: $NSLAB_STATE_DIR, else /run/nslab, else a per-user dir."""
    env = os.environ.get("NSLAB_STATE_DIR")
    if env:
        return Path(env)
    if os.access("/run", os.W_OK):
        return Path("/run/nslab")
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/nslab-{os.getuid()}"
    return Path(runtime) / "nslab"


def process_start(pid: int) -> int | None:
    """The start time of `pid` in clock ticks since boot (None if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # field 22 overall


def is_alive(pid: int, start: int | None) -> bool:
    """True if `pid` is the same process that had start time `start`."""
    return start is not None and process_start(pid) == start


class Journal:
    """The on-disk record of one lab's objects."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.lab = data["lab"]
        self.owner_pid: int = data["owner_pid"]
        self.owner_start: int | None = data.get("owner_start")
        self.entries = data.get("entries", [])

    @property
    def entries(self) -> list[Entry]:
        """What the lab made, oldest first (read-only by convention: change it through
        add/update/remove, or assign a new list)."""
        return self._entries

    @entries.setter
    def entries(self, entries: list[Entry]) -> None:
        self._entries: list[Entry] = entries
        self._reindex()

    def _reindex(self) -> None:
        """(kind, name) -> entries, so `find` does not scan every entry on every verb."""
        self._by_name: dict[tuple[str, str], list[Entry]] = {}
        self._kinds: dict[str, int] = {}  # kind -> how many entries: most labs have no process
        for entry in self._entries:
            self._index(entry)

    def _index(self, entry: Entry) -> None:
        self._by_name.setdefault((entry["kind"], entry["name"]), []).append(entry)
        self._kinds[entry["kind"]] = self._kinds.get(entry["kind"], 0) + 1

    # -- opening ------------------------------------------------------------------
    @classmethod
    def open(cls, lab: str, directory: Path | None = None) -> Journal:
        """The journal of lab `lab`, owned by this process from now on.

        A journal left by a dead process (a crash, a restarted kernel) is adopted,
        so `reset()` still removes what it lists. One owned by another live process
        raises LabInUse.
        """
        directory = directory or state_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{lab}.json"
        me, my_start = os.getpid(), process_start(os.getpid())
        data: dict[str, Any] = {"lab": lab, "owner_pid": me, "owner_start": my_start}
        if path.exists():
            old = cls.load(path)
            if old.owner_pid != me and is_alive(old.owner_pid, old.owner_start):
                raise LabInUse(say("journal.in_use", lab=lab, pid=old.owner_pid,
                                   call=f"Lab(name='{lab}-2')"))
            data["entries"] = old.entries
        journal = cls(path, data)
        journal.save()
        return journal

    @classmethod
    def load(cls, path: Path) -> Journal:
        """Read one journal; CorruptJournal (naming the file and what to do) if it is not one.

        Every line is written whole (see the module's docstring), so a bad line is a hand
        edit, a full disk or a bug: nothing of it is guessed at.
        """
        try:
            first, *changes = path.read_text().splitlines()  # ValueError if empty
            data = json.loads(first)
            if not isinstance(data, dict) or not isinstance(data.get("entries", []), list):
                raise ValueError("not a journal object")
            journal = cls(path, data)
            for number, line in enumerate(changes, start=2):
                _apply(journal.entries, json.loads(line), number)
            journal._reindex()
            if not all(isinstance(e, dict) and "kind" in e and "name" in e
                       for e in journal.entries):
                raise ValueError("an entry without kind or name")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise CorruptJournal(say("journal.corrupt", path=str(path), lab=path.stem,
                                     reason=str(exc))) from None
        return journal

    @classmethod
    def scan(cls, directory: Path | None = None) -> tuple[list[Journal], list[CorruptJournal]]:
        """Every journal in the state directory, and the files that are not journals."""
        directory = directory or state_dir()
        good: list[Journal] = []
        bad: list[CorruptJournal] = []
        for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
            try:
                good.append(cls.load(path))
            except CorruptJournal as exc:
                bad.append(exc)
            except FileNotFoundError:
                continue  # deleted while we looked (a lab's own cleanup)
        return good, bad

    @classmethod
    def all(cls, directory: Path | None = None) -> Iterator[Journal]:
        """Every readable journal (see `scan` for the unreadable ones)."""
        yield from cls.scan(directory)[0]

    @property
    def owner_alive(self) -> bool:
        return is_alive(self.owner_pid, self.owner_start)

    # -- entries ------------------------------------------------------------------
    def add(self, kind: str, name: str, **fields: Any) -> Entry:
        """Journal one entry (on disk before this returns)."""
        return self.add_many([{"kind": kind, "name": name, **fields}])[0]

    def add_many(self, entries: list[Entry]) -> list[Entry]:
        """Journal several entries with one write (a veth's two ends)."""
        self._append([{"add": e} for e in entries])  # raises before anything is kept
        self._entries.extend(entries)
        for entry in entries:
            self._index(entry)
        return entries

    def update(self, entry: Entry, **fields: Any) -> None:
        self.update_many([(entry, fields)])

    def update_many(self, changes: list[tuple[Entry, dict[str, Any]]]) -> None:
        """Set fields of several entries with one write."""
        position = {id(e): i for i, e in enumerate(self.entries)}
        self._append([{"set": position[id(e)], "fields": f} for e, f in changes])
        for entry, fields in changes:
            entry.update(fields)

    def remove(self, entry: Entry) -> None:
        self.remove_many([entry])

    def remove_many(self, entries: list[Entry]) -> None:
        """Drop several entries with one write."""
        gone = [e for e in entries if any(e is x for x in self.entries)]
        lines, left = [], list(self.entries)
        for entry in gone:
            i = next(i for i, e in enumerate(left) if e is entry)
            lines.append({"del": i})
            del left[i]
        if lines:
            self._append(lines)
            self.entries = left

    def find(self, kind: str, name: str, **match: Any) -> Entry | None:
        for entry in self._by_name.get((kind, name), ()):
            if all(entry.get(k) == v for k, v in match.items()):
                return entry
        return None

    def of_kind(self, kind: str) -> list[Entry]:
        if not self._kinds.get(kind):
            return []
        return [e for e in self.entries if e["kind"] == kind]

    # -- disk ---------------------------------------------------------------------
    def _append(self, changes: list[dict[str, Any]]) -> None:
        """Append the lines of `changes` in one write; on failure cut the file back."""
        text = "".join(json.dumps(c) + "\n" for c in changes).encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        try:
            size = os.fstat(fd).st_size
            try:
                if os.write(fd, text) != len(text):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))
            except BaseException:
                os.ftruncate(fd, size)  # no half line stays behind
                raise
        finally:
            os.close(fd)

    def save(self) -> None:
        """Write the whole journal as its first and only line, atomically: a temp file in
        the same directory, then rename (on open, and to compact after a teardown)."""
        data = {
            "lab": self.lab,
            "owner_pid": self.owner_pid,
            "owner_start": self.owner_start,
            "entries": self.entries,
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".journal-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(json.dumps(data) + "\n")  # dumps uses the C encoder; dump does not
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)
