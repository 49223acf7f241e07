"""Property tests for names.py: what is accepted is valid, what is refused says why and how."""

from __future__ import annotations

import ipaddress
import re
import string

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from nslab import InvalidAddress, InvalidName
from nslab.names import (
    EXAMPLE_ADDRESS,
    check_ifname,
    check_interface_address,
    check_ip,
    check_netns_name,
    check_network,
)

# Names drawn from a mix of plain characters, the characters that matter, and any unicode.
_tricky = st.sampled_from(list("/:.-_ \t\n\r\x0b\x0c\x00\x85\u00a0\u2028\x07\x7féü名"))
_chars = st.one_of(st.sampled_from(string.ascii_letters + string.digits + "-_"), _tricky,
                   st.characters())
names_st = st.text(alphabet=_chars, max_size=24)


def _ifname_ok(name: str) -> bool:
    return (
        1 <= len(name.encode()) <= 15
        and not any(c in "/:\0" or c.isspace() for c in name)
        and name not in (".", "..", "all", "default")  # the kernel refuses these (EINVAL)
    )


@given(names_st)
@example("a")
@example("veth-test1")
@example("x" * 15)
@example("x" * 16)
@example("é" * 7)  # 14 bytes
@example("é" * 8)  # 16 bytes: 8 characters, too long for the kernel
@example(".")
@example("..")
@example("a:b")
@example("a/b")
@example("a b")
@example("a\0b")
@example("")
@example("all")
@example("default")
def test_ifname_accepted_iff_kernel_would(name: str) -> None:
    try:
        got = check_ifname(name)
    except InvalidName as exc:
        msg = str(exc)
        assert repr(name) in msg, "the message names the object"
        assert msg.startswith("Interface name")
        assert "Pick a name" in msg and "'veth-test1'" in msg, "the message says how to fix it"
    else:
        assert got == name
        assert _ifname_ok(name), f"{name!r} was accepted but the kernel would refuse it"


@given(st.text(alphabet=st.sampled_from(string.ascii_letters + string.digits + "-_."),
               min_size=1, max_size=15))
def test_plain_ifnames_are_accepted(name: str) -> None:
    assume(name not in (".", "..", "all", "default") and not name.startswith("-"))
    assert check_ifname(name) == name


@given(names_st)
@example("test1")
@example("ns.with.dots")
@example("名前")
@example("x" * 64)
@example("x" * 65)
@example("a/b")
@example(".")
@example("..")
@example("")
@example("a\tb")
@example("-x")
@example("@test1")
def test_netns_name_accepted_iff_safe(name: str) -> None:
    try:
        got = check_netns_name(name)
    except InvalidName as exc:
        msg = str(exc)
        assert repr(name) in msg and msg.startswith("Namespace name")
        assert "Pick a short name such as 'test1'" in msg
    else:
        assert got == name
        assert name and name not in (".", "..")
        assert not any(c in "/\0" or c.isspace() for c in name)
        assert len(name.encode()) <= 64
        assert not name.startswith("-")
        assert not name.startswith("@"), "'@NAME' keys are containers' unnamed namespaces"


@pytest.mark.parametrize("bad", [None, 3, b"test1", ["a"]])
def test_non_strings_are_refused(bad: object) -> None:
    with pytest.raises(InvalidName, match="not a string"):
        check_netns_name(bad)
    with pytest.raises(InvalidName, match="not a string"):
        check_ifname(bad)
    with pytest.raises(InvalidAddress, match="not a string"):
        check_interface_address(bad)


# -- addresses ---------------------------------------------------------------------------

@given(st.ip_addresses())
def test_bare_ip_shows_the_fix_with_a_prefix(ip) -> None:
    with pytest.raises(InvalidAddress) as info:
        check_interface_address(str(ip))
    msg = str(info.value)
    assert repr(str(ip)) in msg
    if ip.is_unspecified or ip.is_multicast:
        assert "cannot be an interface address" in msg
    else:
        assert "no prefix length" in msg
        assert f"'{ip}/" in msg, "the fix keeps the address the user meant"
    # ... and the suggested fix is itself accepted
    _assert_suggestion_accepted(msg)


