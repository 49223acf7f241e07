"""Write the tutorial notebooks 00-05 from this source, then run them for real.

    python tools/make_notebooks.py [--only 03] [--no-run] [--check]

A step's title, explanation, the article's command, its Lab calls and the commands that
show its result come from the library (nslab/steps.py, worded in nslab/messages/steps.py);
the prose around them lives here. The committed notebooks carry the outputs of a real
run (nbval compares them); `--check` only compares the committed cell sources with what
this file would write. Edit the text here, not in the .ipynb files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT))

from nslab.steps import ARTICLE, Call  # noqa: E402

CREDIT = (
    "*Based on* **网络命名空间** *(\"Network Namespaces\"), a Chinese blog post of 2020-04-20 "
    "in a Docker series; its steps are summarised in English in "
    "[docs/article-steps.md](../docs/article-steps.md), and step ids (S1-S19) refer to it. "
    "Every `ip` word used here is explained in the [glossary](../docs/glossary.md).*"
)

IGNORE = "nbval-ignore-output"  # nbval's cell tag: the output is not compared
RAISES = "raises-exception"  # nbclient (Run All) and nbval let this cell raise


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text.strip("\n"))


def code(src: str, *, ignore: bool = False, raises: bool = False) -> nbformat.NotebookNode:
    """A code cell; `ignore`: its output differs per machine or is a live widget."""
    cell = new_code_cell(src.strip("\n"))
    tags = [t for t, on in ((IGNORE, ignore), (RAISES, raises)) if on]
    if tags:
        cell.metadata["tags"] = tags
    return cell


def intro(title: str, will: list[str], prereq: str) -> list[nbformat.NotebookNode]:
    bullets = "\n".join(f"- {w}" for w in will)
    return [md(f"# {title}\n\nIn this notebook you will:\n\n{bullets}\n\n"
               f"**Prerequisites:** {prereq}\n\n"
               "**How to read it:** before each cell marked *Predict*, decide what you "
               "expect; run the cell; then open *Answer* and compare.\n\n"
               f"{CREDIT}")]


def step(sid: str, note: str = "") -> nbformat.NotebookNode:
    """The step's heading, its explanation and the article's command, from nslab.steps."""
    s = ARTICLE[sid]
    extra = f"\n\n{note.strip()}" if note else ""
    return md(f"## {sid} · {s.title}\n\n{s.explain}{extra}\n\n"
              f"The article runs:\n\n```bash\n{s.command}\n```")


def _py(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


def verb(c: Call) -> str:
    """lab.add_netns("test1") for call("add_netns", "test1")."""
    name, args, kwargs = c
    parts = [_py(a) for a in args] + [f"{k}={_py(v)}" for k, v in kwargs.items()]
    return f"lab.{name}({', '.join(parts)})"


def do(sid: str, *which: int, then: str = "", ignore: bool = False) -> nbformat.NotebookNode:
    """A cell with the step's Lab calls (all, or those at the indexes `which`)."""
    calls = ARTICLE[sid].calls
    lines = [verb(calls[i]) for i in (which or range(len(calls)))]
    return code("\n".join(lines + ([then] if then else [])), ignore=ignore)


def look_src(ns: object, command: str) -> str:
    if isinstance(ns, str) and ns.startswith("@"):
        return f"lab.container_exec({_py(ns[1:])}, {_py(command)})"
    return f"lab.exec({_py(ns)}, {_py(command)})"


def look(sid: str, i: int = 0, *, ignore: bool = False) -> nbformat.NotebookNode:
    """A cell that runs the step's i-th show command."""
    return code(look_src(*ARTICLE[sid].show[i]), ignore=ignore)


def predict(question: str) -> nbformat.NotebookNode:
    return md(f"> **Predict:** {question}")


def answer(text: str) -> nbformat.NotebookNode:
    return md(f"<details><summary>Answer</summary>\n\n{text.strip()}\n\n</details>")


def happened(text: str) -> nbformat.NotebookNode:
    return md(f"**What just happened:** {text.strip()}")


def field(term: str, text: str) -> nbformat.NotebookNode:
    """A field-guide entry, where the field first appears in an output."""
    return md(f"> **Field guide · `{term}`:** {text.strip()}")


def closing(summary: list[str], quiz: list[tuple[str, str]],
            next_: str = "") -> list[nbformat.NotebookNode]:
    """Every notebook ends with a summary and three to five self-check questions."""
    points = "\n".join(f"- {p}" for p in summary)
    qs = "\n\n".join(
        f"{n}. {q}\n\n   <details><summary>Answer</summary>\n\n   {a}\n\n   </details>"
        for n, (q, a) in enumerate(quiz, 1))
    tail = f"\n\n{next_}" if next_ else ""
    return [md(f"## Summary\n\n{points}{tail}"), md(f"## Self-check\n\n{qs}")]


HOST = True  # the host's own interfaces differ from machine to machine
WIDGET = True  # a live widget: its view is state, not a regression output

