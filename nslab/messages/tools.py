"""Messages: doctor, the CLI, the sandbox kernel, cleanup."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
    # doctor's verdict lines
    "doctor.verdict.fail": N_("nslab cannot run here yet: fix {checks}."),
    "doctor.verdict.warn": N_("Ready (with warnings: {checks})."),
    "doctor.verdict.ok": N_("Ready: every check passed."),
    "doctor.fix": N_("fix: {fix}"),
    "doctor.usage": N_(
        "usage: nslab doctor\n\nCheck privileges, kernel features, binaries and packages."
    ),
    # binaries, found where the distribution installs them
    "doctor.binary.ok": N_("{path}"),
    "doctor.binary.missing": N_(
        "not installed (package {package}); needed for {used_for}"
    ),
    "doctor.binary.broken": N_(
        "package {package} is installed but {tool} is in none of {dirs}; needed for {used_for}"
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
        "as root, allow nslab's sandbox launcher: cp {profile} /etc/apparmor.d/nslab-sandbox "
        "&& apparmor_parser -r /etc/apparmor.d/nslab-sandbox; or allow every program: "
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
}
