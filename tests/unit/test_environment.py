"""environment.yml (conda-forge) must name every runtime dependency of pyproject.toml with
version bounds inside pip's, so `pip install -e .` at its end installs nothing from PyPI.

No conda channel is reachable here, so this static check stands in for `conda env create`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
# PyPI name -> conda-forge name, where they differ.
CONDA_NAME = {"graphviz": "python-graphviz"}

Bound = tuple[Version, bool] | None  # (version, inclusive); None = unbounded


def conda_spec(text: str) -> tuple[str, SpecifierSet]:
    """Parse a conda match spec of the simple forms used here: 'name', 'name >=1,<2',
    'name 1.2' (== 1.2), 'name =1.2' (1.2.*). OR-specs ('|') and build strings are refused."""
    name, _, version = text.strip().partition(" ")
    version = version.replace(" ", "")
    assert "|" not in version and "[" not in text, f"unsupported conda spec {text!r}"
    parts = []
    for part in filter(None, version.split(",")):
        if part[0].isdigit():
            part = "==" + part
        elif part.startswith("=") and not part.startswith("=="):
            part = "==" + part[1:].rstrip(".*") + ".*"
        parts.append(part)
    return name.lower(), SpecifierSet(",".join(parts))


def _next_release(v: Version, depth: int) -> Version:
    """1.2.3 with depth 2 -> 1.3 (the first version past 1.2.*)."""
    rel = list(v.release[:depth]) + [0] * max(0, depth - len(v.release))
    rel[-1] += 1
    return Version(".".join(map(str, rel)))


def bounds(spec: SpecifierSet) -> tuple[Bound, Bound]:
    """The interval [low, high] a specifier set allows (ignoring != holes)."""
    low: Bound = None
    high: Bound = None

    def raise_low(b: tuple[Version, bool]) -> None:
        nonlocal low
        if low is None or b[0] > low[0] or (b[0] == low[0] and not b[1]):
            low = b

    def cut_high(b: tuple[Version, bool]) -> None:
        nonlocal high
        if high is None or b[0] < high[0] or (b[0] == high[0] and not b[1]):
            high = b

    for s in spec:
        op, ver = s.operator, s.version
        if op in ("==", "===") and ver.endswith(".*"):
            v = Version(ver[:-2])
            raise_low((v, True))
            cut_high((_next_release(v, len(v.release)), False))
        elif op in ("==", "==="):
            raise_low((Version(ver), True))
            cut_high((Version(ver), True))
        elif op == ">=":
            raise_low((Version(ver), True))
        elif op == ">":
            raise_low((Version(ver), False))
        elif op == "<=":
            cut_high((Version(ver), True))
        elif op == "<":
            cut_high((Version(ver), False))
        elif op == "~=":
            v = Version(ver)
            raise_low((v, True))
            cut_high((_next_release(v, len(v.release) - 1), False))
    return low, high


def within(inner: SpecifierSet, outer: SpecifierSet) -> bool:
    """Does every version `inner` allows also satisfy `outer` (by interval)?"""
    ilo, ihi = bounds(inner)
    olo, ohi = bounds(outer)
    if olo is not None:
        if ilo is None or ilo[0] < olo[0] or (ilo[0] == olo[0] and ilo[1] and not olo[1]):
            return False
    if ohi is not None:
        if ihi is None or ihi[0] > ohi[0] or (ihi[0] == ohi[0] and ihi[1] and not ohi[1]):
            return False
    return True


def nonempty(spec: SpecifierSet) -> bool:
    lo, hi = bounds(spec)
    if lo is None or hi is None:
        return True
    return lo[0] < hi[0] or (lo[0] == hi[0] and lo[1] and hi[1])


# ---------------------------------------------------------------- the helpers themselves


@pytest.mark.parametrize(
    ("inner", "outer", "expected"),
    [
        (">=0.9,<0.10", ">=0.9,<0.10", True),
        (">=0.9.2,<0.10", ">=0.9,<0.10", True),
        ("==0.9.*", ">=0.9,<0.10", True),
        (">=0.9", ">=0.9,<0.10", False),  # conda could pick 0.10, which pip then rejects
        (">=0.8,<0.10", ">=0.9,<0.10", False),
        (">=8,<9", ">=8", True),
        ("", ">=1.9", False),
        (">=4,<5", "~=4.0", True),
        (">4", ">=4", True),
        (">=4", ">4", False),
    ],
)
def test_within(inner: str, outer: str, expected: bool) -> None:
    assert within(SpecifierSet(inner), SpecifierSet(outer)) is expected


def test_conda_spec_forms() -> None:
    assert conda_spec("pyroute2 >=0.9,<0.10") == ("pyroute2", SpecifierSet(">=0.9,<0.10"))
    assert conda_spec("dpkt") == ("dpkt", SpecifierSet(""))
    assert conda_spec("python 3.11") == ("python", SpecifierSet("==3.11"))
    assert conda_spec("pyroute2 =0.9") == ("pyroute2", SpecifierSet("==0.9.*"))
    assert not nonempty(SpecifierSet(">=2,<1"))


# ---------------------------------------------------------------- the real files


@pytest.fixture(scope="module")
def env() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def conda_deps(env: dict) -> dict[str, SpecifierSet]:
    out: dict[str, SpecifierSet] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, spec = conda_spec(dep)
            assert name not in out, f"{name} listed twice in environment.yml"
            out[name] = spec
    return out


def test_conda_forge_only(env: dict) -> None:
    assert env["channels"][0] == "conda-forge"
    assert set(env["channels"]) <= {"conda-forge", "nodefaults"}


def test_every_runtime_dependency_is_named_with_compatible_bounds(
    project: dict, conda_deps: dict[str, SpecifierSet]
) -> None:
    problems = []
    for text in project["dependencies"]:
        req = Requirement(text)
        name = CONDA_NAME.get(req.name.lower(), req.name.lower())
        if name not in conda_deps:
            problems.append(f"{name} (for {text!r}) is missing")
        elif not within(conda_deps[name], req.specifier):
            problems.append(
                f"{name} {conda_deps[name] or '(any)'} allows versions outside {text!r}; "
                f"use the same bounds"
            )
        elif not nonempty(conda_deps[name]):
            problems.append(f"{name} {conda_deps[name]} allows no version at all")
    assert not problems, "environment.yml vs pyproject.toml:\n" + "\n".join(problems)


def test_python_version_within_requires_python(
    project: dict, conda_deps: dict[str, SpecifierSet]
) -> None:
    assert "python" in conda_deps
    assert within(conda_deps["python"], SpecifierSet(project["requires-python"]))


def test_test_tools_present_and_compatible(
    project: dict, conda_deps: dict[str, SpecifierSet]
) -> None:
    for name in ("nbval", "pytest", "python-graphviz", "jupyterlab", "ipywidgets", "pip"):
        assert name in conda_deps, f"environment.yml lacks {name}"
    for text in project["optional-dependencies"]["test"]:
        req = Requirement(text)
        name = CONDA_NAME.get(req.name.lower(), req.name.lower())
        if name in conda_deps:
            assert within(conda_deps[name], req.specifier), f"{name}: {conda_deps[name]} vs {text}"


def test_nslab_itself_comes_from_pip(env: dict) -> None:
    pip = [d for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip) == 1, "one `pip:` section installs nslab itself"
    entries = [str(e).strip() for e in pip[0]["pip"]]
    assert any(e in ("-e .", ".", "nslab") or e.startswith("nslab") for e in entries), entries
