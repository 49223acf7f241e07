"""The exception tree: each error is also the builtin a caller would expect."""

from __future__ import annotations

import pytest

import nslab
from nslab import errors
from nslab.errors import did_you_mean

TREE = {
    "InvalidName": ValueError,
    "InvalidAddress": ValueError,
    "InvalidFilter": ValueError,
    "AlreadyExists": FileExistsError,
    "NotFound": LookupError,
    "NotOwned": PermissionError,
    "PrivilegeError": PermissionError,
    "LabInUse": RuntimeError,
    "CorruptJournal": ValueError,
    "UnsafeTarget": ValueError,
    "StepOrderError": RuntimeError,
    "KernelError": OSError,
}


@pytest.mark.parametrize(("name", "builtin"), TREE.items())
def test_each_error_subclasses_its_builtin(name: str, builtin: type) -> None:
    cls = getattr(errors, name)
    assert issubclass(cls, errors.NslabError)
    assert issubclass(cls, builtin)
    assert getattr(nslab, name) is cls, "exported at the top level"
    assert name in nslab.__all__
    assert name in errors.__doc__, "drawn in the module docstring"
    with pytest.raises(builtin):
        raise cls("boom")


def test_every_error_class_is_in_the_tree() -> None:
    found = {
        n for n, v in vars(errors).items()
        if isinstance(v, type) and issubclass(v, errors.NslabError) and v is not errors.NslabError
    }
    assert found == set(TREE)


def test_did_you_mean_close_match() -> None:
    assert did_you_mean("tset1", ["test1", "test2", "other"]) in (
        "Did you mean 'test1'?", "Did you mean 'test2'?"
    )
    assert did_you_mean("veth-tset1", ["lo", "veth-test1"]) == "Did you mean 'veth-test1'?"


def test_did_you_mean_lists_known_when_nothing_is_close() -> None:
    assert did_you_mean("zzz", ["lo", "eth0"]) == "Known: 'eth0', 'lo'."
    many = [f"ns{i:02d}" for i in range(12)]
    msg = did_you_mean("qqqqqq", many)
    assert msg.startswith("Known: 'ns00'") and msg.endswith(" ...."), msg
    assert msg.count("'") == 16  # eight names shown


def test_did_you_mean_empty() -> None:
    assert did_you_mean("x", []) == ""
    assert did_you_mean("x", ["", ""]) == ""


def test_privilege_fixes_list_the_three_ways() -> None:
    text = errors.privilege_fixes()
    assert "sudo" in text
    assert "--cap-add NET_ADMIN --cap-add SYS_ADMIN" in text
    assert "sandbox" in text


def test_corrupt_journal_carries_what_was_removed() -> None:
    exc = errors.CorruptJournal("bad", ["x: namespace a"])
    assert str(exc) == "bad" and exc.removed == ["x: namespace a"]
    assert errors.CorruptJournal("bad").removed == []


def test_what_reset_removed_shows_one_object_a_line_whatever_the_widths():
    from IPython.lib.pretty import pretty

    from nslab._verbs import Removed

    short, long = Removed(["a", "b"]), Removed(["container web (PID 123456789)", "netns x" * 9])
    assert pretty(short) == "['a',\n 'b']"
    assert pretty(long).count("\n") == 1 and long == list(long)


def test_errors_carry_their_context_as_fields():
    import errno
    import pickle

    from nslab import verbspec
    from nslab.errors import AlreadyExists, KernelError, NotFound, NslabError

    plain = NotFound("gone")
    assert (plain.obj, plain.fix_call, plain.fix_ip) == (None, None, None)
    assert str(plain) == "gone" and isinstance(plain, LookupError)
    err = NotFound("Namespace 'test1' does not exist.", obj="test1",
                   **verbspec.fix("add_netns", "test1"))
    assert (err.obj, err.fix_call, err.fix_ip) == (
        "test1", "lab.add_netns('test1')", "ip netns add test1")
    assert str(err) == "Namespace 'test1' does not exist."
    assert pickle.loads(pickle.dumps(err)).fix_ip == "ip netns add test1"
    kernel = KernelError(errno.EINVAL, "refused", obj="veth-test1")
    assert (kernel.errno, kernel.strerror, kernel.obj) == (errno.EINVAL, "refused", "veth-test1")
    assert AlreadyExists("x", obj="y").obj == "y" and isinstance(AlreadyExists("x"), NslabError)
    assert verbspec.fix("stop_container", "web") == {
        "fix_call": "lab.stop_container('web')", "fix_ip": None}
