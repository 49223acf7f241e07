"""nslab.anatomy: the drawing of what a network namespace holds (pure)."""

from nslab.anatomy import PARTS, anatomy
from nslab.i18n import set_language
from nslab.messages import say


def test_every_part_is_drawn_with_the_command_that_shows_it():
    source = anatomy("test1").graph.source
    for key, command in PARTS:
        assert say(key) in source and command in source
    assert "/run/netns/test1" in source and "ip netns exec test1" in source
    for word in ("lo", "routing", "neighbour", "firewall", "sockets", "/proc/sys/net"):
        assert word in source


def test_the_drawing_renders_and_speaks_chinese():
    assert "<svg" in anatomy("x").graph.pipe(format="svg", encoding="utf-8")
    set_language("zh_CN")
    try:
        source = anatomy("test1").graph.source
        assert "回环口" in source and "路由表" in source
    finally:
        set_language("en")


def test_the_notebook_shows_the_drawing_and_a_text_that_is_the_same_on_every_run():
    bundle = anatomy("test1")._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert bundle["text/plain"] == str(anatomy("test1"))
    assert "0x" not in bundle["text/plain"] and "ip neigh" in bundle["text/plain"]
