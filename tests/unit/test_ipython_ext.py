"""`%load_ext nslab` gives the %ip magics; `import nslab` does the same and is harmless:
it installs no exception handler (an NslabError shows its sentence through
`_render_traceback_`), keeps a user's own handler and `%ip`, prints nothing, and does nothing
outside IPython. Each case runs in a fresh Python (an IPython shell is a singleton)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_load_ext_gives_the_magics_and_the_short_errors():
    out = _run("""
        from IPython.testing.globalipapp import start_ipython
        ip = start_ipython()
        assert "ip" not in ip.magics_manager.magics["line"]
        ip.run_line_magic("load_ext", "nslab")
        assert "ip" in ip.magics_manager.magics["line"]
        assert "ip" in ip.magics_manager.magics["cell"]
        ip.run_line_magic("load_ext", "nslab")  # again: nothing changes, nothing breaks
        assert ip.custom_exceptions == ()  # errors show through their _render_traceback_
        from nslab.shell import UnsupportedCommand
        try:
            ip.run_line_magic("ip", "a | grep lo")
        except UnsupportedCommand as exc:
            print("refused:", exc.args[0][:40])
        print("ok")
    """)
    assert "refused: Cells run one `ip` command, not a shell" in out
    assert out.rstrip().endswith("ok")


def test_import_keeps_what_the_user_set_up():
    out = _run("""
        from IPython.testing.globalipapp import start_ipython
        ip = start_ipython()
        def mine(shell, etype, value, tb, tb_offset=None):
            return None
        ip.set_custom_exc((KeyError,), mine)
        def other_ip(line):
            return "the user's own %ip"
        ip.register_magic_function(other_ip, magic_kind="line", magic_name="ip")
        import nslab
        nslab.load_ipython_extension(ip)
        assert ip.custom_exceptions == (KeyError,), ip.custom_exceptions
        assert ip.run_line_magic("ip", "netns add x") == "the user's own %ip"
        print("ok")
    """)
    assert out.strip() == "ok"  # and nslab printed nothing


def test_import_outside_ipython_does_nothing():
    out = _run("""
        import nslab
        from IPython import get_ipython
        assert get_ipython() is None
        print("ok")
    """)
    assert out.strip() == "ok"
