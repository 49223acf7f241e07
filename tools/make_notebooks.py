"""Write the tutorial notebooks 00-03 from this source, then run them for real.

    python tools/make_notebooks.py [--only 03] [--no-run]

The committed notebooks carry the outputs of that real run (nbval compares them).
Edit the text here, not in the .ipynb files, so every notebook keeps one style.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

CREDIT = (
    "*Based on* **网络命名空间** *(\"Network Namespaces\"), a Chinese blog post of 2020-04-20 "
    "in a Docker series; its steps are summarised in English in "
    "[docs/article-steps.md](../docs/article-steps.md), and step ids (S1-S19) refer to it.*"
)


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text.strip("\n"))


def code(src: str, *, ignore: str | None = None, raises: bool = False) -> nbformat.NotebookNode:
    """A code cell; `ignore` = the one-line reason its output is not compared by nbval."""
    src = src.strip("\n")
    if ignore:  # nbval wants the marker alone on its line
        src = f"# NBVAL_IGNORE_OUTPUT\n# (not compared: {ignore})\n{src}"
    cell = new_code_cell(src)
    if raises:
        # the tag is the marker both nbclient (Run All) and nbval honour
        cell.source = "# (this cell shows a mistake on purpose)\n" + src
        cell.metadata["tags"] = ["raises-exception"]
    return cell


def intro(title: str, will: list[str], prereq: str) -> list[nbformat.NotebookNode]:
    bullets = "\n".join(f"- {w}" for w in will)
    return [md(f"# {title}\n\nIn this notebook you will:\n\n{bullets}\n\n"
               f"**Prerequisites:** {prereq}\n\n{CREDIT}")]


def step(sid: str, title: str, command: str, text: str) -> nbformat.NotebookNode:
    return md(f"## {sid} · {title}\n\n{text}\n\nThe article runs:\n\n```bash\n{command}\n```")


def predict(question: str) -> nbformat.NotebookNode:
    return md(f"> **Predict, then run:** {question}")


WIDGET = "a live widget: its view is state, not a regression output"
HOST = "the host's own interfaces differ from machine to machine"


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
"""),
        md("""
## 1. Can this machine run the labs?

`nslab doctor` checks privileges, kernel support and the tools, and prints the fix for
anything missing. (The same check runs from a terminal: `nslab doctor`.)
"""),
        code("from nslab import doctor\n\ndoctor.report()", ignore="depends on the machine"),
        md("""
## 2. How every step works

A `Lab` performs the article's commands through the kernel's netlink API, records the
equivalent `ip` command, and remembers what it created, so `lab.reset()` removes exactly
that and nothing else (even after a crash: `nslab cleanup`).
"""),
        code('from nslab import Lab\n\nlab = Lab("00-start-here")\nlab.reset()'),
        code('lab.add_netns("hello")'),
        md("`lab.exec(ns, command)` runs a real command inside a namespace; this is what the "
           "article's screenshots show:"),
        code('lab.exec("hello", "ip a")'),
        md("A cell that holds just `lab` draws the live topology. Green means UP, grey DOWN, "
           "amber UNKNOWN. `lab.show()` draws it with what changed since the last `show()`:"),
        code("lab.show()"),
        md("Every verb appends its `ip` command to the transcript; "
           "`lab.transcript.script()` is a bash script that rebuilds the lab from nothing:"),
        code("lab.transcript"),
        md("""
Mistakes get a plain message that names the object and the fix, and change nothing.
Try a typo:
"""),
        code('lab.exec("helo", "ip a")', raises=True),
        md("""
## 3. Buttons

Each notebook starts with a **Stepper**: *Run step* performs the next step of the article,
*Back* rebuilds the state before the last step, *Reset* starts over. The cells below it do
the same steps one by one; use either. The **Panel** is a form for every verb:
"""),
        code("from nslab.widgets import Panel\n\nPanel(lab)", ignore=WIDGET),
        md("## Clean up\n\nThe last cell of every notebook removes what the lab created:"),
        code("lab.reset()"),
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
`docker0` bridge (172.17.0.1/16) that lives in a `docker-host` namespace of the lab, never
in your real host. Addresses are handed out like Docker's: 172.17.0.2, .3, ...

