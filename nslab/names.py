"""Validation of namespace names, interface names and addresses (pure, no I/O).

Every refusal names the object and suggests a fix; a suggested address is always one
that check_interface_address itself accepts (see _first_accepted).
"""

from __future__ import annotations

import ipaddress

from .errors import InvalidAddress, InvalidName
from .messages import say

IFNAMSIZ = 16  # the kernel's buffer, so at most 15 bytes of name
MAX_NETNS_NAME = 64  # a file name under /run/netns; kept short enough to read
EXAMPLE_ADDRESS = "192.168.1.1/24"  # the fallback suggestion; accepted (tested)

Interface = ipaddress.IPv4Interface | ipaddress.IPv6Interface

# message keys per problem (listed in full: keys chosen at run time must appear as constants)
_NETNS_KEYS = {
    "empty": "names.netns.empty", "dots": "names.netns.dots", "nul": "names.netns.nul",
    "space": "names.netns.space", "control": "names.netns.control", "dash": "names.netns.dash",
    "slash": "names.netns.slash", "at": "names.netns.at",
}
_IF_KEYS = {
    "empty": "names.if.empty", "dots": "names.if.dots", "nul": "names.if.nul",
    "space": "names.if.space", "control": "names.if.control", "dash": "names.if.dash",
}


def check_netns_name(name: object) -> str:
    """Return `name` if `ip netns add NAME` would accept it, else raise InvalidName."""
    if not isinstance(name, str):
        raise InvalidName(say("names.netns.type", name=name, type=type(name).__name__))
    problem = _common_problem(name)
    if problem is None and "/" in name:
        problem = "slash"
    if problem is None and name.startswith("@"):
        problem = "at"
    if problem is None and len(name.encode()) > MAX_NETNS_NAME:
        raise InvalidName(say("names.netns.long", name=name, limit=MAX_NETNS_NAME))
    if problem:
        raise InvalidName(say(_NETNS_KEYS[problem], name=name))
    return name


def check_ifname(name: object) -> str:
    """Return `name` if the kernel would accept it as an interface name, else raise."""
    if not isinstance(name, str):
        raise InvalidName(say("names.if.type", name=name, type=type(name).__name__))
    problem = _common_problem(name)
    if problem:
        raise InvalidName(say(_IF_KEYS[problem], name=name))
    size = len(name.encode())
    if size >= IFNAMSIZ:
        raise InvalidName(say("names.if.long", name=name, size=size, limit=IFNAMSIZ - 1))
    if name in ("all", "default"):
        raise InvalidName(say("names.if.reserved", name=name))
    bad = sorted({c for c in name if c in "/:"})
    if bad:
        raise InvalidName(say("names.if.chars", name=name, chars=", ".join(map(repr, bad))))
    return name


def _common_problem(name: str) -> str | None:
    """The key suffix of what makes `name` unusable as any name, or None."""
    if name == "":
        return "empty"
    if name in (".", ".."):
        return "dots"
    if "\0" in name:
        return "nul"
    if any(c.isspace() for c in name):
        return "space"
    if not name.isprintable():
        return "control"
    if name.startswith("-"):
        return "dash"
    return None


def _problem(iface: Interface) -> str | None:
    """The message key that refuses `iface` as an interface address, or None if usable."""
    if iface.ip.is_unspecified or iface.ip.is_multicast:
        return "names.addr.unusable"
    net = iface.network
    if iface.version == 4 and net.prefixlen < 31:
        if iface.ip == net.network_address:
            return "names.addr.network"
        if iface.ip == net.broadcast_address:
            return "names.addr.broadcast"
    return None


def _first_accepted(*candidates: str) -> str:
    """The first candidate address this module accepts; the example address if none is.

    A suggestion the library would refuse is a bug, so every suggestion goes through here.
    """
    for text in candidates:
        if _problem(ipaddress.ip_interface(text)) is None:
            return text
    return EXAMPLE_ADDRESS


def check_interface_address(cidr: object) -> Interface:
    """Parse 'ADDR/PREFIX' as an interface address; a bare address is an error with the fix."""
    if not isinstance(cidr, str):
        raise InvalidAddress(say("names.addr.type", cidr=cidr, type=type(cidr).__name__))
    text = cidr.strip()
    if "/" not in text:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            raise InvalidAddress(say("names.addr.not_ip", cidr=cidr)) from None
        if ip.is_unspecified or ip.is_multicast:
            raise InvalidAddress(say("names.addr.unusable", cidr=cidr, fix=EXAMPLE_ADDRESS))
        prefix, host = (24, 32) if ip.version == 4 else (64, 128)
        fix = _first_accepted(f"{ip}/{prefix}", f"{ip}/{host}")
        raise InvalidAddress(say("names.addr.no_prefix", cidr=cidr, host=f"{ip}/{host}",
                                 fix=fix))
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError as exc:
        raise InvalidAddress(say("names.addr.invalid", cidr=cidr, detail=exc)) from None
    problem = _problem(iface)
    if problem == "names.addr.unusable":
        raise InvalidAddress(say(problem, cidr=cidr, fix=EXAMPLE_ADDRESS))
    if problem:
        net = iface.network
        # the first and the last host of the same network; one of them is not multicast
        # unless the whole network is (then the example address)
        fix = _first_accepted(f"{net.network_address + 1}/{net.prefixlen}",
                              f"{net.broadcast_address - 1}/{net.prefixlen}")
        raise InvalidAddress(say(problem, cidr=cidr, network=net, fix=fix))
    return iface


def check_ip(addr: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """Parse a bare IP address (a ping or gateway target)."""
    if not isinstance(addr, str):
        raise InvalidAddress(say("names.ip.type", addr=addr, type=type(addr).__name__))
    text = addr.strip()
    if "/" in text:
        raise InvalidAddress(say("names.ip.prefix", addr=addr, bare=text.split("/", 1)[0]))
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise InvalidAddress(say("names.ip.not_ip", addr=addr)) from None


def check_network(cidr: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Parse a route destination: 'default' or 'NET/PREFIX' with no host bits."""
    if cidr == "default":
        return ipaddress.ip_network("0.0.0.0/0")
    if not isinstance(cidr, str):
        raise InvalidAddress(say("names.net.type", cidr=cidr))
    try:
        return ipaddress.ip_network(cidr.strip(), strict=True)
    except ValueError:
        try:
            loose = ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError:
            raise InvalidAddress(say("names.net.not_net", cidr=cidr)) from None
        raise InvalidAddress(say("names.net.host_bits", cidr=cidr, fix=str(loose))) from None
