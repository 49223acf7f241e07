"""In IPython/Jupyter: show nslab's errors as their message, and add the `%ip` magics.

Every NslabError already says what went wrong and how to fix it; a student needs
that sentence, not twenty lines of library frames. Other exceptions are untouched.
`%ip netns add test1` and `%%ip` (one command per line) run the article's commands
through the notebook's `lab` (nslab.shell).
"""

from __future__ import annotations

import sys
from typing import Any

from .errors import NslabError


def _show_message(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None):
    print(f"{etype.__name__}: {value}", file=sys.stderr)
    return None


def register() -> None:
    """Install the handler and the magics in the running IPython shell, if there is one."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    shell.set_custom_exc((NslabError,), _show_message)

    def ip(line: str, cell: str | None = None) -> Any:
        from .shell import magic

        return magic(shell, line, cell)

    ip.__doc__ = "%ip / %%ip: the article's `ip` commands, run through the notebook's lab."
    shell.register_magic_function(ip, magic_kind="line_cell", magic_name="ip")
