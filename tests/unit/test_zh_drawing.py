"""Chinese labels in graphviz drawings render with a CJK font (no tofu boxes).

The font is Debian's fonts-noto-cjk ("Noto Sans CJK SC": Latin and CJK glyphs in one family),
installed by tests/tools/sysdeps.sh, the Dockerfile and environment.yml (font-ttf-noto-cjk).
A PNG of a Chinese drawing is saved to tests/artifacts/zh-drawing.png to look at.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import graphviz
import pytest

CJK_FONT = "Noto Sans CJK SC"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# 网络命名空间 回环口 网桥: the code points the drawings need
WORDS = "网络命名空间 回环口 网桥"

pytestmark = pytest.mark.skipif(not (shutil.which("dot") and shutil.which("fc-match")),
                                reason="needs graphviz (dot) and fontconfig (fc-match)")


def _fc_file(pattern: str) -> str:
    return subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True,
                          text=True, check=True).stdout


def test_the_cjk_font_is_installed_and_covers_the_words():
    charset = " ".join(f"{ord(ch):x}" for ch in WORDS.replace(" ", ""))
    for pattern in (CJK_FONT, f"{CJK_FONT}:charset={charset}", f":lang=zh-cn:charset={charset}"):
        found = _fc_file(pattern)
        assert "NotoSansCJK" in Path(found).name or "NotoSansCJK" in found, (
            f"fc-match {pattern!r} gives {found!r}: install fonts-noto-cjk")
        assert Path(found).is_file()


def _chinese_graph() -> graphviz.Graph:
    g = graphviz.Graph("zh")
    g.attr(fontname=CJK_FONT, label="两个网络命名空间，用一对 veth pair 连接", labelloc="t")
    g.attr("node", fontname=CJK_FONT, shape="box", style="rounded")
    g.attr("edge", fontname=CJK_FONT)
    g.node("a", "网络命名空间 test1\nveth-test1 192.168.1.1/24\n回环口 lo: UP")
    g.node("b", "网络命名空间 test2\nveth-test2 192.168.1.2/24\n回环口 lo: UP")
    g.edge("a", "b", label="veth pair（载波正常）")
    return g


def test_chinese_drawing_renders_with_the_cjk_font():
    g = _chinese_graph()
    svg = g.pipe(format="svg", encoding="utf-8")
    assert f'font-family="{CJK_FONT}' in svg
    assert "网络命名空间 test1" in svg and "回环口 lo: UP" in svg
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "zh-drawing.png"
    png.write_bytes(g.pipe(format="png"))
    assert png.stat().st_size > 1000


def test_lab_drawing_uses_the_cjk_font():
    from nslab import draw
    from nslab.snapshot import Address, Link, Namespace, Snapshot

    if draw.FONT != CJK_FONT:
        pytest.skip(f"nslab/draw.py still draws in {draw.FONT!r}: branch diag sets "
                    f"FONT = {CJK_FONT!r}; after the merge this test must run and pass")
    lo = Link("lo", 1, "loopback", True, "UNKNOWN", True, "00:00:00:00:00:00", 65536,
              addresses=(Address("127.0.0.1/8", 4, "host"),))
    snap = Snapshot(namespaces=(Namespace("test1", "named", 1, links=(lo,), owned=True),))
    svg = draw.to_svg(draw.draw(snap, title="网络命名空间"))
    assert f'font-family="{CJK_FONT}' in svg and "网络命名空间" in svg


def test_capture_diagram_uses_the_cjk_font():
    from nslab import capture

    if capture.FONT != CJK_FONT:
        pytest.skip(f"nslab/capture.py still draws in {capture.FONT!r}: set its FONT to "
                    f"{CJK_FONT!r} at the merge (capture.py belongs to branch kernel)")
    packets = [capture.Packet(0.0, "192.168.1.1", "192.168.1.2", "ICMP", "回显请求 seq=1")]
    svg = capture.sequence_diagram(packets, title="抓包").pipe(format="svg", encoding="utf-8")
    assert f'font-family="{CJK_FONT}' in svg and "抓包" in svg