def _assert_suggestion_accepted(msg: str) -> None:
    """The address the message suggests (its last quoted CIDR) is one the library accepts."""
    fix = re.findall(r"'([0-9a-fA-F:.]+/[0-9]+)'", msg)
    assert fix, f"no suggested address in {msg!r}"
    check_interface_address(fix[-1])  # raises if the library would refuse its own fix


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32))
@example(ipaddress.ip_address("255.255.255.255"), 3)  # broadcast of 224.0.0.0/3 (multicast)
@example(ipaddress.ip_address("224.0.0.0"), 3)
@example(ipaddress.ip_address("239.255.255.255"), 4)  # the whole network is multicast
@example(ipaddress.ip_address("255.255.255.255"), 0)
@example(ipaddress.ip_address("0.0.0.0"), 8)
def test_ipv4_interface_addresses(ip, prefix) -> None:
    text = f"{ip}/{prefix}"
    iface = ipaddress.ip_interface(text)
    net = iface.network
    special = prefix < 31 and ip in (net.network_address, net.broadcast_address)
    unusable = ip.is_unspecified or ip.is_multicast
    try:
        got = check_interface_address(text)
    except InvalidAddress as exc:
        msg = str(exc)
        assert repr(text) in msg
        assert special or unusable
        if special and not unusable:
            kind = "network" if ip == net.network_address else "broadcast"
            assert f"the {kind} address of {net}" in msg
        _assert_suggestion_accepted(msg)
        fix = ipaddress.ip_interface(re.findall(r"'([0-9.]+/[0-9]+)'", msg)[-1])
        assert fix.ip != ip
        if special and not unusable and fix.network == net:
            assert fix.ip in (net.network_address + 1, net.broadcast_address - 1)
    else:
        assert not (special or unusable)
        assert got == iface


@given(st.ip_addresses(), st.integers(min_value=0, max_value=128))
def test_every_suggested_address_is_accepted(ip, prefix) -> None:
    """A suggestion the library would refuse is a bug: whatever is refused, the fix passes."""
    prefix = min(prefix, ip.max_prefixlen)
    for text in (f"{ip}/{prefix}", str(ip)):
        try:
            check_interface_address(text)
        except InvalidAddress as exc:
            if "not valid" not in str(exc):
                _assert_suggestion_accepted(str(exc))


def test_example_address_is_accepted() -> None:
    assert check_interface_address(EXAMPLE_ADDRESS)


@pytest.mark.parametrize(
    ("cidr", "words"),
    [
        ("192.168.1.0/24", ["network address of 192.168.1.0/24", "'192.168.1.1/24'"]),
        ("192.168.1.255/24", ["broadcast address of 192.168.1.0/24", "'192.168.1.1/24'"]),
        ("10.0.0.0/8", ["network address", "'10.0.0.1/8'"]),
        ("192.168.1.1", ["no prefix length", "'192.168.1.1/24'"]),
        ("fd00::1", ["no prefix length", "'fd00::1/64'"]),
        ("192.168.1.1/33", ["not valid", "'192.168.1.1/24'"]),
        ("192.168.1.300/24", ["not valid"]),
        ("hello", ["not an IP address"]),
        ("0.0.0.0/0", ["cannot be an interface address"]),
        ("224.0.0.1/4", ["cannot be an interface address"]),
    ],
)
def test_address_errors_say_what_and_how(cidr: str, words: list[str]) -> None:
    with pytest.raises(InvalidAddress) as info:
        check_interface_address(cidr)
    assert isinstance(info.value, ValueError)
    for w in words:
        assert w in str(info.value)


@pytest.mark.parametrize("cidr", ["10.0.0.0/31", "10.0.0.1/31", "10.0.0.7/32", "fd00::/64",
                                  "192.168.1.1/24", " 192.168.1.2/24 "])
def test_point_to_point_host_and_v6_addresses_are_fine(cidr: str) -> None:
    assert check_interface_address(cidr) == ipaddress.ip_interface(cidr.strip())


@given(st.ip_addresses())
def test_check_ip(ip) -> None:
    assert check_ip(str(ip)) == ip
    with pytest.raises(InvalidAddress, match=f"Write '{ip}'"):
        check_ip(f"{ip}/24")


def test_check_ip_refuses_junk() -> None:
    with pytest.raises(InvalidAddress, match="not an IP address"):
        check_ip("192.168.1")
    with pytest.raises(InvalidAddress, match="not a string"):
        check_ip(None)


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32))
def test_check_network_host_bits(ip, prefix) -> None:
    text = f"{ip}/{prefix}"
    net = ipaddress.ip_network(text, strict=False)
    if net.network_address == ip:
        assert check_network(text) == net
    else:
        with pytest.raises(InvalidAddress) as info:
            check_network(text)
        msg = str(info.value)
        assert "host bits set" in msg and f"'{net}'" in msg
        assert check_network(str(net)) == net  # the suggested fix is accepted


def test_check_network_default_and_junk() -> None:
    assert check_network("default") == ipaddress.ip_network("0.0.0.0/0")
    with pytest.raises(InvalidAddress, match="not a network"):
        check_network("nowhere")
    with pytest.raises(InvalidAddress, match="not a string"):
        check_network(24)