def nb00() -> list[nbformat.NotebookNode]:
    return [
        *intro("00 · Start here", [
            "check that this machine can run the labs (`nslab doctor`)",
            "learn how the notebooks work: each step, its `ip` command, the real output, "
            "a live drawing and *what changed*",
            "meet the `Lab` object that performs every step on the real kernel",
        ], "none. Run this notebook first."),
        md("""
## What this is

nslab replays a well-known tutorial on Linux **network namespaces**, the kernel feature
that gives every Docker container its own network. Every step runs on the **real kernel**:
real namespaces, real virtual cables (veth pairs), real pings. Nothing is simulated.

Each notebook follows the article in order:

| notebook | article steps | what you do |
|---|---|---|
| `01-containers-have-their-own-network` | S1-S5 | two containers (no Docker needed) |
| `02-ip-netns` | S6-S11 | create, list and enter namespaces with `ip netns` |
| `03-veth-pair` | S12-S19 | join two namespaces with a veth pair and ping across |
| `04-bridge` | Q1 | how Docker connects containers: a bridge |
| `05-nat-and-ports` | Q2 | how a container reaches the outside: routes, NAT, `-p 8080:80` |
| `exercises/` | | classroom exercises checked against the live kernel |

The man pages behind it all: [ip-netns(8)](https://man7.org/linux/man-pages/man8/ip-netns.8.html),
[ip-link(8)](https://man7.org/linux/man-pages/man8/ip-link.8.html),
[ip-address(8)](https://man7.org/linux/man-pages/man8/ip-address.8.html),
[ip-route(8)](https://man7.org/linux/man-pages/man8/ip-route.8.html),
[veth(4)](https://man7.org/linux/man-pages/man4/veth.4.html),
[network_namespaces(7)](https://man7.org/linux/man-pages/man7/network_namespaces.7.html);
every field of `ip` output is explained in the [glossary](../docs/glossary.md).
"""),
        md("""
## 1. Can this machine run the labs?

`nslab doctor` checks privileges, kernel support and the tools, and prints the fix for
anything missing. (The same check runs from a terminal: `nslab doctor`.) Its output
depends on your machine, so yours may differ from the one saved here.
"""),
        code("from nslab import doctor\n\ndoctor.report()", ignore=True),
        md("""
## 2. How every step works

A `Lab` performs the article's commands through the kernel's netlink API, records the
equivalent `ip` command, and remembers what it created, so `lab.reset()` removes exactly
that and nothing else (even after a crash: `nslab cleanup`). `reset()` returns the list
of what it removed: here, at the start, nothing.
"""),
        code('from nslab import Lab\n\nlab = Lab("00-start-here")\nlab.reset()'),
        predict("`lab.add_netns(\"hello\")` is `ip netns add hello`. Will it print anything?"),
        code('lab.add_netns("hello")'),
        answer("Nothing, like `ip netns add`: a verb that succeeds is silent. A mistake "
               "raises an error instead (below)."),
        md("`lab.exec(ns, command)` runs a real command inside a namespace; this is what the "
           "article's screenshots show:"),
        code('lab.exec("hello", "ip a")'),
        field("qdisc noop / state DOWN / brd",
              "`1: lo:` is the interface index and name; `<LOOPBACK>` are its flags (no `UP`: "
              "nobody has set it up). `qdisc noop` is the queueing discipline of a link that "
              "has never been set up: it drops everything. `state DOWN` is the operational state. "
              "`link/loopback 00:00:00:00:00:00` is its link-layer address and `brd` the "
              "link-layer broadcast address."),
        md("""
A cell that holds just `lab` draws the live topology; `lab.show()` draws it together with
*what changed* since the last `show()`. The colour of an interface is its state:

| colour | state |
|---|---|
| green | UP: set up, and has carrier |
| amber | UNKNOWN: set up, the driver reports no state (`lo`) |
| orange | set up but no carrier (`NO-CARRIER`, e.g. a veth whose peer is down) |
| grey | DOWN: not set up |

Mistakes (an address on a link that is down, say) are drawn in red and bold.
"""),
        code("lab.show()"),
        md("Every verb appends its `ip` command to the transcript, and "
           "`lab.transcript.script()` turns it into a bash script that rebuilds this lab on "
           "a machine where none of it exists yet (the test suite replays this notebook's "
           "script on a clean kernel and compares the result):"),
        code("lab.transcript"),
        md("""
Mistakes get a plain message that names the object and the fix, and change nothing.
The next cell makes a typo on purpose, so it ends with an error:
"""),
        code('lab.exec("helo", "ip a")', raises=True),
        md("""
## 3. Buttons

Notebooks 01-03 start with a **Stepper**: *Run step* performs the next step of the article,
*Back* returns to the state before the last step, *Reset* starts over. The cells below it
do the same steps one by one; use either. The **Panel** is a form for every verb:
"""),
        code("from nslab.widgets import Panel\n\nPanel(lab)", ignore=WIDGET),
        md("## Clean up\n\nThe last code cell of every notebook removes what its lab created:"),
        code("lab.reset()"),
        *closing([
            "Every step runs on the real kernel; `lab.exec` shows the real `ip` output.",
            "A `Lab` records each step's `ip` command (`lab.transcript`) and removes only "
            "what it created (`lab.reset()`).",
            "The drawing's colours are link states: green UP, amber UNKNOWN, orange no "
            "carrier, grey DOWN; red marks a mistake.",
        ], [
            ("Which call runs `ip a` inside the namespace `hello`?",
             '`lab.exec("hello", "ip a")`.'),
            ("Does `lab.reset()` remove namespaces this lab did not create?",
             "No: it removes exactly what its journal lists."),
            ("What does an orange interface in the drawing mean?",
             "It is set up but has no carrier, e.g. one end of a veth pair whose other end "
             "is still down."),
        ], "Next: [01-containers-have-their-own-network]"
           "(01-containers-have-their-own-network.ipynb)."),
    ]


