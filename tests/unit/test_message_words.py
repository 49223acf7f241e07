"""The template owns the separator around an appended field ({hint}, {step}, {fix}).

A field carries no leading space of its own: English writes "... does not exist. {hint}
Create it ...", Chinese "……不存在。{hint}请用……" (no space after a full stop). An empty
field takes its separator along, so the English output stays what it was.
"""

from __future__ import annotations

import gettext
import string

import pytest

from nslab import messages
from nslab.errors import did_you_mean, privilege_fixes
from nslab.messages import CATALOGUE, say


def test_an_empty_field_takes_its_separator_along() -> None:
    assert say("netns.missing", name="x", hint="", step="") == (
        "Namespace 'x' does not exist. Create it with lab.add_netns('x')."
    )
    assert say("netns.missing", name="x", hint=did_you_mean("x", ["y", "x1"]), step="") == (
        "Namespace 'x' does not exist. Did you mean 'x1'? Create it with lab.add_netns('x')."
    )
    assert say("netns.missing", name="x", hint="", step=say("lab.run_step_first", step="S8")) == (
        "Namespace 'x' does not exist. Create it with lab.add_netns('x'). Run step S8 first."
    )


def test_a_field_never_doubles_the_separator() -> None:
    # a caller that still passes " Run step S8 first." (leading space) gets one space
    assert say("link.missing", name="v", where="test1", hint=" Known: 'lo'.",
               step=" Run step S12 first.") == (
        "Interface 'v' does not exist in test1. Known: 'lo'. Create it with lab.add_veth(...) "
        "first. Run step S12 first."
    )
    assert say("container.missing", name="wbe", hint="") .endswith("this lab. Start it with "
                                                                    "lab.run_container('wbe').")


def test_the_privilege_fix_is_a_field_of_the_sentence() -> None:
    text = say("container.unshare_refused", name="web", fix=privilege_fixes())
    assert text.startswith("Cannot start container 'web': unshare was refused. To fix it, run")
    assert "  " not in text
    assert say("capture.not_allowed", where="t/v", said="x", fix="") == (
        "Not allowed to capture on t/v (x)."
    )


class _Chinese(gettext.NullTranslations):
    def __init__(self, table: dict[str, str]) -> None:
        super().__init__()
        self.table = table

    def gettext(self, message: str) -> str:
        return self.table.get(message, message)


@pytest.fixture
def chinese():
    before = messages.translations()
    messages.use(_Chinese({
        CATALOGUE["netns.missing"]: "命名空间 {name!r} 不存在。{hint}请用 lab.add_netns({name!r}) "
                                    "创建它。{step}",
        CATALOGUE["hint.did_you_mean"]: "你是不是想写 {name!r}？",
        CATALOGUE["lab.run_step_first"]: "请先运行步骤 {step}。",
    }))
    yield
    messages.use(before)


def test_no_space_after_a_chinese_full_stop(chinese) -> None:
    hint = did_you_mean("x", ["x1"])
    assert say("netns.missing", name="x", hint=hint, step="") == (
        "命名空间 'x' 不存在。你是不是想写 'x1'？请用 lab.add_netns('x') 创建它。"
    )
    # even from a caller that still adds a leading space
    step = " " + say("lab.run_step_first", step="S8")
    assert say("netns.missing", name="x", hint="", step=step) == (
        "命名空间 'x' 不存在。请用 lab.add_netns('x') 创建它。请先运行步骤 S8。"
    )


def test_every_template_with_its_fields_filled_reads_as_before() -> None:
    """With every field set (and none starting with a space), say() is str.format."""
    for key, template in CATALOGUE.items():
        for text in (template if isinstance(template, tuple) else (template,)):
            names = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            fields = {name.split(".")[0].split("[")[0]: "v" for name in names}
            if "n" in fields:
                fields["n"] = 2
            try:
                expected = text.format(**fields)
            except (ValueError, KeyError, IndexError, AttributeError):
                continue  # a format spec that needs a number: not a joining question
            assert messages._format(text, fields) == expected, key


def test_namespace_labels_come_from_the_catalogue() -> None:
    from nslab.snapshot import ns_label

    assert [ns_label(k) for k in (None, "@web", "@pid42", "test1")] == [
        "host", "container web", "hidden namespace of PID 42", "test1"]
    before = messages.translations()
    messages.use(_Chinese({CATALOGUE["ns.label.host"]: "主机",
                           CATALOGUE["ns.label.container"]: "容器 {name}",
                           CATALOGUE["ns.label.hidden"]: "PID {pid} 的隐藏命名空间"}))
    try:
        assert [ns_label(k) for k in (None, "@web", "@pid42", "test1")] == [
            "主机", "容器 web", "PID 42 的隐藏命名空间", "test1"]
    finally:
        messages.use(before)


def test_a_bare_address_is_said_to_mean_a_host_route_not_a_mystery() -> None:
    """`ip addr add 192.168.1.1 dev X` gives 192.168.1.1/32 (checked on this kernel;
    ip-address(8): the prefix length is optional), as exercise E4 teaches."""
    from nslab.errors import InvalidAddress
    from nslab.names import check_interface_address

    with pytest.raises(InvalidAddress) as caught:
        check_interface_address("192.168.1.1")
    assert str(caught.value) == (
        "Address '192.168.1.1' has no prefix length. `ip addr add` would take it as "
        "192.168.1.1/32: a network of this one address, with no route to the other addresses "
        "on its link. Write it with one, e.g. '192.168.1.1/24'."
    )
    with pytest.raises(InvalidAddress, match="would take it as fd00::1/128"):
        check_interface_address("fd00::1")


def test_no_template_glues_an_appended_sentence_to_the_last_one() -> None:
    """"exist.{hint}" would read "exist.Did you mean ..." now that hints carry no leading
    space: the English template writes "exist. {hint}" (and the translation its own way)."""
    import re

    glued = [key for key, template in CATALOGUE.items()
             for text in (template if isinstance(template, tuple) else (template,))
             if re.search(r"[.?!)]\{(hint|step|fix|more)\b", text)]
    assert glued == []
