"""The teacher's report, and the kernel nbgrader grades in.

    nslab report COURSE            # COURSE/nslab-report/goals.csv and summary.html

`report(DIR)` reads the autograded exercise notebooks nbgrader wrote (DIR is a course
directory with `autograded/STUDENT/ASSIGNMENT/*.ipynb`, or that `autograded` folder
itself) and writes one CSV row per student × exercise × goal: met or not, and the
reason the check gave, plus a one-page HTML summary (how many students met each goal,
the most common faults). The goals come from the exercise (`nslab.exercises.goals`,
hidden ones included) and from the checklist;
whether each was met, from the last checklist `check` printed in the notebook (its
text form: one "✔ goal" / "✘ goal" line per goal, each reason indented below it); the
points from the grade cells' outputs, read as nbgrader reads them.

Bad input changes nothing: every problem is collected first, reported at once, and no
file is written.

The grading kernel: `grading_kernelspec()` is the sandbox kernel's recipe (see
nslab.sandbox) with a small private /tmp as well, so that a hostile submission that
fills /tmp fills only its own. nbgrader runs as an unprivileged user and starts it by
name (deploy/nbgrader/nbgrader_config.py).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import sandbox
from .errors import NotFound, NslabError
from .messages import say, say_n

GRADING_KERNEL = "nslab-grader"
GRADING_TMP_SIZE = "64m"  # the grading kernel's private /tmp
REPORT_DIR = "nslab-report"
CSV_NAME = "goals.csv"
HTML_NAME = "summary.html"
CSV_FIELDS = ("student", "assignment", "exercise", "goal", "met", "reason", "score", "max_score")

_GOAL_LINE = re.compile(r"^([✔✘]) (.+)$")
_NOTEBOOK = re.compile(r"^\d+-([a-z0-9-]+)\.ipynb$")


class ReportError(NslabError, ValueError):
    """The course directory cannot be reported on (every problem is in the message)."""


# ------------------------------------------------------------------ the grading kernel


def grading_kernelspec(python: str | None = None) -> dict:
    """kernel.json of the grading kernel: the sandbox kernel plus a private, small /tmp."""
    spec = sandbox.kernelspec(python)
    argv = list(spec["argv"])
    script = argv.index("-c") + 1  # unshare -Urnm sh -c SCRIPT {connection_file}
    argv[script] = f"mount -t tmpfs -o size={GRADING_TMP_SIZE} tmpfs /tmp && {argv[script]}"
    # the grader's TMPDIR is its runtime dir; NSLAB_GRADING: the check cells explain every
    # goal, the hidden ones too, for the teacher's report (nslab.exercises.review)
    env = spec["env"] | {"TMPDIR": "/tmp", "NSLAB_GRADING": "1"}
    return spec | {"argv": argv, "env": env, "display_name": f"{sandbox.DISPLAY_NAME} – grading"}


def install_grading_kernelspec(kernels_dir: str | Path | None = None) -> Path:
    """Write the grading kernelspec (default: the current user's kernels dir)."""
    kernels = Path(kernels_dir) if kernels_dir else sandbox.user_kernels_dir()
    dest = kernels / GRADING_KERNEL
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "kernel.json").write_text(json.dumps(grading_kernelspec(), indent=1) + "\n")
    return dest


# ------------------------------------------------------------------ reading notebooks


@dataclass(frozen=True)
class GoalRow:
    student: str
    assignment: str
    exercise: str
    goal: str
    met: bool
    reason: str
    score: float
    max_score: float


def _text(output: dict[str, Any]) -> str:
    if output.get("output_type") == "stream":
        value = output.get("text", "")
    else:
        value = output.get("data", {}).get("text/plain", "")
    return "".join(value) if isinstance(value, list) else str(value)


