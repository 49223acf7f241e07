"""ipywidgets front ends: `Panel` (a form per Lab verb) and `Stepper` (a tutorial player).

    from nslab.widgets import Panel, Stepper
    Panel(lab)                          # forms, live drawing, transcript, last output
    Stepper(Tutorial(lab, VETH))        # Run step / Back / Reset through the article

Rules these widgets keep:

- every button callback makes exactly ONE call into the library (a Lab verb, or a
  Tutorial method for the Stepper), then redraws from a fresh snapshot;
- the redraw happens in ``finally``: a verb that fails half-way still leaves the
  drawing showing what the kernel really holds;
- the library's error message (an NslabError) is shown next to the form that
  caused it, never raised into the void of a widget callback;
- anything printed during a callback is captured into an ``Output`` widget (in
  JupyterLab, prints from callbacks are otherwise lost);
- no netlink here: the widgets only read `lab.snapshot()` and call verbs.

For tests, ``panel.svg`` is the SVG drawn last and ``button.click()`` fires the
callback just as a real click does.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from . import names, verbspec
from .diff import changes_html
from .draw import draw, figure_html, to_svg
from .errors import NotFound, NslabError
from .messages import say
from .snapshot import NsKey, Snapshot
from .tutorial import StepResult, UndoResult, steady

if TYPE_CHECKING:
    from .diff import Changes
    from .lab import Lab
    from .tutorial import Step, Tutorial

__all__ = ["Panel", "Stepper", "render"]

HOST = ""  # dropdown value for the host namespace: a namespace name is never empty
# Panel button (its key, CSS class and tests' handle) -> its label's message; the
# buttons are the verbs' declarations' (nslab.verbspec.Offer)
PANEL_BUTTONS = {v.panel.button: v.panel.label for v in verbspec.panel_verbs() if v.panel}
NOMASTER = "\0nomaster"  # dropdown value for "detach from the bridge" (no name has a NUL)

_ERROR_STYLE = "color:#b00020;margin:2px 0 6px 0;white-space:pre-wrap"
_PRE_STYLE = (
    "margin:0;padding:6px;background:#f7f7f7;border:1px solid #ddd;"
    "white-space:pre-wrap;font-size:12px"
)


# ---------------------------------------------------------------- helpers


def _key(value: str) -> NsKey:
    return value or None


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _inline_code(text: str) -> str:
    """Escaped text with its `backticks` shown as <code>, as markdown would."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _text(text))


def _explained_html(step: Step) -> str:
    """What a step did, as the notebook says it below the output (**bold** kept)."""
    html = re.sub(r"[*][*](.+?)[*][*]", r"<b>\1</b>", _inline_code(step.explained_markdown()))
    return f"<p class='nslab-explained'>{html}</p>"


def _pre(text: str, cls: str = "nslab-pre") -> str:
    return f'<pre class="{cls}" style="{_PRE_STYLE}">{_text(text)}</pre>'


def _error_html(message: str, exc: BaseException | None = None) -> str:
    """An error, announced by screen readers as it appears (role=alert), and its fix as
    a Lab call and as `ip` when the error carries them (NslabError.fix_call, fix_ip)."""
    return (f'<div class="nslab-error" role="alert" style="{_ERROR_STYLE}">'
            f"{_text(message)}{_fix_html(exc)}</div>")


def _fix_html(exc: BaseException | None) -> str:
    """The error's fix, from its fields, in the notebook's language ("" if it has none)."""
    call = getattr(exc, "fix_call", None)
    if not call:
        return ""
    command = getattr(exc, "fix_ip", None)
    # placeholders, so the sentence is escaped as text and the code goes in as <code>
    text = (say("panel.fix_ip", call="\0call", command="\0ip") if command
            else say("panel.fix", call="\0call"))
    code = {"\0call": call, "\0ip": command or ""}
    out = re.sub("\0(call|ip)", lambda m: f"<code>{_text(code[m[0]])}</code>", _text(text))
    return f"<div class='nslab-fix'>{out}</div>"


