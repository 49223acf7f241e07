"""In IPython/Jupyter, show nslab's errors as their message, not as a traceback.

Every NslabError already says what went wrong and how to fix it; a student needs
that sentence, not twenty lines of library frames. Other exceptions are untouched.
"""

from __future__ import annotations

import sys
from typing import Any

from .errors import NslabError


def _show_message(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None):
    print(f"{etype.__name__}: {value}", file=sys.stderr)
    return None


def register() -> None:
    """Install the handler in the running IPython shell, if there is one."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((NslabError,), _show_message)
