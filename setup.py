"""Compile the translation catalogues (nslab/locale/*/LC_MESSAGES/*.po -> .mo) when nslab is
built, so a wheel, `pip install .` and the Docker image carry .mo files while the repository
holds only the .po sources; and put the course into the package: the repository's executed
notebooks (tutorials and exercises, English and Chinese) and the docs their links need, as
nslab/course/notebooks/... and nslab/course/docs/..., the same layout as in the repository, so
`pip install nslab` + `nslab lab` has the course from any folder. The repository's notebooks/
stays the only copy that is committed. Everything else about the package is in pyproject.toml.

An editable install (`pip install -e .`) compiles them next to the .po files in the source tree
(like `build_ext --inplace`); a bare checkout on PYTHONPATH compiles them in memory with Babel
(nslab/i18n.py), and `make messages` rebuilds them by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


# What the course's notebook links need from docs/ (nslab.workbook.DOC_FILES)
COURSE_DOCS = ("glossary.md", "glossary.zh-CN.md", "article-steps.md")


def copy_course(target: Path) -> list[str]:
    """Copy notebooks/**/*.ipynb and the course's docs into TARGET/nslab/course."""
    course = target / "nslab" / "course"
    files = sorted((ROOT / "notebooks").rglob("*.ipynb"))
    files = [f for f in files if ".ipynb_checkpoints" not in f.parts]
    files += [ROOT / "docs" / name for name in COURSE_DOCS if (ROOT / "docs" / name).is_file()]
    if not any(f.suffix == ".ipynb" for f in files):
        raise SystemExit(f"setup.py: no notebooks under {ROOT / 'notebooks'}: the package "
                         "would carry no course (build from the repository or its sdist)")
    written = []
    for f in files:
        dest = course / f.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dest)
        written.append(str(dest))
    return written


def compile_catalogues(target: Path) -> list[str]:
    """Write every nslab/locale/LANG/LC_MESSAGES/DOMAIN.po as a .mo under `target`."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted((ROOT / "nslab" / "locale").glob("*/LC_MESSAGES/*.po")):
        mo = target / po.relative_to(ROOT).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as f:
            catalog = read_po(f)
        with mo.open("wb") as f:
            write_mo(f, catalog)  # fuzzy entries are left out, as msgfmt does
        written.append(str(mo))
    return written


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        editable = getattr(self, "editable_mode", False)
        target = ROOT if editable else Path(self.build_lib)
        self._catalogues = compile_catalogues(target)
        # an editable install finds the course in the source tree (nslab.sandbox.find_notebooks)
        self._catalogues += [] if editable else copy_course(target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *getattr(self, "_catalogues", [])]


setup(cmdclass={"build_py": BuildWithCatalogues})