*If a real Docker engine is reachable, you can inspect real containers read-only the same
way: `docker inspect -f '{{.State.Pid}}' test1` gives a PID, and
`nsenter -t PID -n ip a` shows its namespace.*
"""),
        code('from nslab import Lab\nfrom nslab.tutorial import CONTAINERS, Tutorial\n'
             'from nslab.widgets import Stepper\n\nlab = Lab("01-containers")\nlab.reset()'),
        code("Stepper(Tutorial(lab, CONTAINERS))", ignore=WIDGET),
        step("S1", "Run a long-lived container",
             'docker run -d --name test1 busybox /bin/sh -c "while true; do sleep 3600; done"',
             "A container is just a process with its own namespaces."),
        code('lab.run_container("test1")'),
        code("lab.show()"),
        step("S2", "Look inside the container", "docker exec -it test1 /bin/sh\nip a",
             "Inside the container there are two interfaces: `lo` and `eth0@ifN`, with a MAC "
             "and the address 172.17.0.2/16. (The article prints 127.17.0.2: a typo, since "
             "127.x is loopback.) `@ifN` is the index of eth0's peer, the host-side end of "
             "its veth pair."),
        code('lab.container_exec("test1", "ip a")'),
        step("S3", "Compare with the host", "exit\nip a",
             "Back on the host, `ip a` shows completely different interfaces: the host cannot "
             "see eth0 of test1, and test1 cannot see the host's. They are isolated."),
        code('lab.exec(None, "ip -br link")', ignore=HOST),
        step("S4", "A second container",
             'docker run -d --name test2 busybox /bin/sh -c "while true; do sleep 3600; done"'
             "\ndocker exec test2 ip a",
             "test2 gets the next free address, 172.17.0.3."),
        code('lab.run_container("test2")'),
        code('lab.container_exec("test2", "ip a")'),
        code("lab.show()"),
        step("S5", "The containers can talk", "docker exec test1 ping 172.17.0.3",
             "Both containers hang off the same bridge, so test1 reaches test2. (The article "
             "writes 127.0.0.3: the same typo.)"),
        code('lab.ping("@test1", "172.17.0.3")'),
        code('lab.container_exec("test1", "ping -c 1 172.17.0.3")'),
        md("""
**What you saw.** Each container has its own network namespace: its own interfaces,
addresses and routes. Two namespaces can still talk when something connects them. The
next notebooks build that connection by hand, with `ip netns` and a veth pair.
"""),
        code("lab.reset()"),
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
        step("S6", "Add, list and delete a namespace",
             "ip netns add test1\nip netns list\nip netns delete test1",
             "`ip netns add` creates a named network namespace: a file under `/run/netns` "
             "that keeps the namespace alive even with no process inside."),
        code('lab.add_netns("test1")\nlab.exec(None, "ip netns list")'),
        code('lab.delete_netns("test1")\nlab.exec(None, "ip netns list")'),
        step("S7", "Docker's namespaces are hidden", "ip netns list",
             "Start a container and list the namespaces again."),
        predict("will `ip netns list` show the container's namespace?"),
        code('lab.run_container("web")\nlab.exec(None, "ip netns list")'),
        md("""
Nothing. `ip netns list` only lists the names under `/run/netns`; Docker creates its
namespaces without a name. They exist as long as a process lives in them, and are found
through `/proc/PID/ns/net`. nslab finds them that way and draws them as dashed *hidden*
boxes:
"""),
        code("lab.show()"),
        md("`ip netns attach NAME PID` gives such a namespace a name, and then `ip netns` "
           "can see it (`lab.reveal`):"),
        code('lab.reveal("web")\nlab.exec(None, "ip netns list")'),
        code('lab.exec("web", "ip -br a")'),
        md("Removing the name does not stop the container; stopping the container ends its "
           "namespace:"),
        code('lab.delete_netns("web")\nlab.stop_container("web")\nlab.show()'),
        step("S8", "Two namespaces", "ip netns add test1\nip netns add test2",
             "The rest of the article uses these two namespaces."),
        code('lab.add_netns("test1")\nlab.add_netns("test2")\nlab.exec(None, "ip netns list")'),
        code("lab.show()"),
        step("S9", "Inside a new namespace", "ip netns exec test1 ip a",
             "A new namespace has only the loopback interface, with no address, DOWN."),
        code('lab.exec("test1", "ip a")'),
        step("S10", "Host links vs namespace links", "ip link\nip netns exec test1 ip link",
             "The host has many links; test1 has only `lo`."),
        code('lab.exec(None, "ip link")', ignore=HOST),
        code('lab.exec("test1", "ip link")'),
        step("S11", "Bring lo up", "ip netns exec test1 ip link set dev lo up",
             "Set the loopback interface up."),
        predict("after `up`, what state will `ip link` print for `lo`: UP, DOWN or "
                "something else?"),
        code('lab.set_up("test1", "lo")\nlab.exec("test1", "ip link")'),
        md("""
