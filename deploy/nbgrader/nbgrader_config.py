# nbgrader configuration for an nslab course: copy it into the course directory (the folder
# with source/, release/, submitted/, autograded/) and set the course id.
#
# Grading runs student code, so run nbgrader as an UNPRIVILEGED user (not root, not the
# teacher's own account if it can sudo), and let every notebook execute in nslab's grading
# kernel: the rootless sandbox kernel ("Python 3 (nslab sandbox)": its own user, network
# and mount namespaces, so the labs' namespaces never reach the host) with a small private
# /tmp as well. Install that kernel once, as the grading user, with the nslab this course
# uses:
#
#     python -m nslab.report --install-kernel      # ~/.local/share/jupyter/kernels/nslab-grader
#
# then, in the course directory, as that user:
#
#     nbgrader generate_assignment ps1 && nbgrader autograde ps1 && nbgrader export
#     nslab report .                                # nslab-report/goals.csv, summary.html
#
# What this does not stop: the student's code runs in the same kernel as the grade cell, so
# a submission can redefine the grading functions and print any score. Review the solution
# cells of unexpected full marks (nbgrader's formgrader shows them), as with any nbgrader
# course.
#
# The exercises' grade cells print one number (the fraction of goals met, scaled to the
# cell's points); nbgrader 0.9 reads that as partial credit.

import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "nslab"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# Every notebook runs in the grading kernel, whatever kernel its metadata names.
c.ExecutePreprocessor.kernel_name = "nslab-grader"
# TCP on 127.0.0.1 does not cross network namespaces: talk to the kernel over ipc sockets,
# in a runtime dir the kernel can see (never under /run: the kernel mounts its own /run).
c.KernelManager.transport = "ipc"
_runtime = os.environ.setdefault(
    "JUPYTER_RUNTIME_DIR", os.path.expanduser("~/.local/share/jupyter/runtime")
)
os.makedirs(_runtime, mode=0o700, exist_ok=True)
# jupyter_client writes the connection file with mkstemp (in $TMPDIR) and, for ipc, names
# the sockets after `ip` (relative to the cwd unless absolute): both must be paths the kernel
# sees too, and it has a private /tmp.
os.environ["TMPDIR"] = _runtime
c.KernelManager.ip = os.path.join(_runtime, f"nbgrader-{os.getpid()}-ipc")
# A real ping per goal; building a lab takes a few seconds on a loaded machine.
c.Execute.timeout = 120
# A submission that kills its kernel scores 0 for the cells that did not run.
c.Execute.interrupt_on_timeout = True

# Student versions: nslab's exercises mark their solutions with nbgrader's own markers.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
