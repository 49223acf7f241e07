"""Messages: doctor, the CLI, the sandbox kernel, cleanup."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
    # doctor's verdict lines
    "doctor.verdict.fail": N_("nslab cannot run here yet: fix {checks}."),
    "doctor.verdict.warn": N_("Ready (with warnings: {checks})."),
    "doctor.verdict.ok": N_("Ready: every check passed."),
    "doctor.fix": N_("fix: {fix}"),
    "doctor.col.check": N_("check"),
    "doctor.col.result": N_("result"),
    "doctor.usage": N_(
        "usage: nslab doctor [--apparmor-profile]\n\nCheck privileges, kernel features, "
        "binaries and packages.\n--apparmor-profile prints the AppArmor profile for the "
        "sandbox launcher (Ubuntu 23.10+)."
    ),
    # binaries, found where the distribution installs them
    "doctor.binary.ok": N_("{path}"),
    "doctor.binary.broken": N_(
        "package {package} is installed but {tool} is in none of PATH, {dirs}"
    ),
    "doctor.binary.fix": N_("apt-get install {package}"),
    "doctor.binary.fix_conda": N_(
        "apt-get install {package} (conda: conda install -c conda-forge {conda})"
    ),
    "doctor.binary.fix_reinstall": N_("apt-get install --reinstall {package}"),
    # AppArmor's restriction of unprivileged user namespaces (Ubuntu 23.10+)
    "doctor.apparmor.restricted": N_(
        "kernel.apparmor_restrict_unprivileged_userns=1: AppArmor gives new user namespaces "
        "no capabilities, so the rootless sandbox cannot create namespaces or veths "
        "({probe})"
    ),
    "doctor.apparmor.allowed": N_(
        "kernel.apparmor_restrict_unprivileged_userns=1, but an AppArmor profile lets "
        "`unshare` create working namespaces"
    ),
    "doctor.apparmor.fix": N_(
        "as root, allow nslab's sandbox launcher with its AppArmor profile: {install}; or "
        "allow every program: "
        "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (keep it in "
        "/etc/sysctl.d/90-nslab-userns.conf)"
    ),
    "sandbox.apparmor": N_(
        "The nslab sandbox kernel cannot start: {reason}.\nFix: {fix}"
    ),
    "sandbox.start_failed": N_(
        "The nslab sandbox kernel cannot start: `mount -t tmpfs tmpfs /run` failed inside "
        "its user namespace. Run `nslab doctor` to see why and how to fix it."
    ),
    "doctor.run.not_found": N_("{command}: command not found"),
    "doctor.run.timeout": N_("timed out after {seconds} s"),
    "doctor.run.exit": N_("exit status {status}"),
    # doctor: mode and privileges
    "doctor.mode": N_("{mode} ({facts})"),
    "doctor.mode.euid": N_("euid {euid}"),
    "doctor.mode.container": N_("in a {container} container"),
    "doctor.mode.sandbox": N_("own user+network+mount namespaces; the host is untouched"),
    "doctor.priv.ok": N_("CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_RAW effective"),
    "doctor.priv.no_raw": N_("missing CAP_NET_RAW: namespaces work but ping does not"),
    "doctor.priv.no_raw.fix": N_("in Docker/podman add `--cap-add NET_RAW`"),
    "doctor.priv.container.fix": N_(
        "restart the container with `--cap-add NET_ADMIN --cap-add SYS_ADMIN` (podman also "
        "`--cap-add NET_RAW`); on AppArmor hosts add `--security-opt apparmor=unconfined`. "
        "Not --privileged."
    ),
    "doctor.priv.user.fix": N_(
        "use the rootless sandbox: `nslab lab` (kernel {kernel!r}), or run as root (sudo)"
    ),
    "doctor.priv.missing": N_("missing {caps}: this process cannot create namespaces"),
    "doctor.priv.missing_fine": N_(
        "missing {caps}: this process cannot create namespaces (fine: use the sandbox kernel)"
    ),
    "doctor.priv.notebook.fix": N_(
        "switch this notebook to the kernel {kernel!r} (Kernel > Change Kernel; start "
        "JupyterLab with `nslab lab` to have it)"
    ),
    # doctor: kernel features, probed in throwaway namespaces
    "doctor.untested.ip": N_("not tested: `ip` is missing"),
    "doctor.untested.unshare": N_("not tested: `unshare` is missing"),
    "doctor.untested.ip_unshare": N_("not tested: `ip` or `unshare` is missing"),
    "doctor.fix.iproute2": N_("apt-get install iproute2"),
    "doctor.fix.util_linux": N_("apt-get install util-linux"),
    "doctor.fix.both": N_("apt-get install iproute2 util-linux"),
    "doctor.link.ok": N_("created one in a throwaway namespace ({command})"),
    "doctor.link.untested": N_("not tested: no throwaway namespace could be made ({error})"),
    "doctor.link.untested.fix": N_("see the privileges / user namespaces checks"),
    "doctor.link.refused": N_("the kernel refused: {error}"),
    "doctor.link.refused.fix": N_(
        "load the module (`modprobe {module}`) or use a kernel built with {config}"
    ),
    "doctor.netns.ok": N_("works in a throwaway mount namespace ({command})"),
    "doctor.failed": N_("failed: {error}"),
    "doctor.netns.fix": N_("needs CAP_SYS_ADMIN (it mounts); see the privileges check"),
    "doctor.exec.ok": N_("works (it remounts /sys for the namespace)"),
    "doctor.exec.fix": N_(
        "nslab itself enters namespaces with nsenter, so the labs work; only `ip netns exec` "
        "typed in a terminal fails here: use `nsenter --net=/run/netns/NAME CMD` instead"
    ),
    # doctor: what each binary is for (one sentence per binary: no prose in fields)
    "doctor.binary.missing.ip": N_(
        "not installed (package {package}); needed for transcripts, `lab.exec` and "
        "`ip netns exec`"
    ),
    "doctor.binary.missing.ping": N_("not installed (package {package}); needed for `lab.ping`"),
    "doctor.binary.missing.dot": N_(
        "not installed (package {package}); needed for drawing the lab (`lab.draw()`)"
    ),
    "doctor.binary.missing.tcpdump": N_(
        "not installed (package {package}); needed for the packet-capture steps"
    ),
    "doctor.binary.missing.nft": N_(
        "not installed (package {package}); needed for the NAT / port-publishing notebook"
    ),
    # doctor: Python packages
    "doctor.pyroute2.fix": N_("pip install {requirement}"),
    "doctor.pyroute2.missing": N_("not installed"),
    "doctor.pyroute2.version": N_("version {version}; nslab is written for 0.9.x"),
    "doctor.pyroute2.ok": N_("version {version}"),
    "doctor.packages.missing": N_("missing {packages}"),
    "doctor.packages.fix": N_("pip install {packages}"),
    "doctor.packages.ok": N_("{packages}"),
    # doctor: user namespaces
    "doctor.userns.in_sandbox": N_("this kernel already runs in one; {facts}"),
    "doctor.userns.ok": N_("`unshare -Urn true` works; {facts}"),
    "doctor.userns.ok_as_nobody": N_("`unshare -Urn true` works as nobody; {facts}"),
    "doctor.userns.fails": N_(
        "`unshare -Urn true` fails ({error}); {facts}; the rootless sandbox cannot start"
    ),
    "doctor.userns.fails_as_nobody": N_(
        "`unshare -Urn true` fails as nobody ({error}); {facts}; the rootless sandbox cannot "
        "start"
    ),
    "doctor.userns.policy.fix": N_(
        "user namespaces are refused by a seccomp or container policy: in Docker/podman use "
        "--security-opt seccomp=unconfined, on Kubernetes seccompProfile Unconfined (or give "
        "the container --cap-add NET_ADMIN --cap-add SYS_ADMIN instead)"
    ),
    "doctor.userns.sysctl.fix": N_(
        "as root: {commands}; to keep it after reboot put `{settings}` in "
        "/etc/sysctl.d/90-nslab-userns.conf"
    ),
    # the command line (doctor, student, errors) and `nslab lab`'s own lines
    "cli.description": N_("Learn network namespaces."),
    "cli.doctor.help": N_("check privileges, kernel support and tools, with fixes"),
    "cli.student.help": N_("write student versions of exercise notebooks"),
    "cli.student.src": N_("a teacher notebook or a folder of them"),
    "cli.student.dest": N_("where to write the student versions"),
    "cli.error": N_("nslab {command}: {error}"),
    "sandbox.lab.description": N_(
        "Start JupyterLab on the nslab notebooks. As root the kernel uses the real kernel's "
        "namespaces; as an ordinary user it runs in the rootless sandbox kernel {kernel!r}. "
        "Other options are passed to `jupyter lab`."
    ),
    "sandbox.lab.notebooks": N_(
        "the course's notebooks folder (default: the course installed with nslab)"
    ),
    "sandbox.lab.sandbox": N_(
        "force the sandbox kernel on or off (default: on for an ordinary user without "
        "CAP_NET_ADMIN/CAP_SYS_ADMIN; off for root, also in a container without them, where "
        "the notebooks then explain the missing --cap-add)"
    ),
    "sandbox.lab.dry_run": N_("print the command, do not run"),
    "sandbox.lab.failed": N_("nslab lab: {detail}\n  fix: {fix}"),
    "sandbox.lab.installed": N_("nslab lab: installed kernel {kernel!r} in {path}"),
    "sandbox.lab.command": N_("nslab lab: {command}"),
    "cli.exercise.help": N_("write or check an exercise file (TOML)"),
    "cli.exercise.new": N_("write a commented template NN-NAME.toml"),
    "cli.exercise.new.name": N_("the exercise's name, e.g. two-faults"),
    "cli.exercise.new.dir": N_("the folder to write it in (default: here)"),
    "cli.exercise.check": N_(
        "build it in a throw-away lab: the faults break the goals, the fix repairs them"
    ),
    "cli.exercise.check.file": N_("an exercise file NN-name.toml"),
    "cli.report.help": N_("a teacher's CSV and HTML summary of autograded exercises"),
    "cli.lab.help": N_("start JupyterLab on your workbook (rootless sandbox if needed)"),
    "cli.workbook.help": N_("make or keep your copy of the notebooks (no outputs)"),
    "cli.workbook.fresh": N_("save your current copy aside and start from a fresh one"),
    "cli.workbook.dir": N_("where (default: $NSLAB_WORKBOOK or ~/nslab-workbook)"),
    "cli.workbook.notebooks": N_("copy from this folder (default: nslab's notebooks)"),
    "sandbox.lab.cannot_install": N_(
        "Cannot install the sandbox kernel in {path} ({reason}); nothing was started. Make "
        "that folder writable, or set JUPYTER_DATA_DIR to a folder you can write."
    ),
    "cli.lang": N_(
        "the course's language: en or zh_CN (default: NSLAB_LANG, JupyterLab's language, "
        "the locale)"
    ),
}