**UNKNOWN, not UP.** The article explains this as "a port needs a peer to come up"; that
is not the reason. The loopback driver simply reports no operational state, so `ip`
prints UNKNOWN. `lo` is up and works; the `UP` inside `<LOOPBACK,UP,LOWER_UP>` is the
admin flag. Proof:
"""),
        code('lab.ping("test1", "127.0.0.1")'),
        code("lab.show()"),
        md("Next: `03-veth-pair` connects test1 and test2 with a virtual cable."),
        code("lab.reset()"),
    ]


def nb03() -> list[nbformat.NotebookNode]:
    return [
        *intro("03 · A veth pair joins two namespaces", [
            "create a veth pair, a virtual cable with two ends (S12)",
            "move each end into its namespace (S13, S14)",
            "give the ends addresses, bring them up, and ping across (S15-S19)",
        ], "`02-ip-netns`. Root or the nslab sandbox kernel."),
        code('from nslab import Lab\nfrom nslab.tutorial import VETH, Tutorial\n'
             'from nslab.widgets import Stepper\n\nlab = Lab("03-veth-pair")\nlab.reset()'),
        md("First the two namespaces of step S8, with `lo` up (S11):"),
        code('lab.add_netns("test1")\nlab.add_netns("test2")\n'
             'lab.set_up("test1", "lo")\nlab.set_up("test2", "lo")\nlab.show()'),
        code('tutorial = Tutorial(lab, VETH)\ntutorial.done += ["S8"]\nStepper(tutorial)',
             ignore=WIDGET),
        step("S12", "Create a veth pair",
             "ip link add veth-test1 type veth peer name veth-test2",
             "A veth pair is a virtual Ethernet cable: a packet sent into one end comes out of "
             "the other. Both ends are created in the host namespace, DOWN, with MACs and no "
             "IP. (nslab writes `ip link add name veth-test1 ...`: the same command, in the "
             "form that works for every interface name.)"),
        code('lab.add_veth("veth-test1", "veth-test2")\nlab.exec(None, "ip link show type veth")'),
        code("lab.show()"),
        step("S13", "Move one end into test1", "ip link set veth-test1 netns test1",
             "Move veth-test1 into the namespace test1."),
        predict("after the move, where will `ip link` show veth-test1: in the host, in test1, "
                "or in both?"),
        code('lab.move("veth-test1", "test1")\nlab.exec("test1", "ip link")'),
        code('lab.exec(None, "ip link show type veth")'),
        md("Only in test1: an interface lives in exactly one namespace. In the host only "
           "veth-test2 is left. The drawing shows the cable crossing namespaces:"),
        code("lab.show()"),
        step("S14", "Move the other end into test2", "ip link set veth-test2 netns test2",
             "Likewise for veth-test2."),
        code('lab.move("veth-test2", "test2")\nlab.exec("test2", "ip link")'),
        code("lab.show()"),
        step("S15", "Give each end an address",
             "ip netns exec test1 ip addr add 192.168.1.1/24 dev veth-test1\n"
             "ip netns exec test2 ip addr add 192.168.1.2/24 dev veth-test2",
             "Both ends get an address in the same /24 subnet."),
        code('lab.add_addr("test1", "veth-test1", "192.168.1.1/24")\n'
             'lab.add_addr("test2", "veth-test2", "192.168.1.2/24")'),
        md("An address needs its prefix length; without it nslab says so and changes "
           "nothing:"),
        code('lab.add_addr("test1", "veth-test1", "192.168.1.1")', raises=True),
        step("S16", "Still DOWN", "ip netns exec test1 ip link\nip netns exec test2 ip link",
             "Look at the links again."),
        predict("with addresses on both ends, are the links UP now? And does `ip link` show "
                "the addresses?"),
        code('lab.exec("test1", "ip link")'),
        code('lab.exec("test2", "ip link")'),
        md("Still DOWN: an address does not bring a link up. And `ip link` shows links "
           "only; addresses are in `ip addr` (`ip a`). The drawing flags addresses on DOWN "
           "links in red:"),
        code("lab.show()"),
        step("S17", "Bring both ends up",
             "ip netns exec test1 ip link set dev veth-test1 up\n"
             "ip netns exec test2 ip link set dev veth-test2 up",
             "Set both ends up. A veth end has carrier only while its peer is up too."),
        code('lab.set_up("test1", "veth-test1")\nlab.set_up("test2", "veth-test2")'),
        step("S18", "Addresses and state UP", "ip netns exec test1 ip a\nip netns exec test2 ip a",
             "Now `ip a` shows the addresses and state UP."),
        code('lab.exec("test1", "ip a")'),
        code('lab.exec("test2", "ip a")'),
        code("lab.show()"),
        step("S19", "Ping across", "ip netns exec test1 ping 192.168.1.2\n"
             "ip netns exec test2 ping 192.168.1.1",
             "Each namespace reaches the other over the cable."),
        predict("the very first packet of the first ping: is it an ICMP echo request?"),
        code('with lab.capture("test1", "veth-test1", filter="arp or icmp") as cap:\n'
             '    lab.ping("test1", "192.168.1.2")\ncap'),
        md("No: test1 knows 192.168.1.2 is on its subnet, but not which MAC address has it. "
           "So it first broadcasts an **ARP** *who-has*; test2 answers *is-at* with its MAC; "
           "only then does the ICMP echo request go out, and the reply comes back:"),
        code("cap.sequence()"),
        code('lab.ping("test2", "192.168.1.1")'),
        code('lab.exec("test1", "ping -c 2 192.168.1.2")'),
        md("""
