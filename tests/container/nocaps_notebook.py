"""Run INSIDE a container started WITHOUT NET_ADMIN/SYS_ADMIN/NET_RAW (stdin of `python -`).

Executes notebook cells with nbclient (errors allowed) and checks what a student sees: a
cell that needs the privileges shows the PrivilegeError text with the fix
("--cap-add NET_ADMIN"), and no cell shows a Python traceback.
Optional argv[1]: a real notebook (e.g. 01-*.ipynb) to run the same way.
"""

from __future__ import annotations

import re
import sys

import nbformat
from nbclient import NotebookClient

ANSI = re.compile(r"\x1b\[[0-9;]*m")
FIX = "--cap-add NET_ADMIN"
TRACEBACK = "Traceback (most recent call last)"


def cell_text(cell: nbformat.NotebookNode) -> str:
    """Everything a student sees below one cell (tracebacks included)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}\n" + ANSI.sub("", "\n".join(out.traceback)))
        elif out.output_type == "stream":
            parts.append(out.text)
        else:
            parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def run(nb: nbformat.NotebookNode, label: str, must_fail: list[int] | None = None) -> bool:
    """must_fail: indexes of cells that must show the friendly error (None: at least one)."""
    NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3").execute()
    texts = [cell_text(c) for c in nb.cells]
    friendly = [i for i, t in enumerate(texts) if "PrivilegeError" in t and FIX in t]
    ok = True
    wanted = must_fail if must_fail is not None else friendly[:1]
    if not friendly or any(i not in friendly for i in wanted):
        print(f"{label}: no cell shows PrivilegeError with {FIX!r} (cells {wanted})")
        ok = False
    for i, t in enumerate(texts):
        if TRACEBACK in t:
            print(f"{label}: cell {i} shows a Python traceback:\n{t[:2000]}")
            ok = False
    for i in friendly[:3]:
        print(f"{label}: cell {i}, student sees -> {texts[i].strip()[:300]}")
    print(f"{label}: {'ok' if ok else 'FAILED'}")
    return ok


mini = nbformat.v4.new_notebook()
mini.cells = [
    nbformat.v4.new_code_cell("from nslab import doctor\ndoctor.report()"),
    nbformat.v4.new_code_cell('from nslab import Lab\nlab = Lab()\nlab.add_netns("test1")'),
]
good = run(mini, "mini notebook", must_fail=[1])
if len(sys.argv) > 1:
    good = run(nbformat.read(sys.argv[1], as_version=4), sys.argv[1]) and good
sys.exit(0 if good else 1)
