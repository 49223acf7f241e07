"""Messages: the teacher's report and the nbgrader glue."""

from ._mark import N_, Nn_

MESSAGES: dict[str, str | tuple[str, str]] = {
    "report.no_dir": N_(
        "{dir} is not a directory. Give `nslab report` the nbgrader course directory "
        "(the one with nbgrader_config.py and autograded/)."
    ),
    "report.no_autograded": N_(
        "{dir} has no autograded/ folder, so there is nothing to report yet. Run "
        "`nbgrader autograde ASSIGNMENT` in that course directory first, or give the "
        "autograded/ folder itself."
    ),
    "report.no_exercises": N_(
        "{dir} holds no autograded nslab exercise notebook (STUDENT/ASSIGNMENT/NN-name.ipynb). "
        "Release the notebooks of notebooks/exercises/ with nbgrader, collect and autograde "
        "them, then run `nslab report` again."
    ),
    "report.not_an_exercise": N_(
        "{notebook} is not an nslab exercise (its name matches none of nslab.exercises); "
        "it may come from another course. Move it out of autograded/ and run again."
    ),
    "report.unreadable": N_(
        "{notebook} cannot be read as a notebook ({error}). Autograde it again or move it "
        "out of autograded/."
    ),
    "report.grade_cell_missing": N_(
        "{notebook} lacks the grade cell(s) {cells} of the released exercise (deleted by the "
        "student?). Ask for a new submission, or restore the cells from the release and "
        "autograde again."
    ),
    "report.problems": Nn_(
        "No report written: {n} problem to fix first:",
        "No report written: {n} problems to fix first:",
    ),
    "report.goal_not_checked": N_("not checked: the check did not run ({error})"),
    "report.html.title": N_("nslab exercises: the class at a glance"),
    "report.html.students": Nn_("{n} student", "{n} students"),
    "report.html.goals": N_("Goals met"),
    "report.html.col_exercise": N_("Exercise"),
    "report.html.col_goal": N_("Goal"),
    "report.html.col_met": N_("Students who met it"),
    "report.html.met_of": N_("{met} of {total}"),
    "report.html.faults": N_("Most common faults"),
    "report.html.fault_count": Nn_("{reason} ({n} time)", "{reason} ({n} times)"),
    "report.html.no_faults": N_("No fault: every goal met."),
    "report.cli.help": N_(
        "Write a CSV (one row per student, exercise and goal) and a one-page HTML summary "
        "from nbgrader's autograded nslab exercise notebooks."
    ),
    "report.cli.dir": N_("the nbgrader course directory (or its autograded/ folder)"),
    "report.cli.out": N_("where to write goals.csv and summary.html (default: DIR/nslab-report)"),
    "report.cli.failed": N_("nslab report: {error}"),
    "report.cli.wrote": N_("nslab report: wrote {csv} and {html}"),
}