def checklist(text: str) -> dict[str, tuple[bool, list[str]]] | None:
    """A check report's text form -> {goal: (met, reasons)}, or None if it is not one."""
    goals: dict[str, tuple[bool, list[str]]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        m = _GOAL_LINE.match(line)
        if m:
            current = []
            goals[m.group(2).strip()] = (m.group(1) == "✔", current)
        elif line.startswith("    ") and current is not None:
            current.append(line.strip())
    return goals or None


def grade_score(cell: dict[str, Any]) -> float:
    """The points of an autograded code grade cell, read as nbgrader 0.9 reads them:
    an error or stderr scores 0, a single number is partial credit, else full points."""
    points = float(cell["metadata"]["nbgrader"].get("points", 0))
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error" or (
            out.get("output_type") == "stream" and out.get("name") == "stderr"
        ):
            return 0.0
        if out.get("output_type") == "execute_result":
            try:
                return max(0.0, min(points, float(_text(out).strip())))
            except ValueError:
                return points
    return points


def _is_grade_code(cell: dict[str, Any]) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _grade_ids(nb: dict[str, Any]) -> list[str]:
    return [c["metadata"]["nbgrader"]["grade_id"] for c in nb.get("cells", []) if _is_grade_code(c)]


def _first_error(nb: dict[str, Any]) -> str:
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"{out.get('ename', '')}: {out.get('evalue', '')}".strip()
    return ""


def _exercise_goals(exercise: str) -> list[str] | None:
    from . import exercises

    try:
        try:  # every goal the grade cell counts: the visible ones and the hidden ones
            found = exercises.goals(exercise, hidden=True)  # type: ignore[call-arg]
        except TypeError:
            found = exercises.goals(exercise)
    except NotFound:
        return None
    return [g.describe() for g in found]


def _rows_for(
    nb: dict[str, Any], student: str, assignment: str, exercise: str, expected: list[str]
) -> list[GoalRow]:
    grade_cells = [c for c in nb["cells"] if _is_grade_code(c)]
    score = sum(grade_score(c) for c in grade_cells)
    max_score = sum(float(c["metadata"]["nbgrader"].get("points", 0)) for c in grade_cells)
    found: dict[str, tuple[bool, list[str]]] = {}
    for cell in nb["cells"]:  # the last checklist printed wins
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else ():
            parsed = checklist(_text(out))
            if parsed:
                found = parsed
    error = _first_error(nb)
    rows = []
    for goal in [*expected, *(g for g in found if g not in expected)]:
        if goal in found:
            met, reasons = found[goal]
            reason = "; ".join(reasons)
        else:
            met, reason = False, say("report.goal_not_checked", error=error or "-")
        rows.append(GoalRow(student, assignment, exercise, goal, met, reason, score, max_score))
    return rows


def _notebooks(root: Path) -> Iterable[tuple[str, str, Path]]:
    """(student, assignment, notebook) under an `autograded` folder."""
    for path in sorted(root.glob("*/*/*.ipynb")):
        if ".ipynb_checkpoints" not in path.parts:
            yield path.parent.parent.name, path.parent.name, path


def _autograded(directory: Path) -> Path:
    if not directory.is_dir():
        raise ReportError(say("report.no_dir", dir=str(directory)))
    if (directory / "autograded").is_dir():
        return directory / "autograded"
    if directory.name == "autograded":
        return directory
    raise ReportError(say("report.no_autograded", dir=str(directory)))


def _source_ids(course: Path, assignment: str, name: str) -> list[str] | None:
    """The grade cells the teacher's version has (None when the course has no source)."""
    src = course / "source" / assignment / name
    if not src.exists():
        return None
    return _grade_ids(json.loads(src.read_text()))


