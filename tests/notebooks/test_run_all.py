"""Each tutorial notebook runs with "Run All" on a fresh kernel, twice in a row, and
leaves nothing behind: the same namespaces and host links as before."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("0*.ipynb"))


def _netns_and_links() -> tuple[str, list[str]]:
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    links = json.loads(subprocess.run(["ip", "-j", "link"], capture_output=True,
                                      text=True).stdout)
    return netns, sorted(lk["ifname"] for lk in links)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create namespaces")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_run_all_twice_leaves_nothing_behind(path: Path) -> None:
    before = _netns_and_links()
    for _ in range(2):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        errors = [o for c in nb.cells for o in c.get("outputs", [])
                  if o.get("output_type") == "error"
                  and "raises-exception" not in c.metadata.get("tags", [])]
        assert not errors
        assert _netns_and_links() == before