## The questions the article ends on

1. **How does Docker connect two containers?** Not with one veth pair per pair of
   containers, but with a *bridge* (`docker0`) and one veth per container:
   [04-bridge](04-bridge.ipynb).
2. **How does a container reach the outside world?** A default route, IP forwarding and
   NAT (MASQUERADE); and `-p 8080:80` is a DNAT rule: [05-nat-and-ports](05-nat-and-ports.ipynb).

The whole lab as `ip` commands, a script that rebuilds it from nothing:
"""),
        code("print(lab.transcript.script())"),
        code("lab.reset()"),
    ]


def nb04() -> list[nbformat.NotebookNode]:
    return [
        *intro("04 · How Docker connects containers: a bridge", [
            "run three containers on one `docker0` bridge, as Docker does",
            "look at the bridge's ports and at the MAC table it learns",
            "unplug one port and watch the ping fail; plug it back",
        ], "`03-veth-pair`. Root or the nslab sandbox kernel."),
        md("""
The article ends by asking how Docker connects two containers (Q1). A veth pair joins
exactly two namespaces; with ten containers you would need 45 pairs. Docker instead
creates one **bridge**, `docker0`, a virtual switch, and plugs every container into it
with one veth pair each: `eth0` inside the container, `vethXXXX` on the bridge.
"""),
        code('from nslab import Lab\n\nlab = Lab("04-bridge")\nlab.reset()'),
        code('[lab.run_container(name) for name in ("web", "db", "app")]'),
        code("lab.show()"),
        md("## The bridge's ports\n\n`bridge link` lists the interfaces plugged into a "
           "bridge, and their state (*forwarding* means the port passes frames):"),
        code('lab.exec("docker-host", "bridge link")'),
        md("## The MAC table\n\nA switch learns which MAC address lives behind which port "
           "from the frames it sees. Nothing has crossed the bridge yet:"),
        code('lab.fdb("docker-host", "docker0")'),
        code('lab.ping("@web", "172.17.0.3")'),
        md("The ARP request from web was flooded to every port; the reply came back from "
           "db. Now the bridge knows where both are (nslab names each MAC's owner):"),
        code('lab.fdb("docker-host", "docker0")'),
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
        md("No: the cable to app still exists, but it no longer ends in the switch, so "
           "web's ARP request never reaches app. (ARP asks three times, a second apart, "
           "then gives up: hence the 4 s wait.) The drawing shows the loose port:"),
        code("lab.show()"),
        code('lab.set_master("docker-host", "veth-app", "docker0")\n'
             'lab.ping("@web", "172.17.0.4")'),
        code("lab.reset()"),
    ]


def nb05() -> list[nbformat.NotebookNode]:
    return [
        *intro("05 · How a container reaches the outside: routes, NAT, ports", [
            "build a small \"internet\" namespace with a web server on 203.0.113.10",
            "find out why a container cannot reach it, and fix it step by step: "
            "forwarding, then MASQUERADE",
            "see the address rewrite in a packet capture",
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
        code('lab.add_netns("internet")\n'
             'lab.add_veth("uplink", "isp", ns="docker-host", peer_ns="internet")'),
        code('lab.add_addr("docker-host", "uplink", "203.0.113.1/24")\n'
             'lab.add_addr("internet", "isp", "203.0.113.10/24")'),
        code('lab.set_up("docker-host", "uplink")\nlab.set_up("internet", "isp")'),
        code('lab.serve_http("internet", 80)'),
        code("lab.show()"),
        predict("the container has a route to everywhere (default via 172.17.0.1). Will "
                "`GET http://203.0.113.10/` from the container work?"),
        code('lab.fetch("@app", "http://203.0.113.10/")'),
        md("""
