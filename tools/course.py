"""The course as text: one writer for every notebook nslab ships.

The tutorials are MyST Markdown notebooks in course/ (jupytext reads them; JupyterLab with
jupytext, or any Markdown viewer, previews them). Besides ordinary Markdown and
`{code-cell}` cells, a course file names the article's steps, whose words and calls come from
the library (nslab/steps.py):

    ```{step} S11            a markdown cell: the step's heading, its introduction (what to
    optional note             do; never the answer), the note, and the article's command
    ```
    ```{explain} S11          a markdown cell: what happened (after the step's output)
    ```
    {do S17}  {do S17 0}      a line of a code cell: the step's Lab calls (all, or one)
    {look S12 1}              a line of a code cell: the step's i-th show command
    {ip S17 0}                a line of a code cell: the step's i-th article command, as
                              typed (`%%ip`); the cell gets the Python call of each command
                              as a comment, for those who script

The exercises are MyST notebooks too, course/exercises/NN-name.md: their prose and cells,
with placeholders for what their exercise file (nslab/exercises/NN-name.toml) holds as data
({goals}, {solution}, {topology}, {grade}, nbgrader's cell kinds: see
nslab/exercises/_notebook.py, which fills them in). This module writes, translates and stamps
them exactly as it does the tutorials.

Translation goes by paragraph: every paragraph, list item, table or blockquote of prose is
one gettext message in nslab/locale/notebooks.pot (fenced code is never translated), so one
changed sentence reopens one paragraph. A twin keeps every code cell byte for byte. The same
catalogue translates what the exercises show while they run (their hints), so a translator
edits one kind of file: the exercise files (TOML) hold English and data only.

Outputs: a notebook executed for real carries `metadata.nslab.run`, a digest of its code
cells and their outputs. A prose-only build keeps the outputs of the committed notebook when
its code cells are unchanged (and refuses otherwise); tests/notebooks/test_sources.py checks
that the committed cells are what course/ gives and the outputs what the last run gave.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "course"
NOTEBOOKS = ROOT / "notebooks"
LOCALE = ROOT / "nslab" / "locale"
POT = LOCALE / "notebooks.pot"
LANGS = {"zh_CN": "zh-CN"}  # catalogue language -> notebook folder
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# Lines nbgrader and `nslab student` act on: a translation must keep them as they are.
MARKERS = re.compile(r"^\s*#+\s*(?:BEGIN|END) (?:SOLUTION|HIDDEN TESTS)\s*$", re.MULTILINE)
DIRECTIVE = re.compile(r"^```\{(step|explain)\}[ \t]+(S\d+)[ \t]*\n(.*?)^```[ \t]*$",
                       re.MULTILINE | re.DOTALL)
CODE_LINE = re.compile(r"^\{(do|look|ip)[ \t]+(S\d+)(?:[ \t]+(\d+))?\}$")


class CourseError(ValueError):
    """A course file or translation the writer cannot turn into a notebook."""


# -- the texts -------------------------------------------------------------------------------
def tutorials() -> list[Path]:
    """course/00-start-here.md ... in order."""
    return sorted(COURSE.glob("[0-9][0-9]-*.md"))


def exercise_notebooks() -> list[Path]:
    """The English exercise notebooks (written from exercise_texts())."""
    return sorted((NOTEBOOKS / "exercises").glob("*.ipynb"))


def exercise_texts() -> list[Path]:
    """course/exercises/01-two-namespaces.md ... in order."""
    return sorted((COURSE / "exercises").glob("[0-9][0-9]-*.md"))


def exercise_name(text: Path) -> str:
    """The exercise a text is the notebook of: 02-cannot-talk.md -> "cannot-talk"."""
    from nslab.exercises import EXERCISES

    for ex in EXERCISES.values():
        if ex.spec.path.stem == text.stem:
            return ex.name
    raise CourseError(f"{text}: no exercise file {text.stem}.toml in nslab/exercises/ "
                      "(an exercise's text is named after its file)")


def read_text(path: Path) -> nbformat.NotebookNode:
    import jupytext

    return jupytext.read(path, fmt="md:myst")


def notebook_path(text: Path, lang: str = "en") -> Path:
    """course/03-veth-pair.md -> notebooks/03-veth-pair.ipynb (notebooks/zh-CN/... for zh_CN)."""
    folder = NOTEBOOKS if lang == "en" else NOTEBOOKS / LANGS[lang]
    return folder / f"{text.stem}.ipynb"


# -- steps: words and calls from the library -------------------------------------------------
def _py(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def python_call(call: tuple[str, tuple, dict]) -> str:
    """lab.add_netns("test1") for call("add_netns", "test1")."""
    name, args, kwargs = call
    parts = [_py(a) for a in args] + [f"{k}={_py(v)}" for k, v in kwargs.items()]
    return f"lab.{name}({', '.join(parts)})"


def show_call(ns: object, command: str) -> str:
    if isinstance(ns, str) and ns.startswith("@"):
        return f"lab.container_exec({_py(ns[1:])}, {_py(command)})"
    return f"lab.exec({_py(ns)}, {_py(command)})"


def _step(sid: str, where: str) -> Any:
    from nslab.steps import ARTICLE

    if sid not in ARTICLE:
        raise CourseError(f"{where}: no step {sid} in nslab/steps.py (steps: S1-S{len(ARTICLE)})")
    return ARTICLE[sid]


def command_python(line: str) -> str:
    """The Python call of one `ip` command line: lab.add_netns("test1")."""
    from nslab.shell import parse

    cmd = parse(line)
    if cmd.kind == "read":
        return show_call(cmd.ns, " ".join(cmd.argv))
    return python_call((cmd.verb, cmd.args, cmd.kwargs))


def _ip_cell(lines: list[str], where: str) -> str:
    """A `%%ip` cell: the article's commands as typed, then each one's Python call."""
    commands = [ln for ln in lines if ln.strip() and ln.strip() != "%%ip"]
    if any(ln.lstrip().startswith(("lab.", "#")) for ln in commands):
        raise CourseError(f"{where}: an {{ip ...}} cell holds only `ip` commands")
    python = [f"# Python: {command_python(ln.strip())}" for ln in commands]
    return "\n".join(["%%ip", *commands, *python])


def expand_code(source: str, where: str = "") -> str:
    """A code cell's source with its {do ...}, {look ...} and {ip ...} lines replaced."""
    lines: list[str] = []
    article = source.lstrip().startswith("%%ip")
    for line in source.split("\n"):
        m = CODE_LINE.match(line.strip())
        if not m:
            lines.append(line)
            continue
        kind, sid, index = m.groups()
        step = _step(sid, where)
        if kind == "ip":
            article = True
            commands = step.command.split("\n")
            lines += commands if index is None else [commands[int(index)]]
        elif kind == "do":
            calls = step.calls if index is None else [step.calls[int(index)]]
            lines += [python_call(c) for c in calls]
        else:
            lines.append(show_call(*step.show[int(index or 0)]))
    return _ip_cell(lines, where) if article else "\n".join(lines)