# Accessibility (WCAG 2.1 AA) of the Panel and the Stepper: a focus ring of 3:1 or more
# (2.4.7, 1.4.11); the labels that name fields hidden visually but read by screen readers
# (4.1.2); a drawing at its natural size, scrolling rather than shrunk (1.4.4).
_A11Y_CSS = (
    "<style>.nslab-panel :focus-visible,.nslab-stepper :focus-visible{"
    "outline:3px solid #1a4f9f!important;outline-offset:2px}"
    ".nslab-named>.widget-label{position:absolute!important;width:1px!important;"
    "min-width:0!important;height:1px;overflow:hidden;clip-path:inset(50%);"
    "white-space:nowrap;margin:0;padding:0}"
    ".nslab-drawing .widget-html-content{flex:1 1 auto;min-width:0;max-width:100%}</style>"
)

# The accessible name of each Panel field, by field key (both languages: nslab.messages);
# a field's control and live check come from its parameter's `ui` (nslab.verbspec).
_FIELD_NAMES = {
    "name": "panel.field.name", "ns": "panel.field.ns", "peer": "panel.field.peer",
    "peer_ns": "panel.field.peer_ns", "link": "panel.field.link", "to": "panel.field.to",
    "cidr": "panel.field.cidr", "target": "panel.field.target",
    "master": "panel.field.master", "command": "panel.field.command",
}  # fmt: skip
_CHECKS: dict[str, Callable[[Any], Any] | None] = {
    "new_netns": names.check_netns_name, "new_link": names.check_ifname,
    "cidr": names.check_interface_address, "addr": names.check_ip, "text": None,
}  # fmt: skip
_WIDTHS = {"ns": "110px", "lab_ns": "110px", "netns": "160px", "link": "180px",
           "bridge": "110px", "new_link": "100px", "text": "180px"}  # fmt: skip
_MAY_BE_EMPTY = ("link", "netns", "lab_ns")  # dropdowns with nothing to choose at first


def _name(control: widgets.Widget, name: str) -> None:
    """Give a field an accessible name: its <label>, hidden visually (see _A11Y_CSS)."""
    control.description = name
    control.add_class("nslab-named")


def _keep_focus(clicked: widgets.Button | None, fallback: widgets.Widget) -> None:
    """A button just clicked that is now disabled would drop the keyboard focus to the
    page: move it to `fallback` instead (WCAG 2.4.3)."""
    if clicked is not None and clicked.disabled:
        fallback.focus()


def _changes_html(changes: Changes | None, title: str = "") -> str:
    return changes_html(changes, title)  # the one HTML form of "what changed" (nslab.diff)


