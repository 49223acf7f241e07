"""Classroom exercises: labs to build or to troubleshoot, each one a TOML file.

    from nslab.checks import check
    from nslab.exercises import broken, goals, hints
    lab = broken("cannot-talk")        # a lab with a classic mistake in it
    review(lab, "cannot-talk")         # ✔/✘ per goal; explained after the last hint
    hints("cannot-talk")               # a button that reveals one hint per click

The exercises are the files ``NN-name.toml`` beside this module (see `template()`
for a commented one, or ``nslab exercise new NAME``): the topology, the faults to
inject, the visible (behavioural) and hidden (structural) goals, graduated hints,
the reference fix, and the texts. They hold data only; the steps are Lab verbs as
tables, called one by one, never `exec`. ``nslab exercise check FILE`` builds one
in a throw-away lab and proves that its faults break its goals and its fix
repairs them.

The notebooks in ``notebooks/exercises/`` (nbgrader teacher versions) are written like
the tutorials, by tools/course.py: each exercise's prose and cells are a MyST Markdown
notebook, ``course/exercises/NN-name.md``, whose placeholders ({goals}, {solution},
{grade}, ...) take their data from the exercise file (see ``_notebook``); then run for
real (``flock /tmp/nslab-kernel.lock make notebooks ONLY=02-cannot-talk``) or, after a
prose fix, around the last run's outputs (``make notebooks-prose``). Their texts are
translated by paragraph in ``nslab/locale/zh_CN/LC_MESSAGES/notebooks.po``, like the
tutorials, and so are the hints.

`nslab student notebooks/exercises/ student/` then writes the student versions.

Every exercise has a *tag*, its lab's name and its namespaces' prefix: "ex2" for
exercise 2. Pass another tag (``broken("down-end", tag="t1a2b")``, at most five
characters) to run an exercise next to a notebook that runs the same one.
"""

from __future__ import annotations

from ._core import (
    ALIASES,
    EXERCISES,
    FOLDER,
    Drawing,
    Exercise,
    Hints,
    Survey,
    broken,
    code,
    drawing,
    exercise,
    folders,
    goals,
    grade,
    hints,
    listen,
    names,
    review,
    run,
    solution,
    solve,
    start,
    text,
    toolkit,
)
from ._files import FileCheck, check_file, new_file, template
from ._notebook import notebook, write_notebooks
from ._schema import ExerciseFileError, load

__all__ = [
    "ALIASES",
    "EXERCISES",
    "FOLDER",
    "Drawing",
    "Exercise",
    "ExerciseFileError",
    "FileCheck",
    "Hints",
    "Survey",
    "broken",
    "check_file",
    "code",
    "drawing",
    "exercise",
    "folders",
    "goals",
    "grade",
    "hints",
    "listen",
    "load",
    "names",
    "new_file",
    "notebook",
    "review",
    "run",
    "solution",
    "solve",
    "start",
    "template",
    "text",
    "toolkit",
    "write_notebooks",
]