# -- paragraphs ------------------------------------------------------------------------------
_ITEM = re.compile(r"^(\s*)([-*]|\d+\.)\s+")
_FENCE = re.compile(r"^\s*```")


def _blocks(text: str) -> Iterator[tuple[bool, list[str]]]:
    """(is_prose, lines) for each block between blank lines; a fenced block is never prose."""
    lines, i = text.split("\n"), 0
    while i < len(lines):
        if not lines[i].strip():
            yield False, [lines[i]]
            i += 1
        elif _FENCE.match(lines[i]):
            j = i + 1
            while j < len(lines) and not _FENCE.match(lines[j]):
                j += 1
            yield False, lines[i:j + 1]
            i = j + 1
        else:
            j = i
            while j < len(lines) and lines[j].strip() and not _FENCE.match(lines[j]):
                j += 1
            yield True, lines[i:j]
            i = j


def _items(lines: list[str]) -> list[list[str]]:
    """A list block split into its items (each with its continuation lines); else [lines]."""
    first = _ITEM.match(lines[0])
    if not first or lines[0].lstrip().startswith("|"):
        return [lines]
    items: list[list[str]] = []
    for line in lines:
        m = _ITEM.match(line)
        if m and m.group(1) == first.group(1):
            items.append([line])
        else:
            items[-1].append(line)
    return items


