"""The teacher's class page: students' state records (nslab.publish) -> HTML.

    from nslab import classview
    rec = classview.parse(raw_bytes)            # None if missing, damaged or not a record
    page = classview.class_page([("alice", rec), ("bob", None)], lang="zh_CN", now=time.time())

Pure: no kernel, no files, no network (deploy/hub/class_service.py reads the records and
serves the pages). A record is written by the student's own kernel, so it is untrusted:
`parse` keeps only fields of the expected types, every text is escaped, a finding's sentence
is made from nslab's own templates (in the teacher's language) and never from the record's
words, and the drawing is shown as an <img> (an SVG there runs no script and loads nothing).
"""

from __future__ import annotations

import base64
import html
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from . import messages
from .i18n import set_language
from .messages import CATALOGUE, say, say_n

__all__ = ["REFRESH", "Finding", "Record", "class_page", "parse", "prepare", "student_page",
           "stuck_for", "unknown_page"]

REFRESH = 3  # seconds between two refreshes of a page
MAX_TEXT = 2000  # characters kept of any one text of a record
MAX_ITEMS = 300  # items kept of any list of a record
MAX_DRAWING = 400_000  # characters of SVG


@dataclass(frozen=True)
class Finding:
    code: str
    key: str
    fields: dict[str, str]
    fixes: tuple[tuple[str, str], ...]
    since: float
    expected: str | None = None  # the tutorial's step that fixes it: expected at this step

    def text(self) -> str:
        """The finding's sentence from nslab's template, in the current language; the code
        alone when the record names no template of a finding (or fields that do not fit)."""
        if self.key.startswith("diag.") and self.key in CATALOGUE:
            try:
                return say(self.key, **self.fields)
            except (KeyError, IndexError, ValueError, AttributeError, TypeError):
                pass
        return self.code


@dataclass(frozen=True)
class Record:
    lab: str
    notebook: str | None
    time: float
    last_action: float | None
    steps: tuple[tuple[str, ...], tuple[str, ...], str | None] | None  # ids, done, next
    # met, total, each goal met or not, its sentence in each language ("en", "zh_CN")
    goals: tuple[int, int, tuple[bool, ...], dict[str, tuple[str, ...]]] | None
    findings: tuple[Finding, ...]
    drawing: str
    transcript: tuple[str, ...]
    goals_since: float | None = None  # since when the goals stand as they are

    @property
    def open(self) -> tuple[Finding, ...]:
        """The findings no step of the tutorial fixes next: the student's faults."""
        return tuple(f for f in self.findings if f.expected is None)

    @property
    def expected(self) -> tuple[Finding, ...]:
        """The findings expected at the student's step (a later step fixes them)."""
        return tuple(f for f in self.findings if f.expected is not None)

    @property
    def goals_open(self) -> bool:
        return self.goals is not None and self.goals[0] < self.goals[1]


def _str(v: Any, default: str = "") -> str:
    return v[:MAX_TEXT] if isinstance(v, str) else default


def _num(v: Any) -> float | None:
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    return float(v) if ok else None


def _strs(v: Any) -> tuple[str, ...]:
    return tuple(_str(x) for x in v[:MAX_ITEMS] if isinstance(x, str)) if isinstance(v, list) \
        else ()


def parse(raw: bytes | str | None) -> Record | None:
    """The record in RAW, or None when it is missing, not JSON, or not a version-1 record."""
    import json

    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("version") != 1 or _num(data.get("time")) is None:
        return None
    steps = data.get("steps")
    step_t = None
    if isinstance(steps, dict):
        nxt = steps.get("next")
        step_t = (_strs(steps.get("ids")), _strs(steps.get("done")),
                  nxt[:MAX_TEXT] if isinstance(nxt, str) else None)
    goals = data.get("goals")
    goal_t, goals_since = None, None
    if isinstance(goals, dict) and _num(goals.get("met")) is not None \
            and _num(goals.get("total")) is not None:
        ok = [x is True for x in goals.get("ok") or []][:MAX_ITEMS] \
            if isinstance(goals.get("ok"), list) else []
        texts = goals.get("text") if isinstance(goals.get("text"), dict) else {}
        described = {_str(lang): _strs(t)[:len(ok)] for lang, t in list(texts.items())[:10]}
        goal_t = (int(_num(goals["met"]) or 0), int(_num(goals["total"]) or 0), tuple(ok),
                  described)
        goals_since = _num(goals.get("since"))
    findings = []
    for f in data.get("findings") or []:
        if not isinstance(f, dict) or len(findings) >= MAX_ITEMS:
            continue
        fields = f.get("fields") if isinstance(f.get("fields"), dict) else {}
        fixes = tuple((_str(x[0]), _str(x[1])) for x in (f.get("fixes") or [])[:20]
                      if isinstance(x, list) and len(x) == 2)
        findings.append(Finding(
            code=_str(f.get("code"), "?"), key=_str(f.get("key")),
            fields={_str(k): _str(v) for k, v in list(fields.items())[:20]},
            fixes=fixes, since=_num(f.get("since")) or float(data["time"]),
            expected=_str(f.get("expected")) or None))
    drawing = data.get("drawing")
    return Record(
        lab=_str(data.get("lab"), "?"), notebook=_str(data.get("notebook")) or None,
        time=float(data["time"]), last_action=_num(data.get("last_action")), steps=step_t,
        goals=goal_t, findings=tuple(findings),
        drawing=drawing if isinstance(drawing, str) and len(drawing) <= MAX_DRAWING else "",
        transcript=_strs(data.get("transcript")), goals_since=goals_since)


