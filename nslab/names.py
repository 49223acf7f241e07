"""Validation of namespace names, interface names and addresses (pure, no I/O)."""

from __future__ import annotations

import ipaddress

from .errors import InvalidAddress, InvalidName

IFNAMSIZ = 16  # the kernel's buffer, so at most 15 bytes of name
MAX_NETNS_NAME = 64  # a file name under /run/netns; kept short enough to read


def check_netns_name(name: object) -> str:
    """Return `name` if `ip netns add NAME` would accept it, else raise InvalidName."""
    if not isinstance(name, str):
        raise InvalidName(
            f"Namespace name {name!r} is a {type(name).__name__}, not a string. "
            "Pass a name such as 'test1'."
        )
    problem = _common_problem(name)
    if problem is None and "/" in name:
        problem = "contains '/' (it becomes a file name under /run/netns)"
    if problem is None and name.startswith("@"):
        problem = "starts with '@' (nslab keeps '@NAME' for containers' unnamed namespaces)"
    if problem is None and len(name.encode()) > MAX_NETNS_NAME:
        problem = f"is longer than {MAX_NETNS_NAME} bytes"
    if problem:
        raise InvalidName(f"Namespace name {name!r} {problem}. Pick a short name such as 'test1'.")
    return name


def check_ifname(name: object) -> str:
    """Return `name` if the kernel would accept it as an interface name, else raise."""
    if not isinstance(name, str):
        raise InvalidName(
            f"Interface name {name!r} is a {type(name).__name__}, not a string. "
            "Pass a name such as 'veth-test1'."
        )
    problem = _common_problem(name)
    if problem is None and len(name.encode()) >= IFNAMSIZ:
        problem = f"is {len(name.encode())} bytes long; the kernel allows at most {IFNAMSIZ - 1}"
    if problem is None and name in ("all", "default"):
        problem = "is reserved by the kernel (the sysctl folders net/ipv4/conf/all and default)"
    if problem is None:
        bad = sorted({c for c in name if c in "/:"})
        if bad:
            problem = f"contains {' and '.join(repr(c) for c in bad)}, which the kernel refuses"
    if problem:
        raise InvalidName(
            f"Interface name {name!r} {problem}. Pick a name of 1-15 letters, digits, "
            "'-' or '_', such as 'veth-test1'."
        )
    return name


def _common_problem(name: str) -> str | None:
    if name == "":
        return "is empty"
    if name in (".", ".."):
        return "is reserved ('.' and '..' are directory names)"
    if "\0" in name:
        return "contains a NUL byte"
    if any(c.isspace() for c in name):
        return "contains whitespace"
    if not name.isprintable():
        return "contains a control character"
    if name.startswith("-"):
        return "starts with '-' (the `ip` command would read it as an option)"
    return None


def check_interface_address(cidr: object) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    """Parse 'ADDR/PREFIX' as an interface address; a bare address is an error with the fix."""
    if not isinstance(cidr, str):
        raise InvalidAddress(
            f"Address {cidr!r} is a {type(cidr).__name__}, not a string. "
            "Write it like '192.168.1.1/24'."
        )
    text = cidr.strip()
    if "/" not in text:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            raise InvalidAddress(
                f"Address {cidr!r} is not an IP address. Write it like '192.168.1.1/24'."
            ) from None
        prefix = 24 if ip.version == 4 else 64
        raise InvalidAddress(
            f"Address {cidr!r} has no prefix length, so the kernel cannot tell which "
            f"addresses are on the same link. Write it with one, e.g. '{ip}/{prefix}'."
        )
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError as exc:
        raise InvalidAddress(
            f"Address {cidr!r} is not valid ({exc}). Write it like '192.168.1.1/24'."
        ) from None
    if iface.ip.is_unspecified or iface.ip.is_multicast:
        raise InvalidAddress(
            f"Address {cidr!r} cannot be an interface address. Use a host address such as "
            "'192.168.1.1/24'."
        )
    if iface.version == 4 and iface.network.prefixlen < 31 and iface.ip in (
        iface.network.network_address,
        iface.network.broadcast_address,
    ):
        kind = "network" if iface.ip == iface.network.network_address else "broadcast"
        raise InvalidAddress(
            f"Address {cidr!r} is the {kind} address of {iface.network}. Use a host address "
            f"such as '{next(iface.network.hosts())}/{iface.network.prefixlen}'."
        )
    return iface


def check_ip(addr: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """Parse a bare IP address (a ping or gateway target)."""
    if not isinstance(addr, str):
        raise InvalidAddress(
            f"Address {addr!r} is a {type(addr).__name__}, not a string. "
            "Write it like '192.168.1.2'."
        )
    text = addr.strip()
    if "/" in text:
        bare = text.split("/", 1)[0]
        raise InvalidAddress(
            f"Address {addr!r} has a prefix length, but a single host is needed here. "
            f"Write {bare!r}."
        )
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise InvalidAddress(
            f"Address {addr!r} is not an IP address. Write it like '192.168.1.2'."
        ) from None


def check_network(cidr: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Parse a route destination: 'default' or 'NET/PREFIX' with no host bits."""
    if cidr == "default":
        return ipaddress.ip_network("0.0.0.0/0")
    if not isinstance(cidr, str):
        raise InvalidAddress(
            f"Destination {cidr!r} is not a string. Write 'default' or a network like "
            "'192.168.2.0/24'."
        )
    try:
        return ipaddress.ip_network(cidr.strip(), strict=True)
    except ValueError:
        try:
            loose = ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError:
            raise InvalidAddress(
                f"Destination {cidr!r} is not a network. Write 'default' or a network like "
                "'192.168.2.0/24'."
            ) from None
        raise InvalidAddress(
            f"Destination {cidr!r} has host bits set. Write the network itself: '{loose}'."
        ) from None