def _unit(lines: list[str]) -> tuple[str, str, str]:
    """(prefix of the first line, message, indent of the other lines) of one unit."""
    m = _ITEM.match(lines[0])
    prefix = m.group(0) if m else re.match(r"\s*", lines[0]).group(0)
    rest = lines[1:]
    indent = min((len(x) - len(x.lstrip()) for x in rest if x.strip()), default=0)
    text = "\n".join([lines[0][len(prefix):]] + [x[indent:] for x in rest])
    return prefix, text, " " * indent


def _is_message(text: str) -> bool:
    return bool(re.search(r"[A-Za-z\u4e00-\u9fff]", text)) and not re.fullmatch(
        r"(</?[a-z]+>)+", text.strip())


def messages(text: str) -> list[str]:
    """The translation units of a markdown text, in order."""
    out = []
    for prose, lines in _blocks(text):
        if prose:
            out += [u for u in (_unit(item)[1] for item in _items(lines)) if _is_message(u)]
    return out


def translate_text(text: str, lookup: Callable[[str], str | None],
                   missing: list[str] | None = None) -> str:
    """TEXT with each unit replaced by lookup(unit) (kept, and added to MISSING, if None)."""
    out = []
    for prose, lines in _blocks(text):
        if not prose:
            out += lines
            continue
        for item in _items(lines):
            prefix, message, indent = _unit(item)
            if not _is_message(message):
                out += item
                continue
            found = lookup(message)
            if found is None:
                if missing is not None:
                    missing.append(message)
                out += item
                continue
            if MARKERS.findall(found) != MARKERS.findall(message):
                raise CourseError(
                    f"the translation of {message[:60]!r} changes its nbgrader marker lines "
                    "(### BEGIN SOLUTION, ### END SOLUTION): keep them exactly as in English")
            first, *others = found.split("\n")
            out += [prefix + first] + [indent + x if x else x for x in others]
    return "\n".join(out)


# A link out of notebooks/ (to docs/, README.md, ...) needs one more "../" from the twin, which
# sits one folder deeper (notebooks/zh-CN/...); a link to another notebook finds its twin as is.
_OUTSIDE = re.compile(r"\]\(((?:\.\./)+)(?!notebooks/)(?=[^)\s]*)")


def relink(text: str) -> str:
    """TEXT with its links out of notebooks/ one level deeper (see _OUTSIDE)."""
    def deeper(m: re.Match[str]) -> str:
        rest = text[m.end():].split(")", 1)[0]
        top = rest.split("/", 1)[0]
        return f"]({m.group(1)}../" if (ROOT / top).exists() and top != "notebooks" else m.group(0)

    return _OUTSIDE.sub(deeper, text)