def nb01() -> list[nbformat.NotebookNode]:
    return [
        *intro("01 · Containers have their own network", [
            "start two long-running containers, like `docker run -d` (S1, S4)",
            "look inside one and compare it with the host (S2, S3)",
            "ping from one container to the other (S5)",
        ], "`00-start-here`. Root, a container with `--cap-add NET_ADMIN --cap-add "
           "SYS_ADMIN`, or the *Python 3 (nslab sandbox)* kernel."),
        md("""
**Docker without Docker.** Most classrooms have no Docker engine inside JupyterLab, so
`lab.run_container(name)` does for real what `docker run` does to the network: it starts a
long-running process (`sh -c "while true; do sleep 3600; done"`, like the article's
busybox) in a new, unnamed network namespace, and plugs it with a veth pair into a
`docker0` bridge (172.17.0.1/16). **One difference from the article:** on a real Docker
host, `docker0` and the host ends of the pairs (`vethXXXX`) are in the host itself; here
they live in a namespace of the lab called `docker-host`, so your real host is never
touched. Addresses are handed out like Docker's: 172.17.0.2, .3, ...

*On a machine with a real Docker engine you can look at a real container the same way:
`docker inspect -f '{{.State.Pid}}' test1` gives its PID, and `nsenter -t PID -n ip a`
runs `ip a` in its network namespace.*
"""),
        code('from nslab import Lab\nfrom nslab.tutorial import CONTAINERS, Tutorial\n'
             'from nslab.widgets import Stepper\n\nlab = Lab("01-containers")\nlab.reset()'),
        code("Stepper(Tutorial(lab, CONTAINERS))", ignore=WIDGET),
        step("S1"),
        predict("`docker run -d` prints the new container's id. What will "
                "`lab.run_container(\"test1\")` tell you?"),
        do("S1"),
        answer("Its name, its address 172.17.0.2, and that its namespace is *hidden*: it has "
               "no name under /run/netns, so nslab calls it `@test1`."),
        code("lab.show()"),
        happened("the lab created `docker-host` with the bridge `docker0`, a veth pair "
                 "(`eth0` in the container, `veth-test1` on the bridge), the subnet route "
                 "172.17.0.0/16 that the kernel adds with each address (`proto kernel`), "
                 "and the default route via 172.17.0.1 that Docker sets in the container."),
        step("S2"),
        predict("how many interfaces will the container have, and which address will "
                "`eth0` carry?"),
        look("S2"),
        answer("Two: `lo` (127.0.0.1/8) and `eth0@ifN` with 172.17.0.2/16."),
        field("@ifN, link-netns",
              "`eth0@if3` means: the peer of this veth end has interface index 3, in "
              "another namespace; `link-netns docker-host` names that namespace. (On a real "
              "Docker host it reads `link-netnsid 0`: the peer is in the host, which has no "
              "name.) `scope global` marks an address usable beyond this host; "
              "`valid_lft forever` means it never expires; `brd ff:ff:ff:ff:ff:ff` is the "
              "Ethernet broadcast address."),
        step("S3", """
Here the container's peer is in `docker-host`, so look there too: it holds `docker0`
and `veth-test1`, the end of test1's cable (the `vethXXXX` a real Docker host shows)."""),
        predict("the host may have an interface called `eth0` too. Is it the container's "
                "eth0?"),
        look("S3", ignore=HOST),
        answer("No. If your host lists an `eth0`, it is the host's own network card, a "
               "different device that happens to have the same name: each namespace has its "
               "own set of interface names. The host does not list the container's "
               "interfaces at all. (This output differs from machine to machine. In the "
               "rootless sandbox kernel the host is the sandbox's own namespace: it lists only "
               "`lo`.)"),
        code('lab.exec("docker-host", "ip -br link")'),
        happened("`ip -br` prints one line per link: name, state, MAC, flags. In "
                 "docker-host, `veth-test1@if2` is the peer of the container's eth0 "
                 "(index 2 inside the container), and `docker0` is the bridge."),
        step("S4"),
        predict("which address will test2 get?"),
        do("S4"),
        look("S4"),
        answer("172.17.0.3: the next free one on the bridge's subnet."),
        code("lab.show()"),
        step("S5"),
        predict("test1 and test2 live in different namespaces. Can test1 ping 172.17.0.3?"),
        code('lab.ping("@test1", "172.17.0.3")'),
        answer("Yes: separate namespaces, but both `eth0`s are cabled to the same bridge."),
        look("S5"),
        happened("`lab.ping` returns a result (`1/1 replies (ok)`); the second cell is the "
                 "real `ping` inside the container, with the kernel's own output."),
        md("## Clean up"),
        code("lab.reset()"),
        *closing([
            "Each container has its own network namespace: its own interfaces, addresses "
            "and routes.",
            "A container's namespace has no name; it is reached through its process "
            "(`/proc/PID/ns/net`, `nsenter -t PID -n`).",
            "Two namespaces talk when something connects them: here a veth pair per "
            "container and one bridge.",
            "An interface name (`eth0`) is only unique inside its namespace.",
        ], [
            ("The container shows `eth0@if3`. What is 3?",
             "The interface index of its peer, the other end of its veth pair (here "
             "`veth-test1` in docker-host)."),
            ("Why is the host's `eth0` not the container's `eth0`?",
             "Every namespace has its own interfaces; the same name in two namespaces means "
             "two different devices."),
            ("On a real Docker host, where are `docker0` and the `vethXXXX` ends?",
             "In the host's own namespace; in this lab they are in `docker-host`."),
            ("Why does the article's 127.17.0.2 have to be a typo?",
             "127.0.0.0/8 is loopback; Docker's default bridge uses 172.17.0.0/16."),
        ], "Next: [02-ip-netns](02-ip-netns.ipynb) makes namespaces by name, with `ip netns`."),
    ]


