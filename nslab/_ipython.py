"""In IPython/Jupyter: show nslab's errors as their message, and add the `%ip` magics.

`%load_ext nslab` is the documented way (nslab.load_ipython_extension); `import nslab`
in a notebook does the same, without replacing what the user set up.

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


def register(shell: Any = None) -> None:
    """Install the magics in SHELL (the running IPython shell, if there is one). Harmless:
    an `ip` magic the user already has is kept, and registering again changes nothing."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return
        shell = get_ipython()
        if shell is None:
            return
    magics = shell.magics_manager.magics
    if "ip" in magics["line"] and not getattr(magics["line"]["ip"], "_nslab", False):
        return  # someone else's %ip

    def ip(line: str, cell: str | None = None) -> Any:
        from .shell import parse_lines, run

        text = cell if cell is not None else line
        parse_lines(text)  # a bad line is refused even before there is a lab
        return run(find_lab(shell.user_ns), text)

    ip.__doc__ = "%ip / %%ip: the article's `ip` commands, run through the notebook's lab."
    ip._nslab = True  # type: ignore[attr-defined]
    shell.register_magic_function(ip, magic_kind="line_cell", magic_name="ip")
