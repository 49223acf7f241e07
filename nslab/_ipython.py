"""In IPython/Jupyter: show nslab's errors as their message, and add the `%ip` magics.

Every NslabError already says what went wrong and how to fix it; a student needs
that sentence, not twenty lines of library frames: IPython shows what its
`_render_traceback_` returns, as a real error (the cell fails for nbclient, nbval,
nbgrader and the hub), and no frames. Other exceptions are untouched.
`%ip netns add test1` and `%%ip` (one command per line) run the article's commands
through the notebook's `lab` (nslab.shell).
"""

from __future__ import annotations

from typing import Any


def find_lab(user_ns: dict[str, Any]) -> Any:
    """The Lab a magic acts on: `lab` in the notebook, else the only Lab there."""
    from .lab import Lab
    from .messages import say
    from .shell import UnsupportedCommand

    if isinstance(user_ns.get("lab"), Lab):
        return user_ns["lab"]
    labs = {id(v): v for k, v in user_ns.items() if isinstance(v, Lab) and not k.startswith("_")}
    if len(labs) == 1:
        return next(iter(labs.values()))
    raise UnsupportedCommand(say("ip.no_lab"))


def register() -> None:
    """Install the magics in the running IPython shell, if there is one."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def ip(line: str, cell: str | None = None) -> Any:
        from .shell import run

        return run(find_lab(shell.user_ns), cell if cell is not None else line)

    ip.__doc__ = "%ip / %%ip: the article's `ip` commands, run through the notebook's lab."
    shell.register_magic_function(ip, magic_kind="line_cell", magic_name="ip")
