"""Smoke test run INSIDE the container (stdin of `python -`): the article's veth experiment,
once with the `ip` CLI and once with nslab.Lab; every object is removed again."""

from __future__ import annotations

import subprocess
import sys


def sh(cmd: str) -> str:
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"`{cmd}` failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


# 1. The plain `ip` commands of the article.
for cmd in [
    "ip netns add ct1",
    "ip netns add ct2",
    "ip link add name veth-ct1 type veth peer name veth-ct2",
    "ip link set veth-ct1 netns ct1",
    "ip link set veth-ct2 netns ct2",
    "ip -n ct1 addr add 192.168.1.1/24 dev veth-ct1",
    "ip -n ct2 addr add 192.168.1.2/24 dev veth-ct2",
    "ip -n ct1 link set veth-ct1 up",
    "ip -n ct2 link set veth-ct2 up",
]:
    sh(cmd)
out = sh("ip netns exec ct1 ping -n -c 2 -W 2 192.168.1.2")
assert " 0% packet loss" in out, out
print("ip CLI: ping 192.168.1.2 from ct1:", out.strip().splitlines()[-2])
sh("ip netns delete ct1 && ip netns delete ct2")

# 2. The same with the library.
from nslab import Lab  # noqa: E402

lab = Lab("container-smoke")
lab.add_netns("test1")
lab.add_netns("test2")
lab.add_veth("veth-test1", "veth-test2")
lab.move("veth-test1", "test1")
lab.move("veth-test2", "test2")
lab.add_addr("test1", "veth-test1", "192.168.1.1/24")
lab.add_addr("test2", "veth-test2", "192.168.1.2/24")
lab.set_up("test1", "veth-test1")
lab.set_up("test2", "veth-test2")
result = lab.ping("test1", "192.168.1.2", count=2)
print("nslab.Lab:", result)
assert result.ok, result
print("transcript:\n" + "\n".join(lab.transcript))
lab.reset()
assert sh("ip netns list").strip() == "", "namespaces left behind"
print("smoke test ok")