def nb02() -> list[nbformat.NotebookNode]:
    return [
        *intro("02 · Managing namespaces with `ip netns`", [
            "add, list and delete a namespace (S6)",
            "find out why Docker's namespaces do not show up in `ip netns list` (S7)",
            "look inside a fresh namespace and bring its loopback up (S8-S11)",
        ], "`01-containers-have-their-own-network`. Root or the nslab sandbox kernel."),
        code('from nslab import Lab\nfrom nslab.tutorial import IP_NETNS, Tutorial\n'
             'from nslab.widgets import Stepper\n\nlab = Lab("02-ip-netns")\nlab.reset()'),
        code("Stepper(Tutorial(lab, IP_NETNS))", ignore=WIDGET),
        step("S6"),
        predict("after `ip netns add test1`, what will `ip netns list` print?"),
        code('lab.add_netns("test1")\nlab.exec(None, "ip netns list")'),
        answer("`test1`: the name of the file `/run/netns/test1`."),
        code('lab.delete_netns("test1")\nlab.exec(None, "ip netns list")'),
        happened("`ip netns delete` removed the name; with nothing else holding it, the "
                 "kernel freed the namespace. The list is empty again."),
        step("S7", "Start a container and list the namespaces again."),
        predict("will `ip netns list` show the container `web`?"),
        do("S7", then='lab.exec(None, "ip netns list")'),
        answer("""
No. The list shows only `docker-host`: the lab made that one with `ip netns add`, as the
stand-in for a Docker host. `web` is not there: `ip netns list` lists only the names under
`/run/netns`, and a container's namespace has no name. It exists as long as a process lives
in it, and is found through `/proc/PID/ns/net`. (Docker keeps its own handles under
`/var/run/docker/netns`, which `ip netns` does not read.)"""),
        md("nslab finds hidden namespaces through their processes and draws them as dashed "
           "*hidden* boxes:"),
        code("lab.show()"),
        md("`ip netns attach NAME PID` gives such a namespace a name, and then `ip netns` "
           "can see it (`lab.reveal`):"),
        code('lab.reveal("web")\nlab.exec(None, "ip netns list")'),
        code('lab.exec("web", "ip -br a")'),
        predict("does deleting the name `web` stop the container? And what does stopping the "
                "container do to its namespace and to `veth-web` in docker-host?"),
        code('lab.delete_netns("web")\nlab.stop_container("web")\nlab.show()'),
        answer("""
Deleting the name only removes the file under `/run/netns`; the container keeps running.
Stopping the container ends its last process, so the kernel destroys its namespace and
`eth0` with it; a veth pair cannot live with one end, so its peer `veth-web` disappears
from docker-host too. The kernel does this asynchronously, and nslab waits for it before
it shows the state."""),
        code('lab.exec("docker-host", "ip -br link")'),
        happened("docker-host keeps `lo` and `docker0`; `veth-web` is gone. `docker0` is "
                 "set up (`UP` in its flags) but shows `NO-CARRIER` and `DOWN`: a bridge has "
                 "carrier only while at least one of its ports is up and forwarding, and it "
                 "has none left."),
        step("S8"),
        predict("which names will `ip netns list` print now?"),
        # `ip netns list` prints in the order the directory gives (newest first on a fresh
        # /run/netns, the sandbox's; another order on a host with a history): not compared
        do("S8", then='lab.exec(None, "ip netns list")', ignore=True),
        answer("test1, test2 and the lab's docker-host (on a shared machine, also any other "
               "named namespaces that exist there)."),
        code("lab.show()"),
        step("S9"),
        predict("what will a brand-new namespace contain?"),
        look("S9"),
        answer("Only `lo`, with no address and `state DOWN`: not even 127.0.0.1 until `lo` "
               "is up."),
        field("qdisc noop", "a link that has never been set up has the `noop` queueing "
              "discipline: it drops every packet. Once up, it gets a real one (`noqueue` for "
              "`lo` and veth)."),
        step("S10"),
        predict("the host's `lo` is up and works. Which state will `ip link` print for it: "
                "UP, or something else?"),
        look("S10", 0, ignore=HOST),
        answer("`state UNKNOWN` (the rest of the host's list differs from machine to "
               "machine; in the rootless sandbox kernel the host has only `lo`). The file the "
               "kernel exposes says the same:"),
        code('lab.exec(None, "cat /sys/class/net/lo/operstate")'),
        look("S10", 1),
        happened("test1 sees only its own `lo`: a namespace starts with nothing of the "
                 "host's."),
        step("S11"),
        predict("after `up`, what state will `ip link` print for test1's `lo`: UP, DOWN or "
                "something else?"),
        do("S11", then='lab.exec("test1", "ip link")'),
        answer("""
`state UNKNOWN`, the same as the host's `lo` in S10. The article explains it like this:

> 端口如果要 UP 起来是需要两端是连起来的 …… 单个端口是无法 UP 起来的，必须是一对

("for a port to come UP its two ends must be connected … a single port cannot come UP, it
must be a pair"). That is not the reason. `UNKNOWN` is the kernel's operational state for a
driver that reports none: the loopback driver has no carrier to detect (see the kernel's
[operstates documentation](https://docs.kernel.org/networking/operstates.html)). The flags
say it all: `UP` is the admin flag you just set, `LOWER_UP` means the link has carrier. An
admin-down link is always `DOWN`. `lo` is up and works; the proof:"""),
        code('lab.ping("test1", "127.0.0.1")'),
        code("lab.show()"),
        happened("`lo` went from DOWN to UNKNOWN (amber in the drawing), and the kernel gave "
                 "it 127.0.0.1/8 and ::1 the moment it came up."),
        md("## Clean up"),
        code("lab.reset()"),
        *closing([
            "`ip netns add NAME` creates a namespace and pins it with a file under "
            "/run/netns; `ip netns list` lists only those names.",
            "A container's namespace has no name: it lives while its process does, and "
            "`ip netns attach` can name it.",
            "A new namespace has only `lo`, DOWN, with no address.",
            "`state UNKNOWN` on `lo` is normal: the driver reports no operational state. "
            "`UP` in the flags is the admin state, `LOWER_UP` the carrier.",
        ], [
            ("Why does `ip netns list` not show a Docker container?",
             "Its namespace has no name under /run/netns; it is held by the container's "
             "process."),
            ("After `ip link set dev lo up`, `lo` says `state UNKNOWN`. Is it broken?",
             "No: loopback reports no operational state; `ping 127.0.0.1` works."),
            ("Which word in `<LOOPBACK,UP,LOWER_UP>` did `ip link set ... up` change?",
             "`UP` (the admin flag); `LOWER_UP` follows from the driver's carrier."),
            ("What keeps a named namespace alive with no process in it?",
             "The bind mount under /run/netns (removed by `ip netns delete`)."),
        ], "Next: [03-veth-pair](03-veth-pair.ipynb) connects test1 and test2 with a "
           "virtual cable."),
    ]