def load_translations(lang: str, po: Path | None = None) -> dict[str, str]:
    """English unit -> its translation (fuzzy and empty entries left out)."""
    from babel.messages.pofile import read_po

    po = po or LOCALE / lang / "LC_MESSAGES" / "notebooks.po"
    if not po.exists():
        return {}
    with po.open("rb") as f:
        return {m.id: m.string for m in read_po(f)
                if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


# -- building --------------------------------------------------------------------------------
def _markdown(source: str, lookup: Callable[[str], str | None], missing: list[str],
              where: str) -> str:
    """A course markdown cell in the active language: prose translated, steps expanded."""
    out, end = [], 0
    for m in DIRECTIVE.finditer(source):
        out.append(translate_text(source[end:m.start()], lookup, missing))
        kind, sid, body = m.groups()
        step = _step(sid, where)
        if kind == "step":
            note = translate_text(body.strip("\n"), lookup, missing)
            out.append(step.heading_markdown(note))
        else:
            out.append(step.explained_markdown())
        end = m.end()
    out.append(translate_text(source[end:], lookup, missing))
    return "".join(out).strip("\n")


def _with_language(lang: str, make: Callable[[], Any]) -> Any:
    import nslab

    saved = os.environ.get("NSLAB_LANG")
    os.environ["NSLAB_LANG"] = lang
    try:
        nslab.set_language(lang)
        return make()
    finally:
        if saved is None:
            os.environ.pop("NSLAB_LANG", None)
        else:
            os.environ["NSLAB_LANG"] = saved
        nslab.set_language(None)


def build(text: Path, lang: str = "en",
          translations: dict[str, str] | None = None) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook course/TEXT gives in LANG, without outputs, and the untranslated units."""
    source = read_text(text)
    where = str(text.relative_to(ROOT)) if text.is_relative_to(ROOT) else str(text)
    if lang == "en":
        lookup: Callable[[str], str | None] = lambda m: m  # noqa: E731
    else:
        table = load_translations(lang) if translations is None else translations
        lookup = table.get
    missing: list[str] = []

    def make() -> list[nbformat.NotebookNode]:
        cells = []
        for cell in source.cells:
            if cell.cell_type == "markdown":
                body = _markdown(cell.source, lookup, missing, where)
                new = nbformat.v4.new_markdown_cell(relink(body) if lang != "en" else body)
            else:
                new = nbformat.v4.new_code_cell(expand_code(cell.source, where))
                tags = cell.metadata.get("tags")
                if tags:
                    new.metadata["tags"] = list(tags)
            cells.append(new)
        return cells

    nb = nbformat.v4.new_notebook(cells=_with_language(lang, make))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{text.stem[:2]}-{i:03d}"
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    if lang != "en":
        english = notebook_path(text)
        nb.metadata["nslab"] = {"language": lang, "translated_from": os.path.relpath(
            english, notebook_path(text, lang).parent)}
    return nb, missing


def build_exercise(text: Path, lang: str = "en", translations: dict[str, str] | None = None
                   ) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook course/exercises/TEXT gives in LANG (nbgrader's teacher form, without
    outputs), and the untranslated units: the English one with the exercise's data filled in
    (nslab.exercises._notebook.fill_in), translated by paragraph for another LANG."""
    from nslab.exercises._notebook import fill_in

    where = str(text.relative_to(ROOT)) if text.is_relative_to(ROOT) else str(text)
    source = read_text(text)
    try:
        english = _with_language("en", lambda: fill_in(exercise_name(text), source, where))
    except ValueError as exc:  # a placeholder or cell kind the writer does not know
        raise CourseError(str(exc)) from exc
    if lang == "en":
        return english, []
    table = load_translations(lang) if translations is None else translations
    twin = str(Path("..") / ".." / "exercises" / f"{text.stem}.ipynb")
    return translate(english, table, lang, twin)


def translate(nb: nbformat.NotebookNode, translations: dict[str, str], lang: str = "zh_CN",
              source: str = "") -> tuple[nbformat.NotebookNode, list[str]]:
    """A translated copy of the notebook NB (an exercise's): markdown translated by paragraph,
    code cells (source, metadata, tags) unchanged, outputs cleared; and the units missing."""
    out, missing = copy.deepcopy(nb), []
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        elif cell.cell_type == "markdown" and cell.source.strip():
            cell.source = relink(translate_text(cell.source, translations.get, missing))
    out.metadata.pop("widgets", None)
    out.metadata.get("nslab", {}).pop("run", None)
    out.metadata["nslab"] = {"language": lang, "translated_from": source}
    return out, missing


# -- outputs: the last real run --------------------------------------------------------------
def code_cells(nb: nbformat.NotebookNode) -> list[tuple[str, list[str]]]:
    """What decides a run's outputs: each code cell's source and tags."""
    return [(c.source, sorted(c.metadata.get("tags", []))) for c in nb.cells
            if c.cell_type == "code"]


def sources(nb: nbformat.NotebookNode) -> list[tuple[str, str, list[str], str, Any]]:
    """What the committed notebook must match: each cell's type, source (a markdown cell's
    without the trailing newlines a text file cannot keep), tags, id and nbgrader metadata."""
    return [(c.cell_type, c.source.rstrip("\n") if c.cell_type == "markdown" else c.source,
             sorted(c.metadata.get("tags", [])), c.get("id", ""), c.metadata.get("nbgrader"))
            for c in nb.cells]


def run_digest(nb: nbformat.NotebookNode) -> str:
    """A digest of every code cell's source and outputs, in order."""
    data = [(c.source, c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"]
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode())\
        .hexdigest()


def stamp(nb: nbformat.NotebookNode) -> None:
    """Mark NB's outputs as those of a real run (call right after executing it)."""
    nb.metadata.setdefault("nslab", {})["run"] = run_digest(nb)


def keep_outputs(nb: nbformat.NotebookNode, last: nbformat.NotebookNode, where: str,
                 only: str = "") -> None:
    """Give NB the outputs of LAST, the notebook of the last real run, if their code is the
    same; otherwise say which cell changed (it needs a real run)."""
    new, old = code_cells(nb), code_cells(last)
    if new != old:
        differ = (k for k, (a, b) in enumerate(zip(new, old, strict=False)) if a != b)
        i = next(differ, min(len(new), len(old)))
        cell = (new[i][0] if i < len(new) else "(none)").splitlines()[:1]
        raise CourseError(
            f"{where}: code cell {i + 1} ({cell[0] if cell else ''!r}) differs from the last "
            "real run: execute it for real (`flock /tmp/nslab-kernel.lock make notebooks"
            f"{' ONLY=' + only if only else ''}`)")
    runs = [c for c in last.cells if c.cell_type == "code"]
    for cell, ran in zip((c for c in nb.cells if c.cell_type == "code"), runs, strict=True):
        cell.outputs = ran.get("outputs", [])
        cell.execution_count = ran.get("execution_count")
        if "execution" in ran.metadata:
            cell.metadata["execution"] = ran.metadata["execution"]
    for key in ("language_info", "widgets"):
        if key in last.metadata:
            nb.metadata[key] = last.metadata[key]
    if "run" in last.metadata.get("nslab", {}):
        nb.metadata.setdefault("nslab", {})["run"] = last.metadata["nslab"]["run"]


def execute(nb: nbformat.NotebookNode, folder: Path, lang: str = "en",
            timeout: int = 600) -> None:
    """Run NB for real in FOLDER (NSLAB_LANG=lang: the kernel inherits it), then stamp it."""
    from nbclient import NotebookClient

    def run() -> None:
        NotebookClient(nb, timeout=timeout, kernel_name=KERNELSPEC["name"], record_timing=False,
                       resources={"metadata": {"path": str(folder)}}).execute()

    _with_language(lang, run)
    stamp(nb)


# -- the template ----------------------------------------------------------------------------
def write_pot(out: Path = POT) -> None:
    """Every unit of the course texts and of the English exercise notebooks, and the texts
    the exercises show at run time (their hints: nslab.exercises.Exercise.runtime_texts)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(project="nslab notebooks", version="0.1.0", fuzzy=False)
    for text in tutorials():
        where = str(text.relative_to(ROOT))
        for cell in read_text(text).cells:
            if cell.cell_type != "markdown":
                continue
            plain = DIRECTIVE.sub(lambda m: "\n\n" + m.group(3) + "\n\n", cell.source)
            for message in messages(plain):
                catalog.add(message, locations=[(where, None)])
    for text in exercise_texts():
        where = str(text.relative_to(ROOT))
        for cell in build_exercise(text)[0].cells:
            if cell.cell_type == "markdown":
                for message in messages(cell.source):
                    catalog.add(message, locations=[(where, None)])
    from nslab.exercises import EXERCISES, FOLDER

    for ex in EXERCISES.values():  # what the exercises show at run time (the hints, ...)
        if ex.spec.path.parent == FOLDER:
            for message in ex.runtime_texts():
                catalog.add(message, locations=[(str(ex.spec.path.relative_to(ROOT)), None)])
    with out.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, include_lineno=False)