def _problem(exc: BaseException) -> str:
    """The library's own message; other exceptions also say what they are."""
    if isinstance(exc, NslabError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _read(lab: Lab) -> Snapshot:
    """The host and the lab's own namespaces, as the kernel holds them now."""
    for attempt in range(3):
        try:
            return lab.snapshot().lab_only()
        except NotFound:  # another program's namespace vanished while it was being read
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _changes(before: Snapshot | None, after: Snapshot) -> Changes | None:
    """What changed in the lab: in the host, only links this lab made count (and routes
    through them), so other programs' veths coming and going are not reported."""
    if before is None:
        return None
    return steady(_lab_view(after)) - steady(_lab_view(before))


def _lab_view(snap: Snapshot) -> Snapshot:
    host = snap.host
    if host is None:
        return snap
    links = tuple(lk for lk in host.links if lk.owned)
    mine = {lk.name for lk in links}
    routes = tuple(r for r in host.routes if r.dev in mine)
    host = dataclasses.replace(host, links=links, routes=routes)
    return Snapshot(tuple(host if n.key is None else n for n in snap.namespaces))


def render(snapshot: Snapshot, changes: Changes | None = None, **options: Any) -> str:
    """Snapshot -> the SVG the widgets show (draw + `dot`)."""
    return to_svg(draw(snapshot, changes=changes, **options))


def _refresh_or_say(refresh: Callable[[], None], show: Callable[[str], None]) -> None:
    """Redraw after a click; if even reading the kernel fails, say so in the widget
    (an exception raised from a callback is lost in JupyterLab)."""
    try:
        refresh()
    except Exception as exc:
        show(say("stepper.redraw_failed", problem=_problem(exc)))


def _redraw(view: Any, snap: Snapshot, changes: Changes | None, **options: Any) -> None:
    """Set view.svg and view.drawing; skip `dot` when the picture cannot have changed
    (the same kernel state with nothing marked, e.g. after a refused click)."""
    key = (snap, changes or None, options)
    if key == getattr(view, "_drawn", None):
        return
    drawing = draw(snap, changes=changes, **options)
    view.svg = to_svg(drawing)  # accessible: role=img, <title>, <desc> (nslab.draw)
    view.drawing.value = _A11Y_CSS + figure_html(view.svg, drawing.alt)
    view._drawn = key


def _ns_options(snap: Snapshot, *, host: bool = True) -> list[tuple[str, str]]:
    """The namespaces this lab may act in: the host, then its own namespaces."""
    opts = [("host", HOST)] if host else []
    opts += [(ns.label, ns.key) for ns in snap.namespaces if ns.key is not None and ns.owned]
    return opts


def _link_options(snap: Snapshot, kind: str | None = None) -> list[tuple[str, tuple[str, str]]]:
    """Links this lab may change, as ('veth-test1 in test1', (ns, ifname))."""
    return [
        (f"{lk.name} in {ns.label}", (ns.key or HOST, lk.name))
        for ns in snap.namespaces
        for lk in ns.links
        if lk.owned and (kind is None or lk.kind == kind)
    ]


def _set_options(dropdown: widgets.Dropdown, options: list[tuple[str, Any]]) -> None:
    """Replace the options, keeping the current choice when it still exists."""
    if list(dropdown.options) == options:
        return
    keep = dropdown.value
    dropdown.options = options
    values = [v for _, v in options]
    if keep in values:
        dropdown.value = keep
    elif values:
        dropdown.value = values[0]


def _choices(snap: Snapshot, ui: str) -> list[tuple[str, Any]]:
    """The options of a dropdown of this kind (nslab.verbspec.UI), from the kernel."""
    if ui in ("ns", "lab_ns"):
        return _ns_options(snap, host=ui == "ns")  # type: ignore[return-value]
    if ui == "netns":
        return [(n.key, n.key) for n in snap.namespaces
                if n.kind == "named" and n.owned and n.key]
    if ui == "link":
        return _link_options(snap)  # type: ignore[return-value]
    if ui == "bridge":
        bridges = [(label, value[1]) for label, value in _link_options(snap, "bridge")]
        return [("nomaster", NOMASTER), *bridges]
    raise ValueError(f"no dropdown for a parameter shown as {ui!r}")


def _arguments(verb: verbspec.Verb, layout: dict[str, tuple[str, ...]],
               values: dict[str, Any]) -> dict[str, Any]:
    """The verb's arguments, by parameter name, from its form's field values."""
    out: dict[str, Any] = {}
    for key, params in layout.items():
        value, ui = values[key], verb.param(params[-1]).ui
        if ui == "link":  # (namespace, name): the scope and the link's name
            out.update(zip(params, ((_key(value[0]), value[1]) if len(params) == 2
                                    else (value[1],)), strict=True))
        elif ui in ("ns", "lab_ns"):
            out[params[0]] = _key(value)
        elif ui == "bridge":
            out[params[0]] = None if value == NOMASTER else value
        else:
            out[params[0]] = value
    return out


@dataclass
class _Form:
    """One verb: its fields, its button, and the message line right under them."""

    verb: str
    fields: dict[str, widgets.Widget]
    buttons: dict[str, widgets.Button]
    message: widgets.HTML
    box: widgets.Widget
    required: list[widgets.Dropdown] = field(default_factory=list)
    error: str = ""  # the last message shown, as plain text

    def values(self) -> dict[str, Any]:
        return {name: w.value for name, w in self.fields.items()}

    def show(self, error: str, exc: BaseException | None = None) -> None:
        self.error = error
        self.message.value = _error_html(error, exc) if error else ""


# ---------------------------------------------------------------- Panel


class Panel(widgets.VBox):
    """A form for each Lab verb, the live drawing, the transcript and the last output.

    ``Panel(lab)`` alone in a cell shows it. Each button calls one Lab method; on an
    error the library's message appears under that form and the kernel is untouched
    (the Lab validates before it changes anything). ``panel.svg`` is the latest drawing.
    """

    def __init__(self, lab: Lab, *, all_host_links: bool = False, **kwargs: Any) -> None:
        self.lab = lab
        self.all_host_links = all_host_links
        self.snapshot: Snapshot | None = None
        self.changes: Changes | None = None
        self.svg = ""
        self.forms: dict[str, _Form] = {}
        self._dropdowns: list[tuple[widgets.Dropdown, str]] = []  # (widget, its ui)

        self.drawing = widgets.HTML(layout=widgets.Layout(max_width="100%", overflow="hidden"))
        self.drawing.add_class("nslab-drawing")
        self.changes_view = widgets.HTML()
        self.transcript_view = widgets.HTML()
        self.output = widgets.Output(layout=widgets.Layout(border="1px solid #ddd"))
        self.output.add_class("nslab-output")

        forms = self._build_forms()
        left = widgets.VBox(
            [widgets.HTML(say("panel.heading", lab=f"<b>Lab {_text(lab.name)}</b>"))]
            + [f.box for f in forms],
            layout=widgets.Layout(flex="0 1 680px", max_width="100%"),
        )
        right = widgets.VBox(
            [self.drawing, self.changes_view],
            layout=widgets.Layout(flex="1 1 300px", max_width="100%"),
        )
        bottom = widgets.HBox(
            [
                widgets.VBox(
                    [widgets.HTML(f"<b>{_text(say('panel.output'))}</b>"), self.output],
                    layout=widgets.Layout(width="50%"),
                ),
                widgets.VBox(
                    [widgets.HTML(say("panel.transcript",
                                      transcript=f"<b>{_text(say('panel.transcript_word'))}</b>")),
                     self.transcript_view],
                    layout=widgets.Layout(width="50%"),
                ),
            ]
        )
        top = widgets.HBox([left, right], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(
            [top, bottom], layout=widgets.Layout(max_width="100%", overflow="hidden"), **kwargs
        )
        self.add_class("nslab-panel")
        self.refresh()

    # -- building: one form per verb declaration (nslab.verbspec) ----------------------
    def _control(self, p: verbspec.Param) -> widgets.Widget:
        """The control its parameter's `ui` declares: a text field (checked as it is
        typed) or a dropdown refilled from the kernel at every refresh."""
        layout = widgets.Layout(width=_WIDTHS.get(p.ui, "130px"), flex="0 0 auto")
        if p.ui in _CHECKS:
            box = widgets.Text(placeholder=p.example, layout=layout)
            box.add_class("nslab-field")
            box._nslab_check = _CHECKS[p.ui]  # type: ignore[attr-defined]
            return box
        dd = widgets.Dropdown(layout=layout)
        self._dropdowns.append((dd, p.ui))
        return dd

    def _action(self, verb: verbspec.Verb, layout: dict[str, tuple[str, ...]]
                ) -> Callable[[dict[str, Any]], Any]:
        """What the verb's button does with the field values: exactly one Lab call."""
        positional = [p.name for p in verb.params if not p.keyword]

        def act(values: dict[str, Any]) -> Any:
            kwargs = _arguments(verb, layout, values)
            args = []
            for name in positional:  # by position as far as they go, as a cell writes it
                if name not in kwargs:
                    break
                args.append(kwargs.pop(name))
            return getattr(self.lab, verb.name)(*args, **kwargs)

        return act

    def _form(self, key: str, verbs: list[verbspec.Verb]) -> _Form:
        """A row `command [fields] [buttons]` and a message line under it: the fields of
        the verbs' declaration, a button per verb (set_up and set_down share a form)."""
        first = verbs[0]
        command = first.form or key
        layout = verbspec.panel_fields(first)
        fields = {name: self._control(first.param(params[-1]))
                  for name, params in layout.items()}
        buttons: dict[str, widgets.Button] = {}
        for verb in verbs:
            assert verb.panel is not None
            label = verb.panel.button
            button = widgets.Button(  # the label in the notebook's language; the key stays
                description=say(verb.panel.label),
                layout=widgets.Layout(width="auto", flex="0 0 auto"),
            )
            button.add_class("nslab-" + label.replace(" ", "-"))
            buttons[label] = button
        message = widgets.HTML()
        message.add_class("nslab-message")
        label = widgets.HTML(
            f"<code style='white-space:nowrap'>{_text(command)}</code>",
            layout=widgets.Layout(width="140px", flex="0 0 auto"),
        )
        for name, w in fields.items():
            w.add_class(f"nslab-{key}-{name}")  # stable hooks for browser tests and CSS
            _name(w, say("panel.field-name", command=command, field=say(_FIELD_NAMES[name])))
        row = widgets.HBox(
            [label, *fields.values(), *buttons.values()],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        required = [fields[name] for name, params in layout.items()
                    if first.param(params[-1]).ui in _MAY_BE_EMPTY]
        form = _Form(key, fields, buttons, message, widgets.VBox([row, message]),
                     required=required)  # type: ignore[arg-type]
        for verb in verbs:
            assert verb.panel is not None
            buttons[verb.panel.button].on_click(self._callback(form, self._action(verb, layout)))
        for w in fields.values():
            check = getattr(w, "_nslab_check", None)
            if check is not None:
                w.observe(self._live_check(form, check), names="value")
        self.forms[key] = form
        return form

    def _build_forms(self) -> list[_Form]:
        """A form for each verb the declarations offer, in their order."""
        groups: dict[str, list[verbspec.Verb]] = {}
        for verb in verbspec.panel_verbs():
            groups.setdefault(verb.form_key, []).append(verb)
        return [self._form(key, verbs) for key, verbs in groups.items()]

    # -- callbacks ----------------------------------------------------------------
    def _callback(self, form: _Form, action: Callable[[dict[str, Any]], Any]):
        def on_click(button: widgets.Button) -> None:
            self._clicked = button
            self._click(form, action)

        return on_click

    def _click(self, form: _Form, action: Callable[[dict[str, Any]], Any]) -> None:
        """What a click does: one library call, its output or error shown, then a redraw."""
        for other in self.forms.values():
            other.show("")
        self.output.outputs = ()
        said = len(self.lab.transcript)
        try:
            with self.output:  # in a kernel: whatever the call prints lands here
                try:
                    result = action(form.values())
                except Exception as exc:  # shown, not raised: a callback has no caller
                    form.show(_problem(exc), exc)
                    return
                commands = list(self.lab.transcript)[said:]
                text = "".join(f"$ {c}\n" for c in commands)
                if result is not None and not isinstance(result, list):
                    text += str(result).rstrip("\n") + "\n"
                elif isinstance(result, list) and result:
                    text += say("panel.removed", what=", ".join(map(str, result))) + "\n"
                self.output.append_stdout(text or say("panel.done") + "\n")
        finally:
            _refresh_or_say(self.refresh, form.show)

    def _live_check(self, form: _Form, check: Callable[[Any], Any]):
        """Validate a text field as it is typed, with the library's pure checks."""

        def on_change(change: dict[str, Any]) -> None:
            value = change["new"]
            try:
                if value:
                    check(value)
            except NslabError as exc:
                form.show(str(exc), exc)
                return
            form.show("")

        return on_change

    # -- refresh ------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the kernel again; redraw, refill the dropdowns and the transcript."""
        snap = _read(self.lab)
        changes = _changes(self.snapshot, snap)
        self.snapshot, self.changes = snap, changes
        _redraw(self, snap, changes, all_host_links=self.all_host_links)
        self.changes_view.value = _changes_html(changes)
        self.transcript_view.value = _pre(str(self.lab.transcript) or "(no commands yet)")
        choices: dict[str, list[tuple[str, Any]]] = {}
        for dd, ui in self._dropdowns:
            if ui not in choices:
                choices[ui] = _choices(snap, ui)
            _set_options(dd, choices[ui])
        for form in self.forms.values():
            empty = any(not dd.options for dd in form.required)
            for button in form.buttons.values():
                button.disabled = empty
                button.tooltip = "nothing to choose yet" if empty else ""
        _keep_focus(getattr(self, "_clicked", None), self.forms["add_netns"].fields["name"])


# ---------------------------------------------------------------- Stepper


class Stepper(widgets.VBox):
    """A step-through player for a Tutorial: Run step, Back, Reset, and a live drawing.

    Which steps are done is read from the kernel at every redraw (`tutorial.done`), so
    notebook cells and the Stepper mix in any order. The dropdown picks the step to run
    (the first one the kernel does not show, by default); a step whose prerequisite is
    missing says which one to run. Back undoes the last done step (`tutorial.back()`),
    Reset starts over (`tutorial.restart()`). The controls sit above the drawing, which
    scales to the cell's width.
    """

    def __init__(self, tutorial: Tutorial, **kwargs: Any) -> None:
        self.tutorial = tutorial
        self.lab = tutorial.lab
        self.snapshot: Snapshot | None = None
        self.changes: Changes | None = None
        self.result: Any = None
        self.svg = ""
        self.error = ""
        self._title = ""  # what the next "what changed" is about ("S19 undone")
        self._clicked: widgets.Button | None = None  # the last button clicked (focus)

        self.choice = widgets.Dropdown(
            options=[(f"{s.id} {s.title}", s.id) for s in tutorial.steps.values()],
            layout=widgets.Layout(width="auto", max_width="100%"),
        )
        _name(self.choice, say("stepper.choice"))
        self.heading = widgets.HTML()
        self.explain = widgets.HTML()  # the step's introduction: what to do
        self.explained = widgets.HTML()  # what happened: shown only after Run step
        self.command = widgets.HTML()
        self.progress = widgets.HTML()
        auto = {"width": "auto", "flex": "0 0 auto"}
        self.run_button = widgets.Button(
            description=say("stepper.run"), button_style="primary", layout=widgets.Layout(**auto)
        )
        self.back_button = widgets.Button(
            description=say("stepper.back"), layout=widgets.Layout(**auto)
        )
        self.reset_button = widgets.Button(
            description=say("stepper.reset"), layout=widgets.Layout(**auto)
        )
        for b, cls in ((self.run_button, "run"), (self.back_button, "back"),
                       (self.reset_button, "reset")):
            b.add_class("nslab-step-" + cls)
        self.message = widgets.HTML()
        self.message.add_class("nslab-message")
        self.output = widgets.Output(
            layout=widgets.Layout(border="1px solid #ddd", max_width="100%", overflow="auto")
        )
        self.output.add_class("nslab-output")
        self.changes_view = widgets.HTML()
        self.drawing = widgets.HTML(layout=widgets.Layout(max_width="100%", overflow="hidden"))
        self.drawing.add_class("nslab-drawing")

        for button, act in ((self.run_button, self.run_step), (self.back_button, self.back),
                            (self.reset_button, self.reset)):
            button.on_click(lambda b, act=act: (setattr(self, "_clicked", b), act()))
        self.choice.observe(lambda _c: self._show_step(), names="value")

        controls = widgets.HBox(
            [self.choice, self.run_button, self.back_button, self.reset_button],
            layout=widgets.Layout(flex_flow="row wrap", max_width="100%"),
        )
        controls.add_class("nslab-step-controls")
        super().__init__(
            [self.heading, self.explain, self.command, controls, self.message, self.progress,
             self.output, self.explained, self.changes_view, self.drawing],
            layout=widgets.Layout(width="100%", max_width="100%", overflow="hidden"),
            **kwargs,
        )
        self.add_class("nslab-stepper")
        self.refresh()
        self.choice.value = tutorial.next_id() or tutorial.ids[-1]
        self._show_step()

    # -- what the buttons do: one Tutorial call each ----------------------------------
    def run_step(self) -> None:
        """Run the step chosen in the dropdown."""
        step_id = self.choice.value
        self._act(lambda: self.tutorial.run(step_id), title=say("stepper.step_done", step=step_id))

    def back(self) -> None:
        """Undo the last done step (tutorial.back(): inverse calls, in reverse)."""
        self._act(self.tutorial.back)

    def reset(self) -> None:
        """Start over (tutorial.restart(): the lab removes what it made)."""
        self._act(self.tutorial.restart)

    def _act(self, call: Callable[[], Any], *, title: str = "") -> None:
        """One Tutorial call; its outputs or error shown; then a redraw from the kernel,
        which picks the next step to offer."""
        self._say("")
        self.output.outputs = ()
        self.explained.value = ""
        self._title = title
        self.result = None
        try:
            with self.output:  # in a kernel: whatever the call prints lands here
                try:
                    result = call()
                except Exception as exc:  # shown in the widget, not raised
                    self._say(_problem(exc), exc)
                    self._title = ""
                    return
                self.result = result
                if isinstance(result, StepResult):
                    if result.prerequisites:
                        self.output.append_stdout(say(
                            "stepper.ran_first", steps=", ".join(result.prerequisites),
                            step=result.step.id) + "\n")
                    for out in result.outputs:
                        shown = str(out).rstrip("\n") or say(
                            "stepper.exit_status", code=out.returncode)
                        self.output.append_stdout(f"$ {out.command}\n{shown}\n")
                    if not result.outputs:
                        self.output.append_stdout(say("stepper.step_done", step=result.step.id)
                                                  + "\n")
                    self.explained.value = _explained_html(result.step)
                elif isinstance(result, UndoResult):
                    self._title = say("step.undone", step=result.step.id)
        finally:
            _refresh_or_say(self._refresh_and_choose, self._say)

    def _refresh_and_choose(self) -> None:
        """Redraw, then offer the step after the one run, the one undone after Back, or
        else the first one the kernel does not show."""
        self.refresh()
        ids, done = self.tutorial.ids, set(self.tutorial.done)
        if isinstance(self.result, StepResult) and not self.error:
            later = ids[ids.index(self.result.step.id) + 1:]
            nxt = next((i for i in later if i not in done), None)
        elif isinstance(self.result, UndoResult) and not self.error:
            nxt = self.result.step.id
        else:
            nxt = next((i for i in ids if i not in done), None)
        if nxt is not None:
            self.choice.value = nxt

    # -- display -------------------------------------------------------------------
    def _say(self, error: str, exc: BaseException | None = None) -> None:
        self.error = error
        self.message.value = _error_html(error, exc) if error else ""

    def _show_step(self) -> None:
        step: Step = self.tutorial.steps[self.choice.value]
        n = self.tutorial.ids.index(step.id) + 1
        of = say("stepper.of", n=n, total=len(self.tutorial.ids))
        self.heading.value = (
            f"<h3 style='margin:4px 0'>{_text(step.id)} · {_text(step.title)} "
            f"<small>{_text(of)}</small></h3>"
        )
        self.explain.value = f"<p>{_inline_code(step.intro)}</p>"
        lines = "\n".join(f"$ {line}" for line in step.command.splitlines())
        self.command.value = _pre(lines, "nslab-command")

    def refresh(self) -> None:
        """Read the kernel again; redraw, say what changed and which steps it shows done."""
        snap = _read(self.lab)
        changes = _changes(self.snapshot, snap)
        self.snapshot, self.changes = snap, changes
        _redraw(self, snap, changes)
        self.changes_view.value = _changes_html(changes, self._title)
        self._title = ""
        done = self.tutorial.done
        text = (say("stepper.done", steps=", ".join(done)) if done
                else say("stepper.none_done"))
        self.progress.value = (  # announced after every click (a live region)
            f"<small class='nslab-step-progress' role='status' aria-live='polite'>"
            f"{_text(text)}</small>")
        self.back_button.disabled = not done
        _keep_focus(self.back_button if self._clicked is self.back_button else None,
                    self.run_button)
