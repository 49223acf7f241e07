"""Messages: findings of the diagnosis engine, drawing labels, check results, 'what changed'."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
    # -- findings (nslab.diagnosis): the sentence; the fix is added by diag.with-fix
    "diag.with-fix": N_("{problem} Fix: {call}  (ip: {command})"),
    "diag.with-next": N_("{problem} Next step: {call}  (ip: {command})"),  # a pending finding
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
        "(ip shows NO-CARRIER on it, and state DOWN or LOWERLAYERDOWN): bring {ifname} up."
    ),
    "diag.down-with-address": N_(
        "{ifname} in {ns} has {addresses} but is not up yet (state DOWN): nothing can reach "
        "that address until it is brought up."
    ),
    "diag.bridge-down": N_(
        "bridge {ifname} in {ns} is DOWN, so it passes no frames between its ports: bring it up."
    ),
    "diag.link-down": N_("{ifname} in {ns} is DOWN, so no packet crosses it: bring it up."),
    "diag.duplicate-address": N_(
        "{ip} is on both {first} in {first_ns} and {second} in {second_ns} (a duplicate "
        "address): each one answers for itself, so they never talk to each other. Give "
        "{second} its own address."
    ),
    "diag.duplicate-address.self": N_(
        "{ip} is on both {first} in {first_ns} and {second} in {second_ns} (a duplicate "
        "address): {second_ns} answers its own ping and never reaches {first_ns}. Give "
        "{second} its own address."
    ),
    "diag.subnet-mismatch": N_(
        "{ifname} in {ns} ({mine}) and its peer {peer} in {peer_ns} ({theirs}) are in "
        "different subnets, so neither has a route to the other: put both ends in one subnet."
    ),
    "diag.prefix-mismatch": N_(
        "{ifname} in {ns} has {mine}, a /{prefix} that leaves out its peer {peer} in "
        "{peer_ns} ({theirs}), so {ns} has no route back to it: give both ends the same prefix "
        "length (ip address add without a /prefix gives a /32)."
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
    "diag.forwarding-off.alone": N_(
        "{ns} does not forward packets between its interfaces (net.ipv4.ip_forward is 0): it "
        "drops what is not addressed to itself."
    ),
    # -- the few words on a drawing's node ({other}: the other interface concerned)
    "diag.short.lo-down": N_("lo is DOWN"),
    "diag.short.end-in-host": N_("still in host: move it"),
    "diag.short.peer-down": N_("DOWN: peer {other} has NO-CARRIER"),
    "diag.short.down-with-address": N_("has an address, not up yet"),
    "diag.short.bridge-down": N_("bridge is DOWN"),
    "diag.short.prefix-mismatch": N_("prefix leaves out {other}"),
    "diag.short.duplicate-address": N_("same address as {other}"),
    "diag.short.subnet-mismatch": N_("other subnet than {other}"),
    "diag.short.wrong-namespace": N_("in the wrong namespace: move it"),
    "diag.short.no-carrier": N_("NO-CARRIER"),
    "diag.short.bridge-no-port": N_("no port is up"),
    "diag.short.wrong-address": N_("not the address asked for"),
    "diag.short.missing-address": N_("no address yet"),
    "diag.short.not-wired": N_("not wired to {other}"),
    "diag.short.not-plugged": N_("not a port of the bridge"),
    "diag.short.next-hop-missing": N_("nothing across it has the next hop"),
    # -- drawing labels (nslab.draw); states in the kernel's own words (`ip link`)
    "draw.link": N_("{ifname} ({kind})"),
    "draw.new-link": N_("NEW"),
    "draw.moved-here": N_("moved here from {ns}"),
    "draw.renamed": N_("renamed from {old}"),
    "draw.address.new": N_("{cidr} (new)"),
    "draw.address.removed": N_("{cidr} (removed)"),
    "draw.state": N_("state {state}"),
    "draw.state.was": N_("state {state}, was {old}"),
    "draw.state.no-carrier": N_("NO-CARRIER, state {state}"),
    "draw.state.no-carrier-was": N_("NO-CARRIER, state {state}, was {old}"),
    "draw.details.index": N_("ifindex {index}, mtu {mtu}"),
    "draw.details.mac": N_("mac {mac}"),
    "draw.details.peer": N_("peer ifindex {index}"),
    "draw.mistake": N_("\u26a0 {label}"),
    "draw.pending": N_("\u2192 {label}"),  # a step not done yet (brown, not a mistake)
    "draw.routes": N_("routes:"),
    "draw.route": N_("{route}"),
    "draw.route.new": N_("{route} (new)"),
    "draw.route.removed": N_("{route} (removed)"),
    "draw.forwarding": N_("IP forwarding on"),
    "draw.nat": N_("NAT: {rule}"),
    "draw.nat.new": N_("NAT: {rule} (new)"),
    "draw.host": N_("host"),
    "draw.ns": N_("netns {ns}"),
    "draw.ns.unlisted": N_("{ns} (not in ip netns list)"),
    "draw.ns.hidden": N_("{ns} (hidden: not in ip netns list)"),
    "draw.ns.new": N_("{label} (new)"),
    "draw.ns.removed": N_("{label} (removed)"),
    "draw.ghost": N_("({why})"),
    "draw.ghost.removed": N_("removed"),
    "draw.ghost.moved": N_("moved to {ns}"),
    "draw.inode": N_("inode {inode}"),
    "draw.pid": N_("PID {pid}"),
    "draw.unread": N_("links not read"),
    "draw.host-hidden": N_("(the host's own links are hidden)"),
    "draw.empty": N_("no links"),
    "draw.invisible": N_("(namespace not visible)"),
    "draw.edge.veth": N_("veth pair {a} <-> {b}"),
    "draw.edge.port": N_("{ifname} is a port of bridge {bridge}"),
    "draw.edge.moved": N_("moved"),
    # -- the drawing's legend (nslab.draw.LEGEND): what `ip` shows, what it means
    "legend.title": N_("Legend of the drawing"),
    "legend.up": N_("state UP"),
    "legend.up.means": N_("set up, with a carrier: passes packets"),
    "legend.unknown": N_("state UNKNOWN"),
    "legend.unknown.means": N_("set up; the driver reports no operational state (lo)"),
    "legend.no-carrier": N_("NO-CARRIER (state LOWERLAYERDOWN, or DOWN)"),
    "legend.no-carrier.means": N_("set up, but no carrier: the other end is DOWN"),
    "legend.down": N_("state DOWN"),
    "legend.down.means": N_("not set up (admin down)"),
    "legend.changed": N_("blue outline"),
    "legend.changed.means": N_("changed by the last step"),
    "legend.mistake": N_("red, \u26a0"),
    "legend.mistake.means": N_("a mistake: its fix is in the drawing as text, under it"),
    "legend.pending": N_("brown outline, \u2192"),
    "legend.pending.means": N_("a step not done yet (not a mistake): the next step is in "
                               "the drawing as text, under it"),
    "legend.removed": N_("dashed grey"),
    "legend.removed.means": N_("removed by the last step"),
    # -- the drawing as text (nslab.draw.TextAlt): the SVG's <title>/<desc> and the
    # collapsed "drawing as text" under every drawing
    "a11y.title": N_("Drawing of the lab: {namespaces}"),
    "a11y.title.titled": N_("{title}: drawing of the lab: {namespaces}"),
    "a11y.summary": N_("Drawing as text"),
    "a11y.sep": N_(", "),
    "a11y.items-sep": N_("; "),
    "a11y.group": N_("{head}: {items}"),
    "a11y.cables": N_("Cables"),
    "a11y.cable": N_("{a} in {a_ns} is cabled to {b} in {b_ns} (veth pair)"),
    "a11y.cable.unseen": N_(
        "{a} in {a_ns} is cabled to peer ifindex {index}, in a namespace this drawing "
        "cannot see"
    ),
    "a11y.port": N_("{a} in {ns} is a port of bridge {bridge}"),
    "a11y.moved": N_("{a} moved from {src} to {dst}"),
    "a11y.mistakes": N_("Mistakes and their fixes"),
    "a11y.no-mistakes": N_("No mistakes found."),
    "a11y.pending": N_("Steps not done yet"),
    "a11y.sequence": Nn_(
        "{title}: {n} packet between {hosts}", "{title}: {n} packets between {hosts}"
    ),
    "a11y.packet": N_("{i}. {src} to {dst}: {label}"),
    "a11y.packet.broadcast": N_("{i}. {src} to every host on the link (broadcast): {label}"),
    # a capture row's destination when a frame goes to every host on the link (ARP request)
    "capture.broadcast": N_("broadcast"),
    # -- "what changed" (nslab.diff): one sentence per change
    "changes.title": N_("What changed:"),
    "changes.none": N_("No changes."),
    "changes.ns-added": N_("namespace {ns} added"),
    "changes.ns-added-with": N_("namespace {ns} added with {links}"),
    "changes.hidden-added": N_("{ns} added"),
    "changes.hidden-added-with": N_("{ns} added with {links}"),
    "changes.ns-removed": N_("namespace {ns} removed"),
    "changes.ns-removed-with": N_("namespace {ns} removed with {links}"),
    "changes.hidden-removed": N_("{ns} removed"),
    "changes.hidden-removed-with": N_("{ns} removed with {links}"),
    "changes.link-state": N_("{ifname} ({state})"),
    "changes.link-added": N_("{ifname} added in {ns} ({summary})"),
    "changes.link-removed": N_("{ifname} removed from {ns}"),
    "changes.renamed": N_("{ifname} in {src} renamed to {new}"),
    "changes.moved": N_("{ifname} moved from {src} to {dst}"),
    "changes.moved-renamed": N_("{ifname} moved from {src} to {dst} and renamed {new}"),
    "changes.moved-dropped": Nn_(
        "{ifname} moved from {src} to {dst} (its address {addresses} was dropped)",
        "{ifname} moved from {src} to {dst} (its addresses {addresses} were dropped)",
    ),
    "changes.moved-renamed-dropped": Nn_(
        "{ifname} moved from {src} to {dst} and renamed {new} (its address {addresses} was "
        "dropped)",
        "{ifname} moved from {src} to {dst} and renamed {new} (its addresses {addresses} were "
        "dropped)",
    ),
    "changes.state": N_("{ifname} in {ns}: state {old} -> {new}"),
    "changes.up": N_("up"),
    "changes.down": N_("down"),
    "changes.admin": N_("{ifname} in {ns}: admin flag {old} -> {new}"),
    "changes.attached": N_("{ifname} in {ns}: attached to bridge {bridge}"),
    "changes.detached": N_("{ifname} in {ns}: detached from bridge {bridge}"),
    "changes.bridge-moved": N_("{ifname} in {ns}: moved from bridge {old} to bridge {new}"),
    "changes.mac": N_("{ifname} in {ns}: MAC {old} -> {new}"),
    "changes.mtu": N_("{ifname} in {ns}: mtu {old} -> {new}"),
    "changes.forwarding-on": N_("IP forwarding turned on in {ns}"),
    "changes.forwarding-off": N_("IP forwarding turned off in {ns}"),
    "changes.addr-added": N_("{cidr} added to {ifname} in {ns}"),
    "changes.addr-removed": N_("{cidr} removed from {ifname} in {ns}"),
    "changes.route-added": N_("route {route} added in {ns}"),
    "changes.route-removed": N_("route {route} removed in {ns}"),
    "changes.nat-added": N_("NAT rule added in {ns}: {rule}"),
    "changes.nat-removed": N_("NAT rule removed in {ns}: {rule}"),
    # -- checks (nslab.checks): goals, and why one is not met (the fix ends each sentence)
    "check.host": N_("the host namespace"),
    "check.goal.has-netns": N_("namespace {ns} exists"),
    "check.goal.lo-up": N_("lo is up in {ns}"),
    "check.goal.link-up": N_("{ifname} is up in {ns}"),
    "check.goal.has-addr": N_("{ifname} in {ns} has {cidr}"),
    "check.goal.in-namespace": N_("{ifname} is in {ns}"),
    "check.goal.connected": N_("a veth pair joins {a} and {b}"),
    "check.goal.route-to": N_("{ns} has a route to {cidr}"),
    "check.goal.forwards": N_("{ns} forwards packets (net.ipv4.ip_forward = 1)"),
    "check.goal.reachable": N_("{ns} can ping {addr}"),
    "check.goal.unique": N_("no address is used twice"),
    "check.goal.unique-in": N_("no address is used twice in {namespaces}"),
    "check.summary.all": Nn_("The goal is met.", "All {n} goals met."),
    "check.summary.some": Nn_("{met} of {n} goal met.", "{met} of {n} goals met."),
    "check.not-a-goal": N_(
        "{what} is not a goal. Build goals with nslab.checks, e.g. "
        "reachable('test1', '192.168.1.2')."
    ),
    "check.no-ns.close": N_("Namespace {ns} does not exist — did you mean {close}?"),
    "check.no-container": N_("There is no container {name} — start it: {call}  ({command})"),
    "check.no-container.named": N_(
        "There is no container {name}: the {name} here is a namespace made with `ip netns add`, "
        "not a container (its network namespace held by a process) — start one: {call}  "
        "({command})"
    ),
    "check.no-ns": N_("Namespace {ns} does not exist — create it (S8): {call}  (ip: {command})"),
    "check.not-in-snapshot": N_("{ns} is not in the snapshot"),
    "check.elsewhere": N_("{ifname} is in {where}, not in {ns} — move it: {call}  (ip: {command})"),
    "check.no-iface.close": N_("There is no interface {ifname} in {ns} — did you mean {close}?"),
    "check.no-iface": N_(
        "There is no interface {ifname} in {ns} (it has {has}) — create the veth pair first "
        "(S12): {call}  (ip: {command})"
    ),
    "check.no-iface.none": N_(
        "There is no interface {ifname} in {ns}, nor any other — create the veth pair first "
        "(S12): {call}  (ip: {command})"
    ),
    "check.bad-cidr": N_(
        "{cidr} is not an address with a prefix length — write it like '192.168.1.1/24'"
    ),
    "check.bad-network": N_("{cidr} is not a network — write it like '192.168.2.0/24'"),
    "check.bad-ip": N_("{addr} is not an IP address — write it like '192.168.1.2'"),
    "check.bridge-no-port": N_(
        "bridge {ifname} in {ns} has no carrier because none of its ports is up — attach a "
        "veth end and bring it up: {call}  (ip: {command})"
    ),
    "check.no-carrier": N_(
        "{ifname} in {ns} is set up but has no carrier (NO-CARRIER): its other end is down or "
        "gone — bring the other end up"
    ),
    "check.wrong-prefix": N_(
        "{ifname} in {ns} has {wrong}, not {want}: the prefix length decides which addresses "
        "{ns} sees as neighbours on the link — replace it: {call}  (ip: {command})"
    ),
    "check.wrong-prefix.slash32": N_(
        "{ifname} in {ns} has {wrong}, not {want}: the prefix length decides which addresses "
        "{ns} sees as neighbours on the link (a /32 is what `ip addr add {ip} dev {ifname}` "
        "gives when the /{prefix} is left out) — replace it: {call}  (ip: {command})"
    ),
    "check.addr-elsewhere": N_(
        "{ip} is on {far} in {far_ns}, not on {ifname} in {ns} — move it: {call}  (ip: {command})"
    ),
    "check.other-addr": N_(
        "{ifname} in {ns} has {have}, not {want} — replace it: {call}  (ip: {command})"
    ),
    "check.other-addr.taken": N_(
        "{ifname} in {ns} has {have}, not {want} ({ip} is already {owner}'s address in "
        "{owner_ns}) — replace it: {call}  (ip: {command})"
    ),
    "check.no-addr-yet": N_(
        "{ifname} in {ns} has no address yet (S15) — add it: {call}  (ip: {command})"
    ),
    "check.not-connected": N_(
        "no veth pair joins {a} and {b} — create one (S12–S14): {call}  (ip: {command})"
    ),
    "check.prefix": N_(
        "{mine} on {ifname} has prefix length /{prefix} while its neighbour {peer} in "
        "{peer_ns} has {theirs}: {ns} has no route to {target} — give both ends the same "
        "prefix length: {call}  (ip: {command})"
    ),
    "check.prefix.replies": N_(
        "{mine} on {ifname} has prefix length /{prefix} while its neighbour {peer} in "
        "{peer_ns} has {theirs}: {ns} has no route to {target} for its replies — give both "
        "ends the same prefix length: {call}  (ip: {command})"
    ),
    "check.prefix.slash32": N_(
        "{mine} on {ifname} has prefix length /{prefix} while its neighbour {peer} in "
        "{peer_ns} has {theirs}: {ns} has no route to {target} (a /32 is what `ip addr add "
        "{ip} dev {ifname}` gives when the /{want} is left out) — give both ends the same "
        "prefix length: {call}  (ip: {command})"
    ),
    "check.prefix.slash32-replies": N_(
        "{mine} on {ifname} has prefix length /{prefix} while its neighbour {peer} in "
        "{peer_ns} has {theirs}: {ns} has no route to {target} for its replies (a /32 is what "
        "`ip addr add {ip} dev {ifname}` gives when the /{want} is left out) — give both ends "
        "the same prefix length: {call}  (ip: {command})"
    ),
    "check.only-lo": N_(
        "{ns} has no route to {target}: {ns} has nothing but lo, no cable leads out of it — "
        "connect it with a veth pair (S12–S14): {call}  (ip: {command})"
    ),
    "check.only-lo.replies": N_(
        "{ns} has no route to {target} for its replies: {ns} has nothing but lo, no cable "
        "leads out of it — connect it with a veth pair (S12–S14): {call}  (ip: {command})"
    ),
    "check.subnets": N_(
        "{mine} and {theirs} are in different subnets and no route joins them: {ns} has no "
        "route to {target} — put both ends in one subnet: {call}  (ip: {command})"
    ),
    "check.subnets.replies": N_(
        "{mine} and {theirs} are in different subnets and no route joins them: {ns} has no "
        "route to {target} for its replies — put both ends in one subnet: {call}  (ip: {command})"
    ),
    "check.via-router": N_(
        "{ns} has no route to {target} — send it through the router {router}: {call}  (ip: "
        "{command})"
    ),
    "check.via-router.replies": N_(
        "{ns} has no route to {target} for its replies — send them through the router "
        "{router}: {call}  (ip: {command})"
    ),
    "check.via-router.subnets": N_(
        "{mine} and {theirs} are in different subnets and no route joins them: {ns} has no "
        "route to {target} — send it through the router {router}: {call}  (ip: {command})"
    ),
    "check.via-router.subnets.replies": N_(
        "{mine} and {theirs} are in different subnets and no route joins them: {ns} has no "
        "route to {target} for its replies — send them through the router {router}: {call}  (ip: "
        "{command})"
    ),
    "check.no-neighbour": N_(
        "{ns} has no route to {target}, and no neighbour of {ns} leads there — connect the "
        "two (a veth pair, S12–S14) or add a route through a namespace that forwards: {call}  "
        "(ip: {command})"
    ),
    "check.no-neighbour.replies": N_(
        "{ns} has no route to {target} for its replies, and no neighbour of {ns} leads there "
        "— connect the two (a veth pair, S12–S14) or add a route through a namespace that "
        "forwards: {call}  (ip: {command})"
    ),
    "check.no-neighbour.subnets": N_(
        "{mine} and {theirs} are in different subnets and no route joins them: {ns} has no "
        "route to {target}, and no neighbour of {ns} leads there — connect the two (a veth "
        "pair, S12–S14) or add a route through a namespace that forwards: {call}  (ip: {command})"
    ),
    "check.no-neighbour.subnets.replies": N_(
        "{mine} and {theirs} are in different subnets and no route joins them: {ns} has no "
        "route to {target} for its replies, and no neighbour of {ns} leads there — connect "
        "the two (a veth pair, S12–S14) or add a route through a namespace that forwards: "
        "{call}  (ip: {command})"
    ),
    "check.empty-subnet": N_(
        "{ns} has no route to {target}, and nothing in the lab has an address in {target} "
        "yet — give one to an interface, then route through its namespace: {call}  (ip: {command})"
    ),
    "check.empty-subnet.replies": N_(
        "{ns} has no route to {target} for its replies, and nothing in the lab has an "
        "address in {target} yet — give one to an interface, then route through its "
        "namespace: {call}  (ip: {command})"
    ),
    "check.nobody-has-target": N_(
        "{ns} has no route to {target}, and nothing in the lab has {target} — give {target} "
        "to an interface first"
    ),
    "check.nobody-has-target.replies": N_(
        "{ns} has no route to {target} for its replies, and nothing in the lab has {target} "
        "— give {target} to an interface first"
    ),
    "check.gateway-nobody": N_(
        "the route in {ns} to {dst} goes via {hop}, but nothing across {ifname} has {hop} — "
        "use a neighbour's address as the gateway"
    ),
    "check.not-wired": N_(
        "{hop} is on {far} in {far_ns}, but {ifname} in {ns} is not wired to it — join them "
        "with a veth pair (S12–S14)"
    ),
    "check.not-plugged": N_(
        "{port} in {ns}, the other end of {ifname}'s veth pair, is not a port of the bridge "
        "{bridge}, so no frame crosses between {bridge} and {hop} on {far} in {far_ns} — "
        "plug it in: {call}  (ip: {command})"
    ),
    "check.give-far-end": N_(
        "nothing in the lab has {hop} — give it to the far end of the pair: {call}  (ip: {command})"
    ),
    "check.give-far-end.later": N_(
        "nothing in the lab has {hop} — give it to the far end of the pair once it is there: "
        "{call}  (ip: {command})"
    ),
    "check.leads-nowhere": N_(
        "nothing in the lab has {hop}, and {ifname} in {ns} leads nowhere — connect it with a "
        "veth pair (S12–S14)"
    ),
    "check.loop": N_(
        "packets to {dst} go round in circles through {ns} — check the routes of the "
        "namespaces on the way"
    ),
    "check.route-dev-gone": N_(
        "the route in {ns} to {dst} uses {dev}, which is gone — add the route again"
    ),
    "check.too-far": N_("packets to {dst} take more than {hops} hops — check the routes"),
    "check.no-reply": N_(
        "{ns} gets no reply from {addr}, although its links, addresses and routes look right "
        "— look closer: {call}  (ip: {command})"
    ),
}