def nb03() -> list[nbformat.NotebookNode]:
    return [
        *intro("03 · A veth pair joins two namespaces", [
            "create a veth pair, a virtual cable with two ends (S12)",
            "move each end into its namespace (S13, S14)",
            "give the ends addresses, bring them up one at a time, and ping across "
            "(S15-S19)",
            "follow the first packet: route, ARP, veth, peer",
        ], "`02-ip-netns`. Root or the nslab sandbox kernel."),
        code('from nslab import Lab\nfrom nslab.tutorial import VETH, Tutorial\n'
             'from nslab.widgets import Stepper\n\nlab = Lab("03-veth-pair")\nlab.reset()'),
        md("First the two namespaces of step S8, with `lo` up (S11):"),
        code('lab.add_netns("test1")\nlab.add_netns("test2")\n'
             'lab.set_up("test1", "lo")\nlab.set_up("test2", "lo")\nlab.show()'),
        code("Stepper(Tutorial(lab, VETH))", ignore=WIDGET),
        step("S12", "(nslab writes `ip link add name veth-test1 ...`: the same command, in "
             "the form that works for every interface name.)"),
        predict("where will the two new ends be, and in which state?"),
        do("S12", then=look_src(*ARTICLE["S12"].show[0])),
        look("S12", 1),
        answer("Both in the host, `state DOWN`, each with a MAC and no IP."),
        field("veth-test2@veth-test1, M-DOWN",
              "while both ends are in the same namespace, `ip` names the peer after the `@`. "
              "`M-DOWN` says the peer (the link below, for `ip`) is down. See "
              "[veth(4)](https://man7.org/linux/man-pages/man4/veth.4.html)."),
        code("lab.show()"),
        step("S13"),
        predict("after the move, where will `ip link` show veth-test1: in the host, in test1, "
                "or in both?"),
        do("S13", then=look_src(*ARTICLE["S13"].show[0])),
        code('lab.exec(None, "ip link show dev veth-test2")'),
        answer("Only in test1: a link lives in exactly one namespace. The host still holds "
               "veth-test2, whose peer is now in test1."),
        field("@ifN, link-netnsid, link-netns",
              "once the peer is in another namespace, `ip` cannot look up its name and prints "
              "its index: `veth-test1@ifN`. `link-netnsid 0` (in test1) says the peer is in "
              "the namespace test1 knows as id 0, the host, which has no name; the host, "
              "which knows test1 by name, prints `link-netns test1`. `M-DOWN` is gone: "
              "`ip` no longer sees the peer's state."),
        code("lab.show()"),
        step("S14"),
        predict("after this move, what will veth-test2 print after `link-netns`?"),
        do("S14", then=look_src(*ARTICLE["S14"].show[0])),
        answer("`link-netns test1`: its peer is in test1, and test2 knows test1 by name."),
        code("lab.show()"),
        happened("the host no longer has either end; the cable now joins test1 and test2 "
                 "(`link-netns test1` on veth-test2)."),
        step("S15"),
        predict("will adding the addresses print anything, or change the links' state?"),
        do("S15"),
        answer("No output, and no state change: the links stay DOWN (S16 shows it)."),
        md("""
An address needs its prefix length. Without one, `ip addr add 192.168.1.1 dev veth-test1`
would add 192.168.1.1/32: an address alone on its link, with no route to 192.168.1.2. nslab
refuses it and changes nothing (the cell raises on purpose):
"""),
        code('lab.add_addr("test1", "veth-test1", "192.168.1.1")', raises=True),
        md("A wrong address is taken off with `lab.del_addr` (`ip addr del`). Add one by "
           "mistake and remove it:"),
        code('lab.add_addr("test2", "veth-test2", "192.168.1.20/24")\n'
             'lab.del_addr("test2", "veth-test2", "192.168.1.20/24")\n'
             'lab.exec("test2", "ip -br a")'),
        step("S16"),
        predict("with addresses on both ends, are the links UP now? And does `ip link` show "
                "the addresses?"),
        look("S16", 0),
        look("S16", 1),
        answer("Still DOWN: an address does not bring a link up. And `ip link` shows links "
               "only; addresses are in `ip addr` (`ip a`). The drawing marks addresses on "
               "DOWN links as a mistake:"),
        code("lab.show()"),
        step("S17", "The article's sentence from S11, \"单个端口是无法 UP 起来的，必须是一对\" "
             "(a single port cannot come UP, it must be a pair), is true of a veth pair, not "
             "of `lo`, which has no pair. Bring up **one** end first."),
        predict("veth-test1 up, veth-test2 still down: what will `ip link` say for "
                "veth-test1?"),
        do("S17", 0, then=look_src(*ARTICLE["S17"].show[0])),
        answer("`NO-CARRIER` in the flags and `state LOWERLAYERDOWN`: the admin flag `UP` is "
               "set, but a veth end has carrier only while its peer is up."),
        field("NO-CARRIER, LOWERLAYERDOWN, linkdown",
              "`NO-CARRIER` (the opposite of `LOWER_UP`): no signal on the cable. "
              "`LOWERLAYERDOWN`: the kernel's operational state for a device whose lower "
              "layer (for veth, the peer) is down. The route the address brought is marked "
              "`linkdown` too:"),
        code('lab.exec("test1", "ip route")'),
        field("proto kernel scope link",
              "the kernel (`proto kernel`) added this route itself when the link with this "
              "address was set up (a link that is down has none): "
              "192.168.1.0/24 is reachable directly on the link (`scope link`), with "
              "192.168.1.1 as the source (`src`)."),
        predict("now veth-test2 up as well: what happens to both ends?"),
        do("S17", 1, then=look_src(*ARTICLE["S17"].show[0])),
        answer("Both ends have carrier: `LOWER_UP` and `state UP`."),
        step("S18"),
        predict("besides 192.168.1.1/24, which other address will `ip a` show on veth-test1?"),
        look("S18", 0),
        answer("An IPv6 link-local address, `inet6 fe80::.../64 scope link`, which the kernel "
               "added by itself when the link came up."),
        look("S18", 1),
        field("inet6 fe80::, tentative",
              "the kernel gives every Ethernet-like link an IPv6 link-local address "
              "(fe80::/64, made from the MAC) as it comes up. `tentative` (if you see it) "
              "means duplicate address detection has not finished yet."),
        code("lab.show()"),
        step("S19"),
        predict("the very first packet of the first ping: is it an ICMP echo request?"),
        code('with lab.capture("test1", "veth-test1", filter="arp or icmp") as cap:\n'
             '    lab.ping("test1", "192.168.1.2")\ncap'),
        answer("No: test1 knows 192.168.1.2 is on its subnet, but not which MAC address has "
               "it. So it first broadcasts an **ARP** *who-has*; test2 answers *is-at* with "
               "the MAC address of its veth-test2 (row 2); only then does the ICMP echo "
               "request go out, and the reply comes back:"),
        code("cap.sequence()"),
        look("S19", 0),
        look("S19", 1),
        md("""
## The path of one packet

`ip neigh` shows what ARP learned: behind 192.168.1.2, the MAC address of the *is-at*
reply above (veth-test2's `link/ether`). (Its last word,
`REACHABLE`, `STALE` or `DELAY`, is the entry's age and depends on timing, so this output is
not compared.)
"""),
        code('lab.exec("test1", "ip neigh")', ignore=True),
        md("""
```
ping in test1 ──> socket ──> route: 192.168.1.0/24 dev veth-test1 (no gateway: on the link)
   ──> ARP: who has 192.168.1.2? ──> neighbour table: MAC of veth-test2
   ──> veth-test1 ══ the cable ══> veth-test2 in test2 ──> test2 answers
```
"""),
        md("""
## The questions the article ends on

1. **How does Docker connect two containers?** Not with one veth pair per pair of
   containers, but with a *bridge* (`docker0`) and one veth per container:
   [04-bridge](04-bridge.ipynb).
2. **How does a container reach the outside world?** A default route, IP forwarding and
   NAT (MASQUERADE); and `-p 8080:80` is a DNAT rule: [05-nat-and-ports](05-nat-and-ports.ipynb).

The whole lab as `ip` commands, a script that rebuilds it on a clean machine:
"""),
        code("print(lab.transcript.script())"),
        md("## Clean up"),
        code("lab.reset()"),
        *closing([
            "A veth pair is a virtual cable; each end lives in exactly one namespace.",
            "An address does not bring a link up, and `ip link` does not show addresses.",
            "One veth end up alone shows `NO-CARRIER` / `state LOWERLAYERDOWN`; with both "
            "ends up, `state UP`.",
            "The first ping starts with ARP: route → ARP → veth → peer.",
        ], [
            ("After S13, why does test1 print `veth-test1@ifN ... link-netnsid 0` instead of "
             "`@veth-test2`?",
             "The peer is in another namespace (the host, id 0 as test1 knows it), so `ip` "
             "only knows its index."),
            ("You bring up veth-test1 only. What state does it show, and why?",
             "`state LOWERLAYERDOWN` with `NO-CARRIER`: its peer is down, so it has no "
             "carrier."),
            ("Why does `ip addr add 192.168.1.1 dev veth-test1` (no prefix) break the ping?",
             "It means 192.168.1.1/32: no connected route to 192.168.1.2."),
            ("What is the first packet on the wire when test1 pings test2 for the first time?",
             "An ARP who-has broadcast for 192.168.1.2."),
            ("Is the article right that a single port cannot come UP?",
             "For a veth end, yes: it needs its peer up. For `lo`, no: it has no pair, and "
             "its UNKNOWN state is normal."),
        ], "Next: [04-bridge](04-bridge.ipynb)."),
    ]

