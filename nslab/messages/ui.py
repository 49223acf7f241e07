"""Messages: widgets (Panel, Stepper, Hints), the %ip magic, the workbook."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
    # the tutorial runner
    "step.all_done": N_("Every step has run. Start over with tutorial.restart()."),
    "step.unknown": N_("There is no step {step!r} here. {hint} Steps: {steps}."),
    "step.already_done": N_(
        "Step {step} already ran. Go on with {next}, or start over "
        "with tutorial.restart()."
    ),
    "step.already_done_last": N_(
        "Step {step} already ran. Go on with the next notebook, or "
        "start over with tutorial.restart()."
    ),
    "step.needs": N_("Step {step} needs {what} first: run step {missing} first."),
    "step.what_it_needs": N_("what it needs"),
    "step.nothing_to_undo": N_("No step has run yet, so there is nothing to go back to."),
    "step.undone": N_("{step} undone"),
    "step.undo_failed": N_(
        "Could not undo step {step} ({problem}), and there is no checkpoint to rebuild it "
        "from. Start over with tutorial.restart()."
    ),
    "step.run_first": N_(" Run step {step} first."),
    # the Stepper
    "panel.heading": N_("{lab}: each button runs one command"),
    "panel.output": N_("Output of the last command"),
    "panel.transcript": N_("{transcript} (the equivalent ip commands)"),
    "panel.transcript_word": N_("Transcript"),
    "panel.removed": N_("removed: {what}"),
    "panel.done": N_("(done)"),
    "panel.button.add_namespace": N_("add namespace"),
    "panel.button.delete_namespace": N_("delete namespace"),
    "panel.button.add_veth": N_("add veth"),
    "panel.button.move": N_("move"),
    "panel.button.add_address": N_("add address"),
    "panel.button.set_up": N_("set up"),
    "panel.button.set_down": N_("set down"),
    "panel.button.ping": N_("ping"),
    "panel.button.add_bridge": N_("add bridge"),
    "panel.button.set_master": N_("set master"),
    "panel.button.delete_link": N_("delete link"),
    "panel.button.run": N_("run"),
    "panel.button.reset_lab": N_("reset lab"),
    "stepper.choice": N_("Step to run"),
    # -- the Panel's fields, as screen readers name them ("ip link add veth: peer name")
    "panel.field-name": N_("{command}: {field}"),
    "panel.field.name": N_("name"),
    "panel.field.ns": N_("namespace"),
    "panel.field.peer": N_("peer name"),
    "panel.field.peer_ns": N_("peer's namespace"),
    "panel.field.link": N_("interface"),
    "panel.field.to": N_("to namespace"),
    "panel.field.cidr": N_("address with prefix"),
    "panel.field.target": N_("address to ping"),
    "panel.field.master": N_("bridge"),
    "panel.field.command": N_("command"),
    # -- an error's fix, from its fields (NslabError.fix_call, fix_ip)
    "panel.fix": N_("Fix: {call}"),
    "panel.fix_ip": N_("Fix: {call}  or  {command}"),
    "stepper.run": N_("Run step"),
    "stepper.back": N_("Back"),
    "stepper.reset": N_("Reset"),
    "stepper.done": N_("Steps done (as the kernel shows): {steps}"),
    "stepper.none_done": N_("Steps done (as the kernel shows): none yet"),
    "stepper.ran_first": N_(
        "Ran {steps} first: step {step} needs it (the kernel did not show it)."
    ),
    "stepper.step_done": N_("Step {step} done."),
    "stepper.exit_status": N_("(exit status {code})"),
    "stepper.redraw_failed": N_("Could not read the kernel to redraw: {problem}"),
    "stepper.of": N_("({n} of {total})"),
    # the %ip magic and lab.sh
    "ip.empty": N_("No command given. Type an `ip` command, e.g. %ip netns add test1"),
    "ip.syntax": N_("Cannot read the command {command!r}: {problem}."),
    "ip.not_ip": N_(
        "{word!r} is not an `ip` command: %ip and lab.sh() take `ip ...` lines as the "
        "article writes them (with or without sudo). {hint}"
    ),
    "ip.unsupported": N_(
        "Command {command!r} is not supported here. {hint} Supported: {supported}."
    ),
    "ip.unsupported_python": N_(
        "Command {command!r} is not supported here. {hint} In Python: {python}"
    ),
    "ip.missing_arg": N_("Command {command!r} is incomplete: {usage}"),
    "ip.ran": N_("# the lab ran: {command}"),
    "ip.not_a_shell": N_(
        "Cells run one `ip` command, not a shell, so {command!r} did not run and nothing "
        "changed: {syntax!r} is shell syntax; to filter, ask `ip` itself (ip a show dev lo, "
        "ip -br a, ip -4 a), and type one command per line in a %%ip cell."
    ),
    "ip.sudo": N_("# sudo is not needed here: the lab ran this with its own privileges."),
    "ip.sudo_user": N_(
        "{command!r} asks to run as user {user!r}, which a cell cannot do: the lab runs "
        "every command with its own privileges. Type it without `{option}`: {typed}"
    ),
    "ip.no_lab": N_(
        "%ip needs a Lab in this notebook: create one first with lab = Lab() (it acts on "
        "the variable `lab`, or on the only Lab there is)."
    ),
    # the workbook
    "workbook.created": Nn_(
        "nslab workbook: copied {n} notebook (without outputs) to {path}",
        "nslab workbook: copied {n} notebooks (without outputs) to {path}",
    ),
    "workbook.kept": N_("nslab workbook: using your notebooks in {path}"),
    "workbook.updated": Nn_(
        "nslab workbook: using your notebooks in {path}; added {n} new notebook",
        "nslab workbook: using your notebooks in {path}; added {n} new notebooks",
    ),
    "workbook.unknown_lang": N_(
        "The course has no notebooks in language {lang!r}; it has: {available}. "
        "Choose one of them, e.g. {example}."
    ),
    "workbook.cannot_write": N_(
        "Cannot write your workbook in {path} ({reason}); nothing was changed. Choose a "
        "folder you can write: nslab lab --dir DIR, or set NSLAB_WORKBOOK=DIR."
    ),
    "workbook.fresh": N_(
        "nslab workbook: saved your notebooks as {saved}; a fresh copy is in {path}"
    ),
    "workbook.no_source": N_(
        "No notebooks to copy from {path}. Pass --notebooks DIR (a folder of .ipynb files)."
    ),
}