def collect(directory: str | Path) -> list[GoalRow]:
    """Every student × exercise × goal row under DIRECTORY; ReportError lists every problem."""
    root = _autograded(Path(directory))
    course = root.parent
    rows: list[GoalRow] = []
    problems: list[str] = []
    seen = 0
    for student, assignment, path in _notebooks(root):
        m = _NOTEBOOK.match(path.name)
        expected = _exercise_goals(m.group(1)) if m else None
        where = f"{student}/{assignment}/{path.name}"
        if expected is None:
            problems.append(say("report.not_an_exercise", notebook=where))
            continue
        try:
            nb = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            problems.append(say("report.unreadable", notebook=where, error=str(exc)))
            continue
        have = _grade_ids(nb)
        want = _source_ids(course, assignment, path.name)
        if not have or (want is not None and set(want) - set(have)):
            missing = ", ".join(sorted(set(want or []) - set(have))) or "-"
            problems.append(say("report.grade_cell_missing", notebook=where, cells=missing))
            continue
        seen += 1
        rows += _rows_for(nb, student, assignment, m.group(1), expected)
    if problems:
        raise ReportError("\n".join([say_n("report.problems", len(problems)), *problems]))
    if not seen:
        raise ReportError(say("report.no_exercises", dir=str(root)))
    return rows


# ------------------------------------------------------------------ writing


def to_csv(rows: Iterable[GoalRow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in rows:
        writer.writerow([r.student, r.assignment, r.exercise, r.goal, "yes" if r.met else "no",
                         r.reason, f"{r.score:g}", f"{r.max_score:g}"])
    return buf.getvalue()


def to_html(rows: list[GoalRow], *, top: int = 10) -> str:
    """One page: per exercise, how many students met each goal; the most common faults."""
    esc = html.escape
    students = sorted({r.student for r in rows})
    by_goal: dict[tuple[str, str], list[GoalRow]] = {}
    for r in rows:
        by_goal.setdefault((r.exercise, r.goal), []).append(r)
    table = []
    for (exercise, goal), group in by_goal.items():
        met = sum(r.met for r in group)
        table.append(f"<tr><td>{esc(exercise)}</td><td>{esc(goal)}</td>"
                     f"<td>{esc(say('report.html.met_of', met=met, total=len(group)))}</td></tr>")
    faults = Counter(r.reason for r in rows if not r.met and r.reason)
    fault_items = "".join(
        f"<li>{esc(say_n('report.html.fault_count', n, reason=reason))}</li>"
        for reason, n in faults.most_common(top)
    ) or f"<li>{esc(say('report.html.no_faults'))}</li>"
    title = esc(say("report.html.title"))
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style></head><body>"
        f"<h1>{title}</h1><p>{esc(say_n('report.html.students', len(students)))}</p>"
        f"<h2>{esc(say('report.html.goals'))}</h2><table><tr>"
        f"<th>{esc(say('report.html.col_exercise'))}</th><th>{esc(say('report.html.col_goal'))}"
        f"</th><th>{esc(say('report.html.col_met'))}</th></tr>{''.join(table)}</table>"
        f"<h2>{esc(say('report.html.faults'))}</h2><ol>{fault_items}</ol></body></html>\n"
    )


def report(directory: str | Path, out: str | Path | None = None) -> tuple[Path, Path]:
    """Write the CSV and the HTML summary (default: DIRECTORY/nslab-report/); return them."""
    rows = collect(directory)  # raises before anything is written
    dest = Path(out) if out else Path(directory) / REPORT_DIR
    dest.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = dest / CSV_NAME, dest / HTML_NAME
    csv_path.write_text(to_csv(rows), encoding="utf-8")
    html_path.write_text(to_html(rows), encoding="utf-8")
    return csv_path, html_path


def main(argv: list[str] | None = None) -> int:
    """`nslab report DIR [--out OUT]`."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="nslab report", description=say("report.cli.help"))
    parser.add_argument("dir", help=say("report.cli.dir"))
    parser.add_argument("--out", help=say("report.cli.out"))
    args = parser.parse_args(argv)
    try:
        csv_path, html_path = report(args.dir, args.out)
    except ReportError as exc:
        print(say("report.cli.failed", error=str(exc)), file=sys.stderr)
        return 1
    print(say("report.cli.wrote", csv=str(csv_path), html=str(html_path)))
    return 0


if __name__ == "__main__":  # python -m nslab.report --install-kernel
    import sys

    if sys.argv[1:] == ["--install-kernel"]:
        print(install_grading_kernelspec())
        sys.exit(0)
    sys.exit(main())