def nb04() -> list[nbformat.NotebookNode]:
    return [
        *intro("04 · How Docker connects containers: a bridge", [
            "run three containers on one `docker0` bridge, as Docker does",
            "watch the bridge flood an unknown destination and learn MAC addresses",
            "unplug one port and watch the ping fail; plug it back",
            "compare with what a real Docker host shows",
        ], "`03-veth-pair`. Root or the nslab sandbox kernel."),
        md("""
The article ends by asking how Docker connects two containers (Q1). A veth pair joins
exactly two namespaces; with ten containers you would need 45 pairs. Docker instead
creates one **bridge**, `docker0`, a virtual switch, and plugs every container into it
with one veth pair each: `eth0` inside the container, `vethXXXX` on the bridge. See
[bridge(8)](https://man7.org/linux/man-pages/man8/bridge.8.html).
"""),
        code('from nslab import Lab\n\nlab = Lab("04-bridge")\nlab.reset()'),
        code('[lab.run_container(name) for name in ("web", "db", "app")]'),
        code("lab.show()"),
        md("## The bridge's ports\n\n`bridge link` lists the interfaces plugged into a "
           "bridge, and their state (*forwarding* means the port passes frames):"),
        code('lab.exec("docker-host", "bridge link")'),
        field("master docker0",
              "`master docker0`: the port is enslaved to the bridge. An interface on a "
              "bridge carries frames without an IP address of its own; the bridge itself "
              "(`docker0`) holds 172.17.0.1. Do not read `veth-web@docker0` the same way: "
              "after the `@`, `bridge link` prints the index of the veth's peer (2, `eth0` in "
              "the container) as a name looked up in docker-host, where index 2 happens to "
              "be `docker0`. `ip link` names the peer correctly, `@if2`:"),
        code('lab.exec("docker-host", "ip -br link")'),
        md("## Flooding and learning\n\nA switch learns which MAC address lives behind which "
           "port from the frames it sees. Nothing has crossed the bridge yet:"),
        code('lab.fdb("docker-host", "docker0")'),
        predict("web pings db. The bridge does not yet know where db's MAC is. Will app, the "
                "third container, see any of web's packets?"),
        code('with lab.capture("@app", "eth0", filter="arp or icmp") as cap:\n'
             '    lab.ping("@web", "172.17.0.3")\ncap'),
        answer("""
Only the ARP *who-has*: it is a broadcast, so the bridge **floods** it out of every port,
app's included. db's reply and the echo request and reply are sent to one MAC each; by then
the bridge has **learned** which port each MAC is behind and sends them only there."""),
        code('lab.fdb("docker-host", "docker0")'),
        happened("the MAC table now holds the two MACs the bridge saw, each behind its port "
                 "(nslab names each MAC's owner); app's is not there: app sent nothing."),
        md("""
## What `docker network inspect bridge` would show

The same facts, in Docker's format (`lab.network_inspect()` builds it from the kernel):
"""),
        code("lab.network_inspect()"),
        md("## Unplug a port"),
        predict("if `veth-app` is taken off the bridge (`ip link set dev veth-app nomaster`), "
                "can web still reach app at 172.17.0.4?"),
        code('lab.set_master("docker-host", "veth-app", None)\n'
             'lab.ping("@web", "172.17.0.4", timeout=4)'),
        answer("No: the cable to app still exists, but it no longer ends in the switch, so "
               "web's ARP request never reaches app. (ARP asks three times, a second apart, "
               "then gives up: hence the 4 s wait.) The drawing shows the loose port: no "
               "line joins `veth-app` to `docker0` any more."),
        code("lab.show()"),
        code('lab.set_master("docker-host", "veth-app", "docker0")\n'
             'lab.ping("@web", "172.17.0.4")'),
        happened("plugged back (`master docker0`), app answers again."),
        md("""
## On a real Docker host

Run `ip link` on a machine with Docker and three containers, and you see the same shape,
one level up: `docker0` and three `vethXXXX@ifN ... master docker0 ... link-netnsid N`
lines in the **host's** own list (each peer is a container's `eth0`, in a namespace the
host knows by id), while here they are in `docker-host`. `bridge link` and
`bridge fdb show br docker0` work the same there.
"""),
        md("## Clean up"),
        code("lab.reset()"),
        *closing([
            "Docker joins containers with one bridge and one veth pair per container.",
            "A bridge floods broadcasts (and frames to unknown MACs) out of every port, and "
            "learns which MAC is behind which port.",
            "A port off the bridge (`nomaster`) is a cable that ends nowhere.",
        ], [
            ("Why does Docker not use one veth pair between every two containers?",
             "n containers would need n(n-1)/2 pairs; a bridge needs n."),
            ("Which of web's packets reached app, and why?",
             "Only the ARP who-has, a broadcast the bridge floods to every port."),
            ("Where does the bridge learn that db's MAC is behind `veth-db`?",
             "From the source MAC of db's frames (its ARP reply) arriving on that port."),
            ("Does a bridge port need an IP address?",
             "No: it carries Ethernet frames; the bridge itself holds the gateway address."),
        ], "Next: [05-nat-and-ports](05-nat-and-ports.ipynb)."),
    ]


