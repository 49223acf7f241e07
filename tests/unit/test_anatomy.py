"""nslab.anatomy: the drawing of what a network namespace holds (pure)."""

from nslab.anatomy import PARTS, anatomy
from nslab.i18n import set_language
from nslab.messages import say


def test_every_part_is_drawn_with_the_command_that_shows_it():
    source = anatomy("test1").source
    for key, command in PARTS:
        assert say(key) in source and command in source
    assert "/run/netns/test1" in source and "ip netns exec test1" in source
    for word in ("lo", "routing", "neighbour", "firewall", "sockets", "/proc/sys/net"):
        assert word in source


def test_the_drawing_renders_and_speaks_chinese():
    assert "<svg" in anatomy("x").pipe(format="svg", encoding="utf-8")
    set_language("zh_CN")
    try:
        source = anatomy("test1").source
        assert "回环口" in source and "路由表" in source
    finally:
        set_language("en")
