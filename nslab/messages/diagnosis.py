"""Messages: findings of the diagnosis engine, drawing labels, check results, 'what changed'."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
    # -- findings (nslab.diagnosis): the sentence; the fix is added by diag.with-fix
    "diag.with-fix": N_("{problem} Fix: {call}  (ip: {command})"),
    "diag.lo-down": N_(
        "lo in {ns} is DOWN (S11), so programs in {ns} cannot reach 127.0.0.1, nor even "
        "{ns}'s own addresses."
    ),
    "diag.end-in-host": N_(
        "{ifname} is still in the host namespace, so no namespace of the lab can use it: "
        "move it into {home} (S13/S14)."
    ),
    "diag.peer-down": N_(
        "{ifname} in {ns} is DOWN, so its peer {peer} in {peer_ns} has no carrier "
        "(ip shows NO-CARRIER and state LOWERLAYERDOWN on it): bring {ifname} up."
    ),
    "diag.down-with-address": N_(
        "{ifname} in {ns} has {addresses} but is DOWN, so nothing can reach that address: "
        "bring it up."
    ),
    "diag.duplicate-address": N_(
        "{ip} is on both {first} in {first_ns} and {second} in {second_ns} (a duplicate "
        "address): each one answers for itself, so they never talk to each other. Give "
        "{second} its own address."
    ),
    "diag.subnet-mismatch": N_(
        "{ifname} in {ns} ({mine}) and its peer {peer} in {peer_ns} ({theirs}) are in "
        "different subnets, so neither has a route to the other: put both ends in one subnet."
    ),
    "diag.no-address": N_(
        "{ifname} in {ns} has no IP address while its peer {peer} in {peer_ns} is in "
        "{net}, so nothing in {ns} can talk IP over this pair: give {ifname} an address in "
        "{net}."
    ),
    "diag.forwarding-off": N_(
        "{user} sends packets through {ns}, but {ns} does not forward packets between its "
        "interfaces (net.ipv4.ip_forward is 0): it drops what is not addressed to itself."
    ),
    "diag.no-route": N_(
        "{ns} has no route to {target}, so the kernel refuses to send (Network is "
        "unreachable): add a route through a neighbour."
    ),
    "diag.no-return-route": N_(
        "{ns} has no route back to {source}, so the replies to {src} are never sent: add a "
        "return route."
    ),
    # -- the few words on a drawing's node ({other}: the other interface concerned)
    "diag.short.lo-down": N_("lo is DOWN"),
    "diag.short.end-in-host": N_("still in host: move it"),
    "diag.short.peer-down": N_("DOWN: peer {other} has NO-CARRIER"),
    "diag.short.down-with-address": N_("has an address but is DOWN"),
    "diag.short.duplicate-address": N_("same address as {other}"),
    "diag.short.subnet-mismatch": N_("other subnet than {other}"),
}