def nb05() -> list[nbformat.NotebookNode]:
    return [
        *intro("05 · How a container reaches the outside: routes, NAT, ports", [
            "build a small \"internet\" namespace with a web server on 203.0.113.10",
            "find out why a container cannot reach it, and fix it step by step: "
            "forwarding, a route, then MASQUERADE",
            "prove with a capture where the packets go, and see the address rewrite",
            "publish a container's port like `docker run -p 8080:80` (DNAT)",
        ], "`04-bridge`. Root or the nslab sandbox kernel."),
        md("""
Everything happens inside the lab's own namespaces: the "internet" is a namespace too,
on a documentation address range (203.0.113.0/24), and the NAT rules live in the
`docker-host` namespace. Your real host's routes, sysctls and firewall are never touched.
"""),
        code('from nslab import Lab\n\nlab = Lab("05-nat")\nlab.reset()'),
        code('lab.run_container("app")'),
        md("The container already has a default route via docker0 (172.17.0.1), as Docker "
           "sets it. Now an uplink from docker-host to the internet:"),
        code('lab.add_netns("internet")\nlab.set_up("internet", "lo")'),
        code('lab.add_veth("uplink", "isp", ns="docker-host", peer_ns="internet")'),
        code('lab.add_addr("docker-host", "uplink", "203.0.113.1/24")\n'
             'lab.add_addr("internet", "isp", "203.0.113.10/24")'),
        code('lab.set_up("docker-host", "uplink")\nlab.set_up("internet", "isp")'),
        code('lab.serve_http("internet", 80)'),
        code("lab.show()"),
        predict("the container has a route to everywhere (default via 172.17.0.1). Will "
                "`GET http://203.0.113.10/` from the container work?"),
        code('lab.fetch("@app", "http://203.0.113.10/")'),
        answer("""
It times out. docker-host receives the packet on docker0, but a Linux namespace does not
pass packets from one interface to another unless **IP forwarding** is on (the sysctl
`net.ipv4.ip_forward`, per namespace):"""),
        code('lab.forwarding("docker-host")'),
        predict("turn forwarding on. Does the fetch work now?"),
        code('lab.set_forwarding("docker-host", True)\n'
             'lab.fetch("@app", "http://203.0.113.10/")'),
        answer("Still no. Capture on the internet's side to see why:"),
        code('syn = "tcp[tcpflags] & tcp-syn != 0"\n'
             'with lab.capture("internet", "isp", filter=syn) as outside:\n'
             '    lab.fetch("@app", "http://203.0.113.10/")\noutside', ignore=True),
        happened("""
the SYN now arrives in the internet, with the source address 172.17.0.2, and gets no
SYN-ACK back: the internet has no route to 172.17.0.0/16, so it cannot answer, and the
client sends the SYN again (the retries and their times vary, so this output is not
compared). Forwarding works; the way back is missing."""),
        md("""
One fix is a return route in the internet: `ip route add 172.17.0.0/16 via 203.0.113.1`
(`lab.add_route`). It works in this lab, but the real internet will never route a private
range back to you:
"""),
        code('lab.add_route("internet", "172.17.0.0/16", via="203.0.113.1")\n'
             'lab.fetch("@app", "http://203.0.113.10/")'),
        md("""
Docker's fix needs no help from the internet: **MASQUERADE**. Packets leaving through the
uplink get the uplink's own address as their source, and replies are translated back. (The
return route is still there but no longer used: the internet now answers 203.0.113.1, an
address on its own link.)
"""),
        code('lab.enable_masquerade("docker-host", "uplink")\n'
             'lab.fetch("@app", "http://203.0.113.10/")'),
        md("The web server lists the addresses its requests came from: first 172.17.0.2 "
           "(through the return route), then docker-host's uplink address (masqueraded):"),
        code('lab.http_server("internet", 80).clients()'),
        md("## The rewrite, packet by packet\n\nCapture the TCP handshake on both sides "
           "of docker-host at once:"),
        code('with lab.capture("docker-host", "docker0", filter=syn) as inside, '
             'lab.capture("internet", "isp", filter=syn) as outside:\n'
             '    lab.fetch("@app", "http://203.0.113.10/")'),
        code("inside"),
        code("outside"),
        md("""
Inside, the container talks as 172.17.0.2; outside, the same connection comes from
203.0.113.1. This is the path through docker-host's netfilter hooks (see
[nft(8)](https://man7.org/linux/man-pages/man8/nft.8.html)):

```
docker0 ──> PREROUTING (dnat: -p rules) ──> routing decision ──> FORWARD
        ──> POSTROUTING (srcnat: masquerade on uplink) ──> uplink ──> internet
```

The NAT rule and forwarding show on docker-host:
"""),
        code("lab.show()"),
        md("""
## Publishing a port: `docker run -p 8080:80`

Now the other way round: a web server in the container, reachable from the internet
through port 8080 of docker-host. Docker adds a **DNAT** rule: connections to port 8080
get the container's address and port 80 as their destination.
"""),
        code('lab.serve_http("@app", 80)'),
        code('lab.publish_port("docker-host", 8080, "172.17.0.2", 80)\n'
             'lab.fetch("internet", "http://203.0.113.1:8080/")'),
        code('lab.http_server("@app", 80).clients()'),
        happened("app's server sees the internet's own address, 203.0.113.10: DNAT "
                 "rewrote only the destination, and the masquerade rule does not apply, "
                 "because the request leaves docker-host through `docker0`, not `uplink`."),
        md("Publishing the same port twice is refused, and changes nothing (the cell raises "
           "on purpose):"),
        code('lab.publish_port("docker-host", 8080, "172.17.0.2", 80)', raises=True),
        md("""
## On a real Docker host

Docker writes the same two rules with iptables, in the host's own namespace.
`iptables -t nat -S` shows, among others:

```
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
```

The lab writes them with nft, inside `docker-host` (the commands are in the script below).
Docker keeps a handle on each container's namespace under `/var/run/docker/netns`;
`nsenter --net=/var/run/docker/netns/ID ip a` or `nsenter -t PID -n ip a` enters one.

In the *nslab sandbox* kernel (no root), the "host" is itself a fresh namespace made by
`unshare`: its `ip link` shows only `lo`, and everything above works the same.
"""),
        md("Every command of this notebook, as a script:"),
        code("print(lab.transcript.script())"),
        md("## Clean up"),
        code("lab.reset()"),
        *closing([
            "A namespace forwards between its interfaces only with `ip_forward` on.",
            "Forwarding alone is not enough: the reply needs a way back; a capture shows "
            "the SYN arriving with a private source and no answer.",
            "MASQUERADE (POSTROUTING) rewrites the source to the uplink's address; DNAT "
            "(PREROUTING) rewrites the destination for a published port.",
            "Docker does the same with iptables in the host; the lab does it with nft in "
            "docker-host.",
        ], [
            ("Forwarding is on but the fetch still fails. What does a capture in the "
             "internet show?",
             "SYNs from 172.17.0.2 and no SYN-ACK: the internet has no route back."),
            ("Which address does the internet's web server see after MASQUERADE?",
             "203.0.113.1, docker-host's uplink address."),
            ("In which hook does `-p 8080:80` (DNAT) act, and in which MASQUERADE?",
             "DNAT in PREROUTING, MASQUERADE in POSTROUTING."),
            ("Why is a return route not Docker's answer?",
             "Nobody on the real internet routes a private range like 172.17.0.0/16 back "
             "to your host."),
        ], "Next: the classroom exercises in [exercises/](exercises/)."),
    ]


