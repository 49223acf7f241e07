"""Run INSIDE a container started WITHOUT NET_ADMIN/SYS_ADMIN/NET_RAW (stdin of `python -`).

Executes notebook cells with nbclient (errors allowed) and checks what a student sees:
the PrivilegeError text with the fix ("--cap-add NET_ADMIN"), and no Python traceback.
Optional argv[1]: a real notebook (e.g. 01-*.ipynb) to run the same way.
"""

from __future__ import annotations

import re
import sys

import nbformat
from nbclient import NotebookClient

ANSI = re.compile(r"\x1b\[[0-9;]*m")
FIX = "--cap-add NET_ADMIN"


def outputs_text(nb: nbformat.NotebookNode) -> tuple[str, list[str]]:
    """All text a student would see, and the texts of error outputs."""
    texts, errors = [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                text = ANSI.sub("", "\n".join(out.traceback))
                errors.append(f"{out.ename}: {out.evalue}\n{text}")
                texts.append(text + out.evalue)
            elif out.output_type == "stream":
                texts.append(out.text)
            else:
                data = out.get("data", {})
                texts.append(str(data.get("text/plain", "")) + str(data.get("text/html", "")))
    return "\n".join(texts), errors


def run(nb: nbformat.NotebookNode, label: str) -> bool:
    NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3").execute()
    text, errors = outputs_text(nb)
    ok = True
    if FIX not in text:
        print(f"{label}: no output names the fix {FIX!r}")
        ok = False
    tracebacks = [e for e in errors if "Traceback (most recent call last)" in e]
    if tracebacks:
        print(f"{label}: a cell shows a Python traceback instead of the friendly message:")
        print(tracebacks[0][:2000])
        ok = False
    for e in errors:
        print(f"{label}: student sees -> {e.strip()[:400]}")
    print(f"{label}: {'ok' if ok else 'FAILED'}")
    return ok


mini = nbformat.v4.new_notebook()
mini.cells = [
    nbformat.v4.new_code_cell("from nslab import doctor\ndoctor.report()"),
    nbformat.v4.new_code_cell('from nslab import Lab\nlab = Lab()\nlab.add_netns("test1")'),
]
good = run(mini, "mini notebook")
if len(sys.argv) > 1:
    good = run(nbformat.read(sys.argv[1], as_version=4), sys.argv[1]) and good
sys.exit(0 if good else 1)