# ---------------------------------------------------------------- what a tile says


def stuck_for(rec: Record | None, now: float) -> float:
    """How long the student has been stuck: the oldest finding the tutorial does not expect
    at their step, or goals not all met, has stood so long (0: neither, or no record)."""
    if rec is None:
        return 0.0
    since = [f.since for f in rec.open]
    if rec.goals_open:
        since.append(rec.goals_since if rec.goals_since is not None else rec.time)
    return max(0.0, now - min(since)) if since else 0.0


def _oldest_open(rec: Record, now: float) -> float:
    return max(0.0, now - min(f.since for f in rec.open)) if rec.open else 0.0


def _idle(rec: Record | None, now: float) -> float:
    return now - rec.last_action if rec and rec.last_action is not None else 0.0


def _age(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 60:
        return say("classview.seconds", s=s)
    if s < 3600:
        return say("classview.minutes", m=s // 60, s=s % 60)
    return say("classview.hours", h=s // 3600, m=s // 60 % 60)


def _exercise(lab: str) -> str | None:
    """The exercise whose lab is named LAB ("ex2" -> "02-cannot-talk"), if any."""
    from .exercises import EXERCISES

    for ex in EXERCISES.values():
        if ex.tag == lab:
            return ex.filename.removesuffix(".ipynb")
    return None


def _where(rec: Record) -> str:
    """Which exercise or notebook: its name, as the summary groups students."""
    ex = _exercise(rec.lab)
    if ex:
        return say("classview.exercise", name=ex)
    if rec.notebook:
        return rec.notebook.rsplit("/", 1)[-1].removesuffix(".ipynb")
    return say("classview.lab", name=rec.lab)


def _progress(rec: Record) -> list[str]:
    out = []
    if rec.steps is not None:
        ids, done, nxt = rec.steps
        if nxt is None:
            out.append(say("classview.steps_done", total=len(ids)))
        else:
            out.append(say("classview.step", step=nxt, done=len(done), total=len(ids)))
    if rec.goals is not None:
        out.append(say("classview.goals", met=rec.goals[0], total=rec.goals[1]))
    return out


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _drawing(rec: Record, name: str, cls: str) -> str:
    if not rec.drawing:
        return ""
    data = base64.b64encode(rec.drawing.encode("utf-8")).decode("ascii")
    return (f'<img class="{cls}" src="data:image/svg+xml;base64,{data}" '
            f'alt="{_e(say("classview.drawing_alt", name=name))}">')


_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:1em;color:#222}
h1{font-size:1.4em;margin:.2em 0} .meta{color:#555;font-size:.9em}
.summary{display:flex;gap:2em;flex-wrap:wrap;background:#f4f6f8;padding:.6em 1em;margin:.6em 0}
.summary h2{font-size:1em;margin:.2em 0} .summary ul{margin:0;padding-left:1.2em}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(19em,1fr));gap:.8em}
.tile{border:1px solid #ccc;border-radius:6px;padding:.5em .7em;background:#fff;
 text-decoration:none;color:inherit;display:block}
.tile:hover,.tile:focus{border-color:#1f77b4;outline:2px solid #1f77b4}
.tile.stuck{border-left:6px solid #d62728} .tile.ok{border-left:6px solid #2ca02c}
.tile.working{border-left:6px solid #ff7f0e}
.tile.nodata{border-left:6px solid #999;color:#555}
.tile h3{margin:0;font-size:1.05em} .where{font-weight:600}
.findings{margin:.3em 0;padding-left:1.1em;color:#b01e1e} .findings code{color:#222}
.findings.expected{color:#555}
.thumb{max-width:100%;max-height:9em;display:block;margin-top:.3em}
.full{max-width:100%} pre{background:#f6f6f6;padding:.5em;overflow:auto}
.lang{float:right}
"""


def _page(title: str, body: str, lang: str, refresh: bool = True) -> str:
    html_lang = "zh-CN" if lang.startswith("zh") else "en"
    meta = f'<meta http-equiv="refresh" content="{REFRESH}">' if refresh else ""
    return (f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">{meta}'
            f'<meta name="viewport" content="width=device-width">'
            f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>")


def _switch(lang: str, href: str) -> str:
    sep = "&" if "?" in href else "?"
    current = ' aria-current="true"'
    links = [f'<a href="{_e(href + sep + "lang=" + code)}" lang="{tag}"'
             f'{current if lang == code else ""}>{label}</a>'
             for code, tag, label in (("en", "en", "English"), ("zh_CN", "zh-CN", "中文"))]
    return f'<nav class="lang">{" | ".join(links)}</nav>'


def _finding_items(findings: Iterable[Finding], *, fixes: bool, expected: bool = False) -> str:
    items = []
    for f in findings:
        fix = ""
        if fixes and f.fixes:
            fix = "".join(f"<div>{_e(say('classview.fix', call=c, command=cmd))}</div>"
                          for c, cmd in f.fixes)
        by = f" ({_e(say('classview.expected_by', step=f.expected))})" if expected else ""
        items.append(f"<li><code>{_e(f.code)}</code> {_e(f.text())}{by}{fix}</li>")
    cls = "findings expected" if expected else "findings"
    return f'<ul class="{cls}">{"".join(items)}</ul>'


def _expected_part(rec: Record, tag: str, *, fixes: bool) -> str:
    """The findings the student's step expects, apart: they are no fault (yet)."""
    if not rec.expected:
        return ""
    return (f'<{tag} class="expected-head">{_e(say("classview.expected"))}</{tag}>'
            + _finding_items(rec.expected, fixes=fixes, expected=True))


def _tile(name: str, rec: Record | None, now: float, lang: str) -> str:
    href = _e(f"student/{quote(name, safe='')}?lang={lang}")
    head = f"<h3>{_e(name)}</h3>"
    if rec is None:
        return (f'<a class="tile nodata" href="{href}" data-student="{_e(name)}">{head}'
                f'<div class="where">{_e(say("classview.no_data"))}</div></a>')
    lines = [f'<div class="where">{_e(_where(rec))}</div>']
    lines += [f'<div class="progress">{_e(p)}</div>' for p in _progress(rec)]
    lines += [f'<div class="age">{_e(a)}</div>' for a in _ages(rec, now)]
    if rec.open:
        lines.append(_finding_items(rec.open, fixes=False))
    elif not rec.expected:
        lines.append(f'<div class="clean">{_e(say("classview.no_findings"))}</div>')
    lines.append(_expected_part(rec, "div", fixes=False))
    idle = (say("classview.idle", age=_age(_idle(rec, now))) if rec.last_action is not None
            else say("classview.no_action"))
    lines.append(f'<div class="meta">{_e(idle)}</div>')
    lines.append(_drawing(rec, name, "thumb"))
    # red: a fault no step expects; amber: goals still to meet; green: neither
    cls = "stuck" if rec.open else "working" if rec.goals_open else "ok"
    label = _e(say("classview.open", name=name))
    return (f'<a class="tile {cls}" href="{href}" data-student="{_e(name)}" '
            f'aria-label="{label}">{head}{"".join(lines)}</a>')


def _ages(rec: Record, now: float) -> list[str]:
    """How long the open findings, and the goals not all met, have stood."""
    out = []
    if rec.open:
        out.append(say("classview.stuck", age=_age(_oldest_open(rec, now))))
    if rec.goals_open and rec.goals_since is not None:
        out.append(say("classview.goals_open", age=_age(now - rec.goals_since)))
    return out


def _order(item: tuple[str, Record | None], now: float) -> tuple:
    """Stuck longest first, then idle longest; students without a record last."""
    name, rec = item
    return (rec is None, -stuck_for(rec, now), -_idle(rec, now), name)


def _summary(tiles: list[tuple[str, Record | None]]) -> str:
    where: Counter[str] = Counter()
    common: dict[str, Counter[str]] = {}
    for _, rec in tiles:
        if rec is None:
            where[say("classview.no_data")] += 1
            continue
        progress = _progress(rec)
        place = _where(rec) + (f" · {progress[0]}" if rec.steps and progress else "")
        where[place] += 1
        counter = common.setdefault(_where(rec), Counter())
        for f in {f.code: f for f in rec.open}.values():
            counter[f.code] += 1
    rows = "".join(f"<li>{_e(place)}: {_e(say_n('classview.summary.count', n))}</li>"
                   for place, n in sorted(where.items(), key=lambda kv: (-kv[1], kv[0])))
    worst = []
    for place, counter in sorted(common.items()):
        if counter:
            code, n = counter.most_common(1)[0]
            worst.append(f"<li>{_e(place)}: <code>{_e(code)}</code> "
                         f"({_e(say_n('classview.summary.count', n))})</li>")
    if not worst:
        worst.append(f"<li>{_e(say('classview.summary.none'))}</li>")
    return (f'<section class="summary" aria-label="{_e(say("classview.summary.where"))}">'
            f'<div><h2>{_e(say("classview.summary.where"))}</h2><ul>{rows}</ul></div>'
            f'<div><h2>{_e(say("classview.summary.common"))}</h2><ul>{"".join(worst)}</ul>'
            "</div></section>")


def class_page(tiles: Iterable[tuple[str, Record | None]], *, lang: str, now: float) -> str:
    """The class page: a summary on top, then one tile per student, stuck longest first."""
    set_language(lang)
    ordered = sorted(tiles, key=lambda t: _order(t, now))
    title = say("classview.title")
    head = (f"{_switch(lang, '.')}<h1>{_e(title)}</h1>"
            f'<p class="meta">{_e(say_n("classview.students", len(ordered)))} · '
            f'{_e(say("classview.refresh", n=REFRESH))}</p>')
    if not ordered:
        return _page(title, head + f"<p>{_e(say('classview.no_students'))}</p>", lang)
    body = _summary(ordered) + '<main class="tiles">' + "".join(
        _tile(name, rec, now, lang) for name, rec in ordered) + "</main>"
    return _page(title, head + body, lang)


def prepare() -> None:
    """Load, once, what every page needs (each language's catalogue, the exercises' list),
    so that a service's first page costs what the next ones do. The language stays as it was."""
    before = messages.translations()
    try:
        _exercise("")
        for lang in ("en", "zh_CN"):
            class_page([], lang=lang, now=0.0)
    finally:
        messages.use(before)


def unknown_page(name: str, *, lang: str) -> str:
    """The page for a name with no running server (a stale link, a typo)."""
    set_language(lang)
    back = f'<p><a href="../?lang={_e(lang)}">{_e(say("classview.back"))}</a></p>'
    return _page(say("classview.title"),
                 f"{back}<p>{_e(say('classview.unknown_student', name=name))}</p>", lang,
                 refresh=False)


def student_page(name: str, rec: Record | None, *, lang: str, now: float) -> str:
    """One student's lab, read-only: the full drawing, the findings with their fixes, the
    goals and the transcript."""
    set_language(lang)
    title = f"{name} · {say('classview.title')}"
    back = f'<p><a href="../?lang={_e(lang)}">{_e(say("classview.back"))}</a></p>'
    head = f"{_switch(lang, quote(name, safe=''))}{back}<h1>{_e(name)}</h1>"
    if rec is None:
        body = (f'<p class="where">{_e(say("classview.no_data"))}</p>'
                f'<p>{_e(say("classview.no_data_why"))}</p>')
        return _page(title, head + body, lang)
    parts = [f'<p class="where">{_e(_where(rec))}</p>']
    parts += [f'<p class="progress">{_e(p)}</p>' for p in _progress(rec)]
    idle = (say("classview.idle", age=_age(_idle(rec, now))) if rec.last_action is not None
            else say("classview.no_action"))
    parts.append(f'<p class="meta">{_e(idle)}</p>')
    parts.append(f'<h2>{_e(say("classview.findings"))}</h2>')
    parts += [f'<p class="age">{_e(a)}</p>' for a in _ages(rec, now)]
    if rec.open:
        parts.append(_finding_items(rec.open, fixes=True))
    elif not rec.expected:
        parts.append(f'<p>{_e(say("classview.no_findings"))}</p>')
    parts.append(_expected_part(rec, "p", fixes=True))
    if rec.goals is not None and rec.goals[2]:
        _, _, ok, described = rec.goals
        texts = described.get(lang) or described.get("en") or ()
        parts.append(f'<h2>{_e(say("classview.goal_list"))}</h2><ul class="goals">' + "".join(
            f"<li>{'✔' if met else '✘'} {_e(text)}</li>"
            for met, text in zip(ok, texts, strict=False)) + "</ul>")
    parts.append(f'<h2>{_e(say("classview.drawing"))}</h2>' + _drawing(rec, name, "full"))
    commands = "\n".join(rec.transcript) or say("classview.transcript_empty")
    parts.append(f'<h2>{_e(say("classview.transcript"))}</h2>'
                 f'<pre class="transcript">{_e(commands)}</pre>')
    return _page(title, head + "".join(parts), lang)
