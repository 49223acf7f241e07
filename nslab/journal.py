"""What a lab created, on disk, so cleanup works after a crash too.

One JSON file per lab name under the state directory. The lab writes an entry
*before* it asks the kernel to create the object (then fills in the kernel's
identity: a namespace's inode, a link's ifindex, a process's start time), so a
lab killed at any moment leaves a journal that lists everything it made.
Cleanup removes exactly what a journal lists, checked against that identity,
and nothing else: no name patterns.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import CorruptJournal, LabInUse
from .messages import say

Entry = dict[str, Any]  # {"kind": "netns"|"link"|"process", "name": ..., ...}


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
        self.entries: list[Entry] = data.get("entries", [])

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

        Writes are atomic (a rename), so a bad file is a hand edit, a full disk or a bug:
        nothing of it is guessed at.
        """
        try:
            data = json.loads(path.read_text())
            if not isinstance(data, dict) or not isinstance(data.get("entries", []), list):
                raise ValueError("not a journal object")
            journal = cls(path, data)
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
        entry: Entry = {"kind": kind, "name": name, **fields}
        self.entries.append(entry)
        try:
            self.save()
        except BaseException:
            self.entries = [e for e in self.entries if e is not entry]  # not created: forget
            raise
        return entry

    def update(self, entry: Entry, **fields: Any) -> None:
        entry.update(fields)
        self.save()

    def remove(self, entry: Entry) -> None:
        self.entries = [e for e in self.entries if e is not entry]
        self.save()

    def find(self, kind: str, name: str, **match: Any) -> Entry | None:
        for entry in self.entries:
            if entry["kind"] == kind and entry["name"] == name:
                if all(entry.get(k) == v for k, v in match.items()):
                    return entry
        return None

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e["kind"] == kind]

    # -- disk ---------------------------------------------------------------------
    def save(self) -> None:
        """Write atomically: a temp file in the same directory, then rename."""
        data = {
            "lab": self.lab,
            "owner_pid": self.owner_pid,
            "owner_start": self.owner_start,
            "entries": self.entries,
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".journal-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(json.dumps(data))  # dumps uses the C encoder; dump does not
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)