It times out. docker-host receives the packet on docker0, but a Linux namespace does not
pass packets from one interface to another unless **IP forwarding** is on:
"""),
        code('lab.forwarding("docker-host")'),
        code('lab.set_forwarding("docker-host", True)\n'
             'lab.fetch("@app", "http://203.0.113.10/")'),
        md("""
Still nothing. Now the packet does reach the internet, but with the source address
172.17.0.2, a private address the internet has no route back to. The reply is lost.
Docker solves this with **MASQUERADE**: packets leaving through the uplink get the
uplink's own address as their source, and replies are translated back.
"""),
        code('lab.enable_masquerade("docker-host", "uplink")\n'
             'lab.fetch("@app", "http://203.0.113.10/")'),
        md("The web server saw the request coming from docker-host's uplink address, not "
           "from the container:"),
        code('lab.http_server("internet", 80).clients()'),
        md("## The rewrite, packet by packet\n\nCapture the TCP handshake on both sides "
           "of docker-host at once:"),
        code('syn = "tcp[tcpflags] & tcp-syn != 0"\n'
             'with lab.capture("docker-host", "docker0", filter=syn) as inside, '
             'lab.capture("internet", "isp", filter=syn) as outside:\n'
             '    lab.fetch("@app", "http://203.0.113.10/")'),
        code("inside"),
        code("outside"),
        md("Inside, the container talks as 172.17.0.2; outside, the same connection comes "
           "from 203.0.113.1. The NAT rule and forwarding show on docker-host:"),
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
        md("Publishing the same port twice is refused, and changes nothing:"),
        code('lab.publish_port("docker-host", 8080, "172.17.0.2", 80)', raises=True),
        md("Every command of this notebook, as a script:"),
        code("print(lab.transcript.script())"),
        code("lab.reset()"),
    ]


BOOKS = {
    "00": ("00-start-here.ipynb", nb00),
    "01": ("01-containers-have-their-own-network.ipynb", nb01),
    "02": ("02-ip-netns.ipynb", nb02),
    "03": ("03-veth-pair.ipynb", nb03),
    "04": ("04-bridge.ipynb", nb04),
    "05": ("05-nat-and-ports.ipynb", nb05),
}


def build(key: str, run: bool) -> Path:
    name, cells = BOOKS[key]
    nb = new_notebook(cells=cells())
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    path = NOTEBOOKS / name
    if run:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    nbformat.write(nb, path)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", choices=sorted(BOOKS))
    parser.add_argument("--no-run", action="store_true")
    args = parser.parse_args()
    for key in args.only or sorted(BOOKS):
        print("wrote", build(key, run=not args.no_run).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