BOOKS = {
    "00": ("00-start-here.ipynb", nb00),
    "01": ("01-containers-have-their-own-network.ipynb", nb01),
    "02": ("02-ip-netns.ipynb", nb02),
    "03": ("03-veth-pair.ipynb", nb03),
    "04": ("04-bridge.ipynb", nb04),
    "05": ("05-nat-and-ports.ipynb", nb05),
}


def notebook(key: str) -> nbformat.NotebookNode:
    """The notebook `key` ("03") as this source writes it, without outputs."""
    nb = new_notebook(cells=BOOKS[key][1]())
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    return nb


def sources(nb: nbformat.NotebookNode) -> list[tuple[str, str, list[str]]]:
    """What the committed notebooks must match: each cell's type, source and tags."""
    return [(c.cell_type, c.source, sorted(c.metadata.get("tags", []))) for c in nb.cells]


def stale() -> list[str]:
    """The committed notebooks whose cells differ from what this source writes."""
    return [name for key, (name, _) in sorted(BOOKS.items())
            if not (NOTEBOOKS / name).exists()
            or sources(nbformat.read(NOTEBOOKS / name, as_version=4)) != sources(notebook(key))]


def build(key: str, run: bool) -> Path:
    nb = notebook(key)
    path = NOTEBOOKS / BOOKS[key][0]
    if run:
        NotebookClient(nb, timeout=180, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    nbformat.write(nb, path)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", choices=sorted(BOOKS))
    parser.add_argument("--no-run", action="store_true")
    parser.add_argument("--check", action="store_true",
                        help="only say which committed notebooks differ from this source")
    args = parser.parse_args()
    if args.check:
        names = stale()
        for name in names:
            print(f"notebooks/{name} differs from tools/make_notebooks.py: "
                  "run `make notebooks` (as root) and commit the result")
        return 1 if names else 0
    for key in args.only or sorted(BOOKS):
        print("wrote", build(key, run=not args.no_run).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
