"""Compile the translation catalogues (nslab/locale/*/LC_MESSAGES/*.po -> .mo) when nslab is
built, so a wheel, `pip install .` and the Docker image carry .mo files while the repository
holds only the .po sources. Everything else about the package is in pyproject.toml.

An editable install (`pip install -e .`) compiles them next to the .po files in the source tree
(like `build_ext --inplace`); a bare checkout on PYTHONPATH compiles them in memory with Babel
(nslab/i18n.py), and `make messages` rebuilds them by hand.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


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
        target = ROOT if getattr(self, "editable_mode", False) else Path(self.build_lib)
        self._catalogues = compile_catalogues(target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *getattr(self, "_catalogues", [])]


setup(cmdclass={"build_py": BuildWithCatalogues})
