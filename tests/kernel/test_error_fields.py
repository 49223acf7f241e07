"""Errors carry their context as data: the object, and the fix as a Lab call and as `ip`
(the same words the message gives), and the kernel is unchanged after each."""

from __future__ import annotations

import pytest

from nslab import AlreadyExists, Lab, NotFound, NotOwned
from tests.conftest import needs_root

pytestmark = [needs_root, pytest.mark.kernel]


def test_errors_name_their_object_and_fix(lab: Lab, unique: str) -> None:
    ns = f"ef-{unique}"
    with pytest.raises(NotFound) as err:
        lab.set_up(ns, "lo")
    assert (err.value.obj, err.value.fix_call, err.value.fix_ip) == (
        ns, f"lab.add_netns({ns!r})", f"ip netns add {ns}")
    lab.add_netns(ns)
    with pytest.raises(AlreadyExists) as err:
        lab.add_veth("v1", "v1", ns=ns)
    assert err.value.obj == "v1"
    assert err.value.fix_call == "lab.add_veth('v1', 'v1-peer')"
    assert err.value.fix_call in str(err.value)
    lab.add_veth("v1", "v2", ns=ns)
    lab.add_addr(ns, "v1", "10.40.0.1/24")
    said = list(lab.transcript)
    with pytest.raises(AlreadyExists) as err:
        lab.add_addr(ns, "v1", "10.40.0.1/24")
    assert err.value.obj == "10.40.0.1/24"
    assert err.value.fix_call == f"lab.del_addr({ns!r}, 'v1', '10.40.0.1/24')"
    assert err.value.fix_ip == f"ip netns exec {ns} ip addr del 10.40.0.1/24 dev v1"
    assert err.value.fix_call in str(err.value)
    with pytest.raises(NotFound) as err:
        lab.set_up(ns, "v9")
    assert err.value.obj == "v9"
    assert list(lab.transcript) == said  # refused: nothing changed


def test_refusals_name_their_object(lab: Lab, unique: str) -> None:
    other = Lab(name=f"ef-other-{unique}")
    ns = f"eo-{unique}"
    try:
        other.add_netns(ns)
        with pytest.raises(NotOwned) as err:
            lab.delete_netns(ns)
        assert err.value.obj == ns
        assert err.value.fix_call == f"lab.delete_netns({ns!r}, force=True)"
        assert err.value.fix_ip == f"ip netns delete {ns}"
        with pytest.raises(NotOwned) as err:
            lab.add_veth("x1", "x2", ns=ns)
        assert err.value.obj == ns
        assert ns in other.list_netns()
    finally:
        other.reset()
        other.journal.delete()
