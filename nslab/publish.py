"""The lab's state record for the teacher's class page (deploy/hub/class_service.py).

When `NSLAB_CLASS_RECORD` names a file (the one-machine hub sets it to
`~/.local/state/nslab/lab.json` for every student), each lab writes a small JSON record
there whenever it changes: its name, the notebook, the Stepper's steps done, the goals of
the last `check()` met now (and since when they stand so), the findings of its kernel state
(code, message key and fields, fixes), when each finding was first seen, which of them the
tutorial's next steps fix (expected at this step, not a fault), the time of the last action,
a small SVG drawing and the transcript. Nothing else reads the kernel for the teacher: the
class page only reads this file, and no code runs in the student's kernel on the teacher's
behalf.

Cost: a verb only marks the lab as changed (`changed`, a few attribute writes). The record
is built once the kernel is idle again: in Jupyter, on the kernel's event loop 0.3 s after the
last change (a cell or a widget click; a burst of changes, such as Run All, makes one record,
at least every 5 s); in a script, at exit (or when it calls `flush()`). `bench/publish.py`
measures it side by side.

Privacy: the folder is made 0700 and the record 0600 (written to a temporary file in the same
folder, then renamed over the old one: a reader sees the old record or the new one, never
half of one). With the home 0700 too, only the student and root (the class service, which the
hub runs as root and which reads nothing else) can read it; see deploy/hub/README.md.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from . import messages, verbspec
from .diagnosis import Finding, diagnose
from .draw import draw, to_svg
from .i18n import available, catalogue
from .snapshot import Snapshot

__all__ = ["ENV", "RECORD", "VERSION", "Publisher", "changed", "flush", "publisher", "record",
           "use", "watch_goals"]

ENV = "NSLAB_CLASS_RECORD"
RECORD = ".local/state/nslab/lab.json"  # where the hub puts it, relative to the student's home
VERSION = 1
IDLE_DELAY = 0.3  # Jupyter: the record is built once no change came for this long (s) ...
MAX_WAIT = 5.0  # ... or this long after the first change it lacks (a long Run All)
TRANSCRIPT_MAX = 300  # the last commands kept in the record


def _finding_id(f: Finding) -> str:
    """What makes a finding the same one from record to record: its code and objects."""
    return json.dumps([f.code, f.ns, f.ifname, f.address, [list(o) for o in f.others]])


class Publisher:
    """Writes one record file for the labs of this process (the last one changed wins)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lab: Any = None
        self.last_action: float | None = None
        self.pending = False
        self.first_pending = self.due = 0.0
        self.scheduled = False
        self.no_loop = False  # changed() found no event loop (a script) since the last record
        self.first_seen: dict[str, float] = {}  # finding id -> time first seen
        self.goals_seen: tuple[Any, float] = (None, 0.0)  # goals met (each), since when
        self.svg: tuple[str, str] = ("", "")  # the last drawing: its dot source, its SVG
        self.costs: dict[str, float] = {}  # what each part of the last record took (s)
        self.goals: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()
        self.notebook = os.environ.get("JPY_SESSION_NAME") or None

    # -- cheap: called on every change --------------------------------------------------
    def changed(self, lab: Any, *, action: bool = True) -> None:
        """LAB changed (or was checked): publish once the kernel is idle again."""
        if self.path is None:
            return
        if lab is not self.lab:
            self.lab, self.first_seen, self.goals_seen = lab, {}, (None, 0.0)
        if action:
            self.last_action = time.time()
        now = time.monotonic()
        if not self.pending:
            self.pending, self.first_pending = True, now
        self.due = min(now + IDLE_DELAY, self.first_pending + MAX_WAIT)
        if self.scheduled or self.no_loop:
            return
        try:
            loop = asyncio.get_running_loop()  # Jupyter: the kernel's own loop
        except RuntimeError:
            self.no_loop = True  # a script: the record is written at exit (or by flush())
            return
        self.scheduled = True
        loop.call_later(IDLE_DELAY, self._when_idle, loop)

    def _when_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the kernel's loop: flush once no change came for IDLE_DELAY (or MAX_WAIT
        passed since the first change not yet published), else look again then."""
        wait = self.due - time.monotonic()
        if wait > 0.001:
            loop.call_later(wait, self._when_idle, loop)
            return
        self.scheduled = False
        self.flush_quietly()  # a record that cannot be written must not break the lab; the
        # class page then shows the older record (its last action's age says how old)

    # -- the record -----------------------------------------------------------------------
    def flush(self) -> Path | None:
        """Build and write the record now, if anything changed since the last one."""
        if self.path is None or not self.pending or self.lab is None:
            return None
        self.pending = self.no_loop = False
        data = self.build(self.lab)
        start = time.perf_counter()
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        self.costs["write"] = time.perf_counter() - start
        return self.path

    def flush_quietly(self) -> None:
        """flush() at exit: a lab already gone leaves the last record as it was."""
        try:
            self.flush()
        except Exception:  # noqa: BLE001
            pass

    def build(self, lab: Any) -> dict[str, Any]:
        clock = [time.perf_counter()]
        whole: Snapshot = lab.snapshot()
        snap = whole.lab_only()
        clock.append(time.perf_counter())
        goals = self.goals.get(lab, [])
        # the faults the drawing marks (no `reach`: a missing route that only follows from
        # a DOWN link would send the teacher after the wrong fix)
        findings = diagnose(snap)
        clock.append(time.perf_counter())
        drawing = self.drawing(snap)
        clock.append(time.perf_counter())
        now = time.time()
        seen = {}
        for f in findings:
            fid = _finding_id(f)
            seen[fid] = self.first_seen.get(fid, now)
        self.first_seen = seen
        data = record(lab, whole, findings, seen, goals=goals, now=now,
                      last_action=self.last_action, notebook=self.notebook, drawing=drawing)
        clock.append(time.perf_counter())
        self.costs = {part: clock[i + 1] - clock[i]
                      for i, part in enumerate(("snapshot", "findings", "drawing", "record"))}
        if data["goals"] is not None:  # since when the goals stand as they are now
            ok = tuple(data["goals"]["ok"])
            if ok != self.goals_seen[0]:
                self.goals_seen = (ok, now)
            data["goals"]["since"] = self.goals_seen[1]
        return data

    def drawing(self, snap: Snapshot) -> str:
        """SNAP's small drawing as SVG; `dot` runs only when the drawing changed since the
        last record (a check, a `ping` or an `exec` changes nothing it shows)."""
        graph = draw(snap)
        source = graph.source + str(getattr(graph, "alt", ""))
        if source != self.svg[0]:
            self.svg = (source, to_svg(graph))
        return self.svg[1]


def record(lab: Any, snap: Snapshot, findings: list[Finding], first_seen: dict[str, float], *,
           goals: Iterable[Any] = (), now: float, last_action: float | None,
           notebook: str | None = None, drawing: str | None = None) -> dict[str, Any]:
    """The record as plain JSON data (see the module's docstring). SNAP: the whole
    snapshot (steps and goals are judged on it); the drawing shows the lab's part (DRAWING:
    its SVG, if already made)."""
    steps = None
    tutorial = lab.steps
    to_come: list[Any] = []  # the tutorial's steps not done yet, in order
    if tutorial is not None:
        ids = list(tutorial.ids)
        done = [i for i in ids if tutorial.is_done(i, snap)]
        steps = {"ids": ids, "done": done, "next": next((i for i in ids if i not in done), None)}
        to_come = [tutorial.steps[i] for i in ids if i not in done]
    goal_list = list(goals)
    met = [not tuple(g.judge(snap)) for g in goal_list]
    described = _in_every_language(lambda: [g.describe() for g in goal_list])
    return {
        "version": VERSION,
        "lab": lab.name,
        "notebook": notebook,
        "time": now,
        "last_action": last_action,
        "steps": steps,
        "goals": {"met": sum(met), "total": len(goal_list), "ok": met, "text": described}
        if goal_list else None,
        "findings": [{
            "code": f.code, "key": f.key, "fields": dict(f.fields), "severity": f.severity,
            "fixes": [[x.call, x.command] for x in f.fixes],
            "since": first_seen[_finding_id(f)],
            "expected": expected_by(f, to_come),
        } for f in findings],
        "namespaces": sorted(n.key for n in snap.namespaces if n.kind == "named" and n.owned),
        "drawing": to_svg(draw(snap.lab_only())) if drawing is None else drawing,
        "transcript": list(lab.transcript)[-TRANSCRIPT_MAX:],
    }


def expected_by(f: Finding, to_come: Iterable[Any]) -> str | None:
    """The first step of TO_COME (the tutorial's steps not done yet) that fixes F, or None:
    a finding the student's next steps will fix is expected at this step, not a fault
    (between S12 and S14 a veth end sits in the host; S14 moves it). A step fixes F when
    one of its calls is a verb of F's fixes on F's interface (in F's namespace; `move`
    takes it out of there)."""
    if f.ifname is None:
        return None
    verbs = {x.call.removeprefix("lab.").split("(", 1)[0] for x in f.fixes}
    for step in to_come:
        for verb, args, kwargs in step.calls:
            if verb not in verbs:
                continue
            try:
                bound = verbspec.bind(verb, args, kwargs)
            except (KeyError, TypeError, ValueError):
                continue
            if bound.get("ifname") == f.ifname and (verb == "move" or bound.get("ns") == f.ns):
                return str(step.id)
    return None


def _in_every_language(say_it: Callable[[], list[str]]) -> dict[str, list[str]]:
    """SAY_IT's sentences in every language nslab speaks (the teacher's may not be the
    student's), with the student's language restored afterwards."""
    before = messages.translations()
    out = {}
    try:
        for lang in available():
            messages.use(catalogue(lang))
            out[lang] = say_it()
    finally:
        messages.use(before)
    return out


def write_atomic(path: Path, text: str) -> None:
    """TEXT into PATH (mode 0600, its folder 0700): a temporary file, then a rename."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".record-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


_publisher: Publisher | None = None


def publisher() -> Publisher:
    """This process's publisher (inactive unless $NSLAB_CLASS_RECORD is set)."""
    global _publisher
    if _publisher is None:
        path = os.environ.get(ENV)
        _publisher = Publisher(Path(path).expanduser() if path else None)
        atexit.register(_publisher.flush_quietly)
    return _publisher


def use(path: Path | None) -> Publisher:
    """Publish this process's labs to PATH from now on (None: not at all); tests, benches."""
    global _publisher
    _publisher = Publisher(path)
    return _publisher


def changed(lab: Any, *, action: bool = True) -> None:
    """Called by every verb that changed the kernel (Verbs._say) and by check()."""
    publisher().changed(lab, action=action)


def watch_goals(lab: Any, goals: list[Any]) -> None:
    """Remember the goals LAB was last checked against: the record says how many hold now."""
    p = publisher()
    if p.path is not None:
        p.goals[lab] = list(goals)
        p.changed(lab)


def flush() -> Path | None:
    """Write the record now (tests, scripts)."""
    return publisher().flush()
