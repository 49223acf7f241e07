"""Messages: exercises, grading, the teacher's report, student versions."""

from ._mark import N_, Nn_

MESSAGES: dict[str, str | tuple[str, str]] = {
    # -- exercise files (nslab/exercises/_schema.py): "file:line: problem Fix: ..."
    "classroom.file.error": N_("{file}, line {line}: {problem} {fix}"),
    "classroom.file.unreadable": N_("Cannot read the exercise file {file}: {reason}. Check the "
                                    "path (nslab exercise new NAME writes a template)."),
    "classroom.file.syntax": N_("This is not valid TOML ({reason})."),
    "classroom.file.syntax_fix": N_("Fix the syntax at that line: strings in double quotes, "
                                    "one key = value per line, inline tables on one line."),
    "classroom.file.bad_filename": N_("The file name {name!r} does not say which exercise it is."),
    "classroom.file.filename_form": N_("Name it NN-name.toml: two digits, a dash, then lowercase "
                                       "letters, digits and dashes (e.g. 09-two-faults.toml)."),
    "classroom.file.unknown_key": N_("There is no key {key!r} in {where}."),
    "classroom.file.known_keys": N_("Fix the name. {hint}"),
    "classroom.file.missing_key": N_("{where} has no {key!r}, which every exercise needs."),
    "classroom.file.add_key": N_("Add {key} = ... (nslab exercise new NAME shows every key)."),
    "classroom.file.bad_language": N_("The text {key!r} has a translation {lang!r} that is not "
                                      "a language nslab knows, or is not a string."),
    "classroom.file.languages": N_("Use one of: {known} (en is required)."),
    "classroom.file.not_text": N_("{key!r} is not a text."),
    "classroom.file.text_form": N_("Write {key} = \"...\" or {key} = {{ en = \"...\", "
                                   "zh_CN = \"...\" }}."),
    "classroom.file.not_list": N_("{key!r} is not a list, or is empty."),
    "classroom.file.list_form": N_("Write {key} = [ ... ], with at least one item."),
    "classroom.file.no_kind": N_("An item of {key!r} has no {kind!r}."),
    "classroom.file.kinds": N_("Start each item with {kind} = one of: {known}."),
    "classroom.file.unknown_kind": N_("{kind} = {value!r} is not one nslab knows."),
    "classroom.file.unknown_arg": N_("{kind} has no argument {arg!r}."),
    "classroom.file.missing_arg": N_("{kind} needs the argument {arg!r}."),
    "classroom.file.bad_number": N_("number = {number!r} does not match the file name {name}."),
    "classroom.file.number_fix": N_("Set number = {prefix}, or rename the file."),
    "classroom.file.not_table": N_("{key!r} is not a table of names."),
    "classroom.file.names_form": N_("Write names = {{ a = \"{{tag}}-a\", va = \"veth-a\" }}: each "
                                    "role is a name template (15 characters at most once "
                                    "filled in)."),
    "classroom.file.unknown_name": N_("{{{name}}} is not a role of [names] (nor {{tag}})."),
    "classroom.file.faults_or_parts": N_("An exercise has either [[faults]] (troubleshooting) or "
                                         "[[parts]] (built from scratch), and not both."),
    "classroom.file.faults_fix": N_("Add [[faults]] with about, expect and fix, or [[parts]] with "
                                    "task and solution (nslab exercise new NAME shows both)."),
    "classroom.file.faults_form": N_("Write each fault as its own [[faults]] table."),
    "classroom.file.selfcheck_form": N_("Write selfcheck = [ {{ q = \"...\", a = \"...\" }} ]: "
                                        "three to five questions with their answers."),
    "classroom.file.no_goals": N_("goals is empty: the student would have nothing to reach."),
    "classroom.file.aliases_form": N_("Write aliases = [\"old-name\", ...]: the names the "
                                      "exercise had before, in lowercase letters, digits and "
                                      "dashes."),
    "classroom.file.goals_fix": N_("Add at least one behavioural goal, e.g. "
                                   "{{ goal = \"reachable\", ns = \"{{a}}\", addr = "
                                   "\"192.168.1.2\" }}."),
    "classroom.file.never_created": N_("The {what} {name!r} is never created by the steps of "
                                       "this file (they create: {created})."),
    "classroom.file.untagged": N_("The namespace {name!r} has no {{tag}} in its name, so two "
                                  "labs (or a test beside a notebook) would collide on it."),
    "classroom.file.untagged_fix": N_("Name it from a role whose template holds {{tag}}, e.g. "
                                      "names = {{ a = \"{{tag}}-a\" }} and name = \"{{a}}\"."),
    "classroom.file.name_fix": N_("Fix the name, or add the step that creates it."),
    "classroom.file.duplicate": N_("{file}: there is already an exercise {name!r} ({other}). "
                                   "Rename one of them (the name is the file name after NN-)."),
    # -- the exercises (nslab/exercises/_core.py)
    "classroom.tag.bad": N_("Tag {tag!r} does not fit: use 1 to 5 lowercase letters or digits, "
                            "starting with a letter (interface names keep to 15 characters), "
                            "e.g. tag='t1a2b'."),
    "classroom.exercise.missing": N_("There is no exercise {name!r}. {hint} Known: {known}."),
    "classroom.exercise.not_broken": N_("Exercise {name!r} is built from scratch, not broken. "
                                        "Troubleshooting labs: {trouble}. For this one start "
                                        "with lab = Lab({tag!r})."),
    "classroom.drawing.text": N_("(the drawing of lab {name!r})"),
    "classroom.toolkit.empty": N_("(nothing)\n"),
    "classroom.hints.button": N_("Show a hint ({n} of {total})"),
    "classroom.hints.none_left": N_("No more hints"),
    "classroom.hints.all_shown": Nn_("<p><i>No more hints: the only one is shown above.</i></p>",
                                     "<p><i>No more hints: all {n} are shown above.</i></p>"),
    "classroom.hints.item": N_("<p><b>Hint {n}.</b> {text}</p>"),
    "classroom.hints.capture": N_("Listen where the fault shows: `listen(lab, \"{ns}\", "
                                  "\"{ifname}\", sender=\"{sender}\", ping=\"{addr}\")`."),
    "classroom.listen.blank": N_("Fill in where to listen, then run the cell again: "
                                 "listen(lab, NAMESPACE, INTERFACE, ping=ADDRESS), and "
                                 "sender=NAMESPACE if another namespace sends the ping. "
                                 "The lab's namespaces and their interfaces:\n{places}"),
    "classroom.listen.place": N_("  {ns}: {ifnames}"),
    "classroom.hints.explain": N_("Still stuck? From now on the check cell explains every "
                                  "goal, the hidden ones too, each ✘ with its fix, and "
                                  "`drawing(lab, marks=True)` marks what looks wrong: run "
                                  "them again."),
    "classroom.drawing.unmarked": N_("(the drawing of lab {name!r}, without marks: they come "
                                     "with the last hint)"),
    # -- the teacher notebooks (nslab/exercises/_notebook.py)
    "classroom.nb.intro_trouble": N_(
        "# Troubleshooting exercise {number}: {title}\n\nIn this notebook you will:\n{learn}\n\n"
        "**Prerequisites:**\n{prerequisites}\n\nThe code cell under each *Exercise* heading is "
        "yours to write: in the student version it stops with `NotImplementedError` until you "
        "replace it. The check cells below it tell you, from the live kernel, whether you got "
        "there."),
    "classroom.nb.intro_build": N_(
        "# Exercise {number}: {title}\n\nIn this notebook you will:\n{learn}\n\n"
        "**Prerequisites:**\n{prerequisites}\n\nThe code cell under each *Exercise* heading is "
        "yours to write: in the student version it stops with `NotImplementedError` until you "
        "replace it. The check cells below it tell you, from the live kernel, whether you got "
        "there."),
    "classroom.nb.prereq_steps": N_("the article's steps S8–S19 (`ip netns add`, a veth pair, "
                                    "addresses, `ip link set up`, ping): the tutorial notebooks "
                                    "before this one"),
    "classroom.nb.prereq_kernel": N_("a kernel that may create namespaces: root, or the sandbox "
                                     "kernel \"Python 3 (nslab sandbox)\" that `nslab lab` "
                                     "starts"),
    "classroom.nb.lab_trouble": N_("## The lab\n\n{story}\n\n`{call}` builds it for you, in real "
                                   "namespaces. Here it is, drawn from what the kernel holds now "
                                   "(the drawing shows the lab, not what is wrong with it):"),
    "classroom.nb.lab_build": N_("## The lab\n\n{story}"),
    "classroom.nb.given": N_("The namespaces and cables are given:"),
    "classroom.nb.goal_trouble": N_(
        "## The goal\n\n{goals}\n\nThe check asks the kernel (one snapshot, and a real ping for "
        "each *can ping* goal that another namespace must answer). Here it only says ✔ or ✘: "
        "finding out why is your job.{hidden}"),
    "classroom.nb.goal_build": N_(
        "## The goal\n\n{goals}\n\nThe check asks the kernel (one snapshot, and a real ping for "
        "each *can ping* goal that another namespace must answer) and explains every ✘.{hidden}"),
    "classroom.nb.hidden": Nn_(" The grade cell also checks {n} hidden goal about how the lab "
                               "is built.",
                               " The grade cell also checks {n} hidden goals about how the lab "
                               "is built."),
    "classroom.nb.toolkit": N_(
        "## Investigate\n\nThe same toolkit in every exercise: addresses and states "
        "(`ip -br a`), routes (`ip route`), neighbours (`ip neigh`), each in every namespace of "
        "the lab, and a capture while a ping runs. Look before you change anything."),
    "classroom.nb.listen": N_("A capture (ICMP only) while a ping runs: which packets really "
                              "cross an interface? Choose where to listen and what to ping, "
                              "fill in the blanks and run the cell (run it as it is to see "
                              "where you can listen)."),
    "classroom.nb.hints_trouble": N_("Stuck? Reveal the hints one at a time (one of the last "
                                     "ones says where to listen; the last one lets the check "
                                     "cell explain every goal and the drawing mark what it "
                                     "sees):"),
    "classroom.nb.hints": N_("Stuck? Reveal the hints one at a time:"),
    "classroom.nb.task_fix": N_("Fix the lab so that every goal is met. Change as little as "
                                "you can."),
    "classroom.nb.exercise": N_("#### Exercise {number}\n\n{task}"),
    "classroom.nb.check": N_("## Check\n\nEvery goal, the hidden ones too, each ✘ with its "
                             "explanation and fix. This cell is not graded: run it as often as "
                             "you like."),
    "classroom.nb.check_trouble": N_(
        "## Check\n\nEvery goal you see, ✔ or ✘. Once you have asked for the last hint, the "
        "hidden goals too, each ✘ with its explanation and fix. This cell is not graded: run "
        "it as often as you like."),
    "classroom.nb.drawing_marks_trouble": N_(
        "The lab as the kernel holds it now. Once you have asked for the last hint, the kit "
        "marks what looks wrong on it (a fixed lab shows no mark):"),
    "classroom.nb.drawing_marks": N_("The lab as the kernel holds it now, drawn with the "
                                     "kit's mistake marks on (a fixed lab shows none):"),
    "classroom.nb.question": N_("#### Question\n\n{question}"),
    "classroom.nb.kept": N_("{goal} (it holds already: keep it so)"),
    "classroom.nb.grade_kept": N_(" A goal that held already when you started earns nothing, "
                                  "and breaking it costs a point."),
    "classroom.nb.grade": Nn_(
        "## Grade\n\nThe autograder's cell. Its only output is the points earned: one for the "
        "goal, when it is met ({n} point in all).",
        "## Grade\n\nThe autograder's cell. Its only output is the points earned: one per goal "
        "met, so a half-fixed lab earns part of them ({n} points in all)."),
    "classroom.nb.cleanup_trouble": N_("Clean up: remove everything this lab created, and "
                                       "nothing else. (If you got lost on the way, "
                                       "`lab.restore(\"start\")` rebuilds the lab as it was "
                                       "handed out.)"),
    "classroom.nb.cleanup": N_("Clean up: remove everything this lab created, and nothing "
                               "else."),
    "classroom.nb.summary": N_("## Summary\n\n{lesson}"),
    "classroom.nb.selfcheck": N_("## Self-check\n\n{items}"),
    "classroom.nb.selfcheck_item": N_("{n}. {question}\n\n   <details><summary>Answer"
                                      "</summary>\n\n   {answer}\n\n   </details>\n"),
    "classroom.nb.no_part": N_("{where}: there is no part {part} ({{solution {part}}}): the "
                               "exercise has {parts} parts. Write {{solution N}} with N from 1 "
                               "to {parts}, or {{solution}} for the whole fix."),
    "classroom.nb.bad_kind": N_("{where}: cell {cell} has nbgrader: {kind!r}, which is no kind of "
                                "cell nbgrader knows here. Use one of: {known}."),
    "classroom.nb.no_text": N_("Exercise {name!r} has no text for its notebook: {file} leaves "
                               "out its prose (learn, story, question, answer, lesson). Write "
                               "its notebook text as {text} beside it (see course/exercises/), "
                               "or give those texts in the file."),
    # -- nslab exercise check / new (nslab/exercises/_files.py)
    "classroom.check.valid": N_("{file}: valid ({goals} goals)."),
    "classroom.check.start_fails": N_("✔ as handed out, the lab fails its goals: {summary}"),
    "classroom.check.start_passes": N_("✘ as handed out, the lab already meets every goal: the "
                                       "faults break nothing. Inject a fault that breaks a "
                                       "goal, or add the goal it breaks."),
    "classroom.check.expect_found": N_("✔ fault \"{about}\": the checker reports {expect!r}"),
    "classroom.check.expect_missing": N_("✘ fault \"{about}\": the checker never says {expect!r}. "
                                         "Run the check cell of the notebook, and copy into "
                                         "expect a piece of what it says about this fault."),
    "classroom.check.graded_holds": N_("✘ as handed out, the lab already meets the graded goal "
                                       "\"{goal}\": a point for nothing. Move it to "
                                       "constraints = [...] (it must still hold at the end, "
                                       "and breaking it costs), or inject a fault that breaks "
                                       "it."),
    "classroom.check.constraint_fails": N_("✘ as handed out, the lab does not meet the "
                                           "constraint \"{goal}\": a constraint holds before "
                                           "the fix and must still hold after it. Move it to "
                                           "goals = [...]."),
    "classroom.check.graded_fail": N_("✔ as handed out, every graded goal fails ({n} of "
                                      "them), so an untouched lab scores 0"),
    "classroom.check.fix_passes": N_("✔ after the reference fix, every goal is met"),
    "classroom.check.fix_fails": N_("✘ after the reference fix, goals are still unmet; fix the "
                                    "fix (or the goals):\n{report}"),
    "classroom.check.ok": N_("The exercise works: add it to the course."),
    "classroom.check.failed": N_("The exercise does not work yet: see the ✘ lines above."),
    "classroom.new.bad_name": N_("{name!r} cannot name an exercise: use lowercase letters, "
                                 "digits and dashes, starting with a letter (e.g. two-faults)."),
    "classroom.new.exists": N_("{file} exists already; nothing was written. Pick another name, "
                               "or edit that file."),
    "classroom.new.wrote": N_("wrote {file}: edit it, then run nslab exercise check {file}"),
}
