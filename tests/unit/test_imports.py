"""The layering rules, read from the code with `ast`: imports go one way, privates stay home.

- no import cycle among nslab's modules (function-level imports count too);
- no `from .x import _private` and no `obj._private` across modules: a module may use
  its own private names and `self._x` / `cls._x`; dunders are public.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "nslab"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, ast.Module]:
    return {
        module_name(p): ast.parse(p.read_text(), str(p)) for p in sorted(PACKAGE.rglob("*.py"))
    }


def resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute name of a relative import inside `module`."""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def imports_of(module: str, tree: ast.Module, known: set[str]) -> dict[str, set[str]]:
    """Module -> the nslab modules it imports, and the private names it takes from them."""
    is_package = any(m.startswith(module + ".") for m in known)
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and not (node.module or "").startswith("nslab"):
                continue
            base = (
                node.module if node.level == 0
                else resolve(module, is_package, node.level, node.module)
            )
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:  # `from . import names`: the module itself
                    found.setdefault(sub, set())
                else:
                    found.setdefault(base, set()).update(
                        {alias.name} if is_private(alias.name) else set()
                    )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("nslab"):
                    found.setdefault(alias.name, set())
    return {m: names for m, names in found.items() if m in known and m != module}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def is_protocol(name: str) -> bool:
    """IPython's display hooks (`_repr_html_`, `_repr_mimebundle_`, ...) are public protocol."""
    return name.startswith("_repr_") and name.endswith("_")


def defined_attributes(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(names its classes define: members and self/cls attributes,
    names it sets on other objects: `view._drawn = key`)."""
    members: set[str] = set()
    tagged: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    members.add(item.name)
                elif isinstance(item, ast.Assign | ast.AnnAssign):
                    targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                    members.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                members.add(node.attr)
            else:
                tagged.add(node.attr)
    return members, tagged


def private_attribute_uses(tree: ast.Module, others: set[str] = frozenset()) -> list[str]:
    """`obj._name` (obj not self/cls) unless this module's classes define _name, or this
    module alone tags objects with it. `others`: what other modules' classes define."""
    members, tagged = defined_attributes(tree)
    uses = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and is_private(node.attr)):
            continue
        if is_protocol(node.attr) or node.attr in members:
            continue
        if node.attr in tagged and node.attr not in others:
            continue
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            continue
        uses.append(f"line {node.lineno}: .{node.attr}")
    return sorted(uses, key=lambda u: int(u.split()[1][:-1]))


def reach_ins(trees: dict[str, ast.Module]) -> list[str]:
    """Every private name one nslab module takes from another, imported or as attribute."""
    known = set(trees)
    members = {m: defined_attributes(t)[0] for m, t in trees.items()}
    found = [
        f"{m} imports {sorted(names)} from {other}"
        for m, t in trees.items()
        for other, names in imports_of(m, t, known).items()
        if names
    ]
    for m, t in trees.items():
        others = set().union(*(v for k, v in members.items() if k != m))
        found += [f"{m} {use}" for use in private_attribute_uses(t, others)]
    return found


def test_no_import_cycle() -> None:
    trees = sources()
    known = set(trees)
    graph = {m: set(imports_of(m, t, known)) for m, t in trees.items()}
    assert cycles(graph) == []


def test_no_private_name_across_modules() -> None:
    assert reach_ins(sources()) == []


def test_the_checker_sees_what_it_forbids() -> None:
    """The rules above must catch a cycle, a private import and a reach-in."""
    a = ast.parse("from .b import _hidden\ndef f(lab):\n    return lab._journal\n")
    b = ast.parse("def g():\n    from . import a\n")
    known = {"nslab", "nslab.a", "nslab.b"}
    graph = {"nslab.a": set(imports_of("nslab.a", a, known)),
             "nslab.b": set(imports_of("nslab.b", b, known))}
    assert cycles(graph) == [["nslab.a", "nslab.b"]]
    assert imports_of("nslab.a", a, known) == {"nslab.b": {"_hidden"}}
    assert private_attribute_uses(a) == ["line 3: ._journal"]
    own = ast.parse("class C:\n    def f(self, o):\n        self._x = 1\n        return o._x\n")
    assert private_attribute_uses(own) == []  # a module's own private names are its own
    writer = ast.parse("def use(tutorial, lab):\n    lab._steps = tutorial\n")
    assert private_attribute_uses(writer, {"_steps"}) == ["line 2: ._steps"]
    assert private_attribute_uses(writer) == []  # a tag only this module sets and reads


# ---------------------------------------------------------------- the layer table

ARCHITECTURE = PACKAGE.parent / "ARCHITECTURE.md"


def layer_table(text: str) -> list[tuple[str, list[str]]]:
    """ARCHITECTURE.md's layer table, top first: (layer, the modules named in its row).
    A name ending in `/` is a sub-package (every module under it); `__init__.py` is `nslab`."""
    rows: list[tuple[str, list[str]]] = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("| layer |"):
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            break
        if in_table and not line.startswith("|---"):
            layer, modules = line.split("|")[1:3]
            names = [n for n in modules.split("`")[1::2] if n.endswith((".py", "/"))]
            rows.append((layer.strip(), names))
    return rows


def layer_of(module: str, rows: list[tuple[str, list[str]]]) -> int | None:
    """The row (0 = top) that names `module`, or None."""
    short = module.removeprefix("nslab").lstrip(".")
    for i, (_, names) in enumerate(rows):
        for name in names:
            if name == "__init__.py" and short == "":
                return i
            if name.endswith("/") and (short + ".").startswith(name[:-1] + "."):
                return i
            if name.endswith(".py") and short == name[:-3] and "." not in short:
                return i
    return None


def upward_imports(trees: dict[str, ast.Module], rows: list[tuple[str, list[str]]]) -> list[str]:
    """Every import from a module to one in a higher row, and every module in no row."""
    known = set(trees)
    found = [f"{m} is in no layer of ARCHITECTURE.md" for m in sorted(trees)
             if layer_of(m, rows) is None]
    for m, tree in sorted(trees.items()):
        here = layer_of(m, rows)
        for other in sorted(imports_of(m, tree, known)):
            there = layer_of(other, rows)
            if here is not None and there is not None and there < here:
                found.append(f"{m} ({rows[here][0]}) imports {other} ({rows[there][0]})")
    return found


def test_imports_only_go_down_the_architecture_table() -> None:
    rows = layer_table(ARCHITECTURE.read_text())
    assert len(rows) >= 5, "ARCHITECTURE.md's layer table was not found"
    assert upward_imports(sources(), rows) == []


def test_the_layer_check_sees_an_upward_import() -> None:
    rows = [("top", ["lab.py"]), ("pure", ["draw.py", "messages/"])]
    trees = {"nslab.lab": ast.parse("from . import draw\n"),
             "nslab.draw": ast.parse("from .lab import Lab\n"),
             "nslab.messages.ui": ast.parse("from ..draw import x\n"),
             "nslab.extra": ast.parse("")}
    assert upward_imports(trees, rows) == [
        "nslab.extra is in no layer of ARCHITECTURE.md",
        "nslab.draw (pure) imports nslab.lab (top)",
    ]
