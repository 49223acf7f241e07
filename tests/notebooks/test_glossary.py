"""docs/glossary.md: every word it explains appears in the committed notebooks' outputs, and
its "first in" column names the notebook (and the article's step) where an output shows it
first. Reads files only (no kernel)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
NOTEBOOKS = ROOT / "notebooks"
# The words the notebooks print, for rows whose "you see" is a pattern or a command.
SEARCH = {
    "`1: lo:`": "1: lo:",
    "`state UP` / `DOWN`": "state DOWN",
    "`mtu 1500`, `qlen 1000`": "mtu 1500",
    "`link/ether 4e:2f:...`": "link/ether",
    "`veth-test2@veth-test1`": "veth-test2@veth-test1",
    "`eth0@if3`": "eth0@if",
    "`link-netnsid 0`": "link-netnsid",
    "`inet 192.168.1.1/24`": "inet 192.168.1.1/24",
    "`scope global` / `scope host` / `scope link`": "scope global",
    "`inet6 fe80::.../64 scope link`": "inet6 fe80::",
    "`192.168.1.0/24 dev veth-test1 proto kernel scope link src 192.168.1.1`":
        "192.168.1.0/24 dev veth-test1 proto kernel scope link src 192.168.1.1",
    "`default via 172.17.0.1 dev eth0`": "default via 172.17.0.1 dev eth0",
    "`192.168.1.2 dev veth-test1 lladdr ... REACHABLE`": "192.168.1.2 dev veth-test1 lladdr",
    "`priority 32 cost 2`": "priority 32 cost 2",
    "`BROADCAST`, `MULTICAST`": "BROADCAST,MULTICAST",
    "`dnat to 172.17.0.2:80`": "dnat to 172.17.0.2:80",
    "`state forwarding` (`bridge link`)": "state forwarding",
}
# Rows that name a concept or a command rather than a word of output.
NOT_OUTPUT = {"`ip netns list`", "hidden namespace (`@web`)", "`net.ipv4.ip_forward`",
              "`tentative`"}
STEP = re.compile(r"^## (S\d+) ·")


def rows() -> list[tuple[str, str]]:
    """(you see, first in) of every table row of the glossary."""
    out = []
    for line in GLOSSARY.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 3 and cells[0] != "you see":
            out.append((cells[0], cells[2]))
    return out


def _outputs(cell: dict) -> str:
    texts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            texts.append("".join(o["text"]))
        elif "text/plain" in o.get("data", {}):
            texts.append("".join(o["data"]["text/plain"]))
    return "\n".join(texts)


def places(per_machine: bool = False) -> list[tuple[str, str]]:
    """(where, output text) of every code cell, tutorials then exercises, in order: the
    outputs every machine gives, or (PER_MACHINE) those tagged nbval-ignore-output, which
    show the host's own links."""
    out = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")):
        nb, step = json.loads(path.read_text()), ""
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and (m := STEP.match(source)):
                step = m.group(1)
            ignored = "nbval-ignore-output" in cell.get("metadata", {}).get("tags", [])
            if cell["cell_type"] == "code" and ignored == per_machine:
                out.append((f"{path.name[:2]} {step}".strip(), _outputs(cell)))
    for path in sorted((NOTEBOOKS / "exercises").glob("[0-9][0-9]-*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code" and not per_machine:
                out.append((f"E{int(path.name[:2])}", _outputs(cell)))
    return out


def first_in(word: str) -> str | None:
    """Where an output first shows WORD ("02 S10"); "01 S3, per machine" when only an
    output that differs per machine (nbval-ignore-output) shows it."""
    found = next((where for where, text in places() if word in text), None)
    if found is None:
        host = next((where for where, text in places(True) if word in text), None)
        found = host and f"{host}, per machine"
    return found


def test_the_glossary_has_the_words_students_asked_about():
    seen = " ".join(s for s, _ in rows())
    for word in ("INCOMPLETE", "FAILED", "BROADCAST", "MULTICAST", "NOARP", "mode DEFAULT",
                 "group default", "priority", "cost", "state UNKNOWN", "NO-CARRIER"):
        assert word in seen, f"docs/glossary.md has no row for {word}"


@pytest.mark.parametrize("you_see,column", rows())
def test_first_in_names_the_first_output_that_shows_the_word(you_see, column):
    if you_see in NOT_OUTPUT:
        return
    word = SEARCH.get(you_see) or re.search(r"`([^`]+)`", you_see).group(1)
    found = first_in(word)
    assert found is not None, f"{word!r} ({you_see}) is in no notebook's output"
    assert column == found, (
        f"docs/glossary.md: {you_see} says first in {column!r}; the first output that "
        f"shows {word!r} is in {found!r}")
