"""Messages: the teacher's class page (nslab.classview, deploy/hub/class_service.py)."""

from ._mark import N_, Nn_

MESSAGES: dict[str, str | tuple[str, str]] = {
    "classview.title": N_("nslab class view"),
    "classview.students": Nn_("{n} student with a running server",
                              "{n} students with a running server"),
    "classview.refresh": N_("This page refreshes itself every {n} seconds."),
    "classview.no_students": N_(
        "No student has a running server yet. Tiles appear here when students log in to "
        "the hub and open a notebook."),
    "classview.summary.where": N_("Where the class is"),
    "classview.summary.common": N_("Most common open finding"),
    "classview.summary.count": Nn_("{n} student", "{n} students"),
    "classview.summary.none": N_("none"),
    "classview.no_data": N_("no data"),
    "classview.no_data_why": N_(
        "No readable state record yet: the student has not changed a lab since the server "
        "started, or the record is damaged."),
    "classview.exercise": N_("exercise {name}"),
    "classview.lab": N_("lab {name}"),
    "classview.step": N_("next step {step} ({done} of {total} done)"),
    "classview.steps_done": N_("all {total} steps done"),
    "classview.goals": N_("goals met: {met} of {total}"),
    "classview.stuck": N_("oldest finding open for {age}"),
    "classview.idle": N_("last action {age} ago"),
    "classview.no_action": N_("no action yet"),
    "classview.no_findings": N_("no findings: the lab shows no fault"),
    "classview.goals_open": N_("goals not all met for {age}"),
    "classview.expected": N_("expected at this step (not a fault yet):"),
    "classview.expected_by": N_("step {step} fixes it"),
    "classview.findings": N_("Findings"),
    "classview.fix": N_("Fix: {call}  or  {command}"),
    "classview.drawing": N_("Topology drawing"),
    "classview.drawing_alt": N_("Topology drawing of {name}'s lab"),
    "classview.transcript": N_("Transcript (the commands the student ran)"),
    "classview.transcript_empty": N_("no commands yet"),
    "classview.goal_list": N_("Goals"),
    "classview.back": N_("Back to the class"),
    "classview.open": N_("Open {name}'s lab"),
    "classview.seconds": N_("{s} s"),
    "classview.minutes": N_("{m} min {s} s"),
    "classview.hours": N_("{h} h {m} min"),
    "classview.unknown_student": N_(
        "{name} has no running server on this hub. Go back to the class page and pick a "
        "student from the tiles."),
}
