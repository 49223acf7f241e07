"""Messages: the kernel layer and the Lab verbs (lab, links, bridge, nat, containers, capture).

Fields hold names, addresses, numbers, Lab calls and `ip` commands (verbatim in every
language). `hint` and `step` hold whole sentences of their own (" Did you mean 'x'?",
" Run step S8 first."), or nothing.
"""

from ._mark import N_, Nn_

MESSAGES: dict[str, str | tuple[str, str]] = {
    # -- the lab --------------------------------------------------------------------
    "lab.bad_name": N_(
        "Lab name {name!r} is not valid: a lab is named like a namespace. {reason}"
    ),
    "lab.repr": Nn_(
        "<Lab {name!r}: namespaces {nss}, {n} command>",
        "<Lab {name!r}: namespaces {nss}, {n} commands>",
    ),
    "lab.run_step_first": N_("Run step {step} first."),
    "transcript.empty": N_("(no commands yet)"),
    "exec.no_output": N_("(no output; exit status {status})"),
    "exec.empty": N_("The command is empty. Pass one such as 'ip a'."),
    "exec.not_installed": N_(
        "Command {command!r} is not installed. Install it (e.g. apt-get install "
        "iproute2 iputils-ping) and try again."
    ),
    "ping.count": N_("count={count} is out of range. Use 1 to 100 pings."),
    "ping.no_raw": N_(
        "ping in {where} was refused: it needs CAP_NET_RAW. Run as root, or in "
        "Docker add `--cap-add NET_RAW`."
    ),
    "ping.ok": N_("ping {target}: {received}/{sent} replies (ok)"),
    "ping.failed": N_("ping {target}: {received}/{sent} replies (FAILED)"),
    "checkpoint.missing": N_(
        "No checkpoint called {name!r}. {hint} Save one first with lab.checkpoint({name!r})."
    ),
    # single words that stand for an empty list, inside the sentences below
    "word.none": N_("none"),
    "word.none_yet": N_("none yet"),
    "word.nothing": N_("nothing"),
    "word.missing_link": N_("missing link"),
    # how a namespace reads inside other messages and drawings (snapshot.ns_label)
    "ns.label.host": N_("host"),
    "ns.label.container": N_("container {name}"),
    "ns.label.hidden": N_("hidden namespace of PID {pid}"),
    "hint.did_you_mean": N_("Did you mean {name!r}?"),
    "hint.known": N_("Known: {names}."),
    "privilege.fixes": N_(
        "To fix it, run as root (sudo), or in Docker add `--cap-add NET_ADMIN --cap-add "
        "SYS_ADMIN` (plus NET_RAW for ping), or use the rootless sandbox kernel ('Python 3 "
        "(nslab sandbox)', started by `nslab lab`)."
    ),
    # -- namespaces -----------------------------------------------------------------
    "netns.key_type": N_(
        "Namespace {key!r} is a {type}; pass a name such as 'test1', or None for the host."
    ),
    "netns.missing": N_(
        "Namespace {name!r} does not exist. {hint} Create it with lab.add_netns({name!r}). {step}"
    ),
    "netns.exists_ours": N_(
        "Namespace {name!r} already exists (created by this lab). Use it as it is, or "
        "start over with lab.reset()."
    ),
    "netns.exists_ours_step": N_(
        "Namespace {name!r} already exists (created by this lab in step {step}). Use it "
        "as it is, or start over with lab.reset()."
    ),
    "netns.exists_other_open": N_(
        "Namespace {name!r} already exists: it belongs to lab {lab!r} (still open). Reset "
        "that lab first (its last cell: lab.reset()), or run `nslab cleanup` for labs "
        "whose process ended."
    ),
    "netns.exists_other_ended": N_(
        "Namespace {name!r} already exists: it belongs to lab {lab!r} (left by a process "
        "that ended). Reset that lab first (its last cell: lab.reset()), or run `nslab "
        "cleanup` for labs whose process ended."
    ),
    "netns.exists_foreign": N_(
        "Namespace {name!r} already exists (not created by this lab). Delete it with "
        "{call} or pick another name."
    ),
    "netns.not_owned_delete": N_(
        "Namespace {name!r} was not created by this lab, so nslab will not delete it. If "
        "you really mean to, use {call}."
    ),
    "netns.not_owned.add_veth": N_(
        "Namespace {name!r} was not created by this lab, so nslab will not add a veth end "
        "to it. Use a namespace of this lab, or pass force=True if you really mean it."
    ),
    "netns.not_owned.move_into": N_(
        "Namespace {name!r} was not created by this lab, so nslab will not move an "
        "interface into it. Use a namespace of this lab, or pass force=True if you "
        "really mean it."
    ),
    "netns.not_owned.add_bridge": N_(
        "Namespace {name!r} was not created by this lab, so nslab will not add a bridge "
        "to it. Use a namespace of this lab, or pass force=True if you really mean it."
    ),
    "netns.not_owned.add_route": N_(
        "Namespace {name!r} was not created by this lab, so nslab will not add a route "
        "to it. Use a namespace of this lab, or pass force=True if you really mean it."
    ),
    # -- links ----------------------------------------------------------------------
    "link.missing": N_(
        "Interface {name!r} does not exist in {where}. {hint} Create it with "
        "lab.add_veth(...) first. {step}"
    ),
    "link.elsewhere": N_(
        "Interface {name!r} is not in {where} yet: it is in {at}. Move it first: {call}."
    ),
    "link.elsewhere_step": N_(
        "Interface {name!r} is not in {where} yet: it is in {at}. Run step {step} "
        "first: {call}."
    ),
    "link.elsewhere_move": N_(
        "Interface {name!r} is not in {where}: it is in {at}. Move it from there with {call}."
    ),
    "link.not_owned.up": N_(
        "Interface {name!r} in {where} was not created by this lab, so nslab will not "
        "bring it up. Pass force=True if you really mean it."
    ),
    "link.not_owned.down": N_(
        "Interface {name!r} in {where} was not created by this lab, so nslab will not "
        "bring it down. Pass force=True if you really mean it."
    ),
    "link.not_owned.delete": N_(
        "Interface {name!r} in {where} was not created by this lab, so nslab will not "
        "delete it. Pass force=True if you really mean it."
    ),
    "link.not_owned.move": N_(
        "Interface {name!r} in {where} was not created by this lab, so nslab will not "
        "move it to {target}. Pass force=True if you really mean it."
    ),
    "link.not_owned.add_addr": N_(
        "Interface {name!r} in {where} was not created by this lab, so nslab will not "
        "add an address to it. Pass force=True if you really mean it."
    ),
    "link.not_owned.del_addr": N_(
        "Interface {name!r} in {where} was not created by this lab, so nslab will not "
        "remove an address from it. Pass force=True if you really mean it."
    ),
    "link.not_owned.set_master": N_(
        "Interface {name!r} in {where} was not created by this lab, so nslab will not "
        "attach it to a bridge. Pass force=True if you really mean it."
    ),
    "link.not_owned.use_as_bridge": N_(
        "Interface {name!r} in {where} was not created by this lab, so nslab will not "
        "use it as a bridge. Pass force=True if you really mean it."
    ),
    "link.not_owned.route_dev": N_(
        "Interface {name!r} in {where} was not created by this lab, so nslab will not "
        "route through it. Pass force=True if you really mean it."
    ),
    "link.not_owned.capture": N_(
        "Interface {name!r} in {where} was not created by this lab, so nslab will not "
        "capture on it. Pass force=True if you really mean it."
    ),
    "link.not_owned.read": N_(
        "Interface {name!r} in {where} was not created by this lab, so nslab will not "
        "read it. Pass force=True if you really mean it."
    ),
    "link.exists": N_("Interface {name!r} already exists in {where}. Pick another name."),
    "link.exists_delete": N_(
        "Interface {name!r} already exists in {where}. Pick another name, or delete it "
        "first with {call}."
    ),
    "link.already_there": N_("Interface {name!r} is already in {where}."),
    "link.move_clash": N_(
        "{where} already has an interface named {name!r}, so {name!r} cannot move there. "
        "Rename or delete one of them first."
    ),
    "link.cannot_leave": N_(
        "Interface {name!r} cannot leave {where}: the kernel keeps some interfaces (lo, "
        "bridges) in the namespace they were made in. Move a veth end instead."
    ),
    "veth.same_names": N_(
        "Both ends of the veth pair are called {name!r}. Give the peer another name, "
        "e.g. {call}."
    ),
    "addr.exists": N_(
        "{addr} is already on {name} in {where}. Nothing to do; to change it, remove it "
        "first with {call}."
    ),
    "addr.missing": N_(
        "{addr} is not on {name} in {where} (its addresses: {have}). Check the address "
        "and its prefix length."
    ),
    "bridge.not_a_bridge": N_(
        "{name!r} in {where} is a {kind}, not a bridge. Create one with {call} and "
        "attach ports to it."
    ),
    "fdb.not_a_bridge": N_(
        "{name!r} in {where} is a {kind}, not a bridge. Bridges there: {bridges}."
    ),
    "fdb.title": N_("MAC table of {bridge} in {where}: where each MAC was seen"),
    "fdb.port": N_("port"),
    "fdb.learned_of": N_("learned MAC of"),
    "fdb.owner": N_("{name} in {where}"),
    "fdb.empty": N_("(nothing learned yet: no frame has crossed the bridge)"),
    "route.host": N_(
        "nslab never changes the host's routes, so it will not add a route to {dst} "
        "there. Add it inside one of the lab's namespaces instead."
    ),
    "route.needs_via_or_dev": N_(
        "A route to {dst} needs a gateway or an interface: pass via='ADDR' (a neighbour "
        "on a connected subnet) or dev='IFNAME'."
    ),
    "route.gateway_off_subnet": N_(
        "Gateway {gateway} is not on a subnet connected to {where} (connected: {have}), "
        "so the kernel cannot reach it. Add an address in its subnet and bring that link "
        "up first, or pick a neighbour's address."
    ),
    "route.exists": N_(
        "{where} already has a route to {dst}. Remove it first with {call} or choose "
        "another destination."
    ),
    # -- traffic safety -------------------------------------------------------------
    "target.off_lab_route": N_(
        "nslab will not send traffic from {where} to {ip}: the route there does not go "
        "through an interface of this lab, so packets could leave the machine. Ping from "
        "one of the lab's namespaces instead, e.g. {call}."
    ),
    "target.host_address": N_(
        "{ip} is an address of this machine's own network (host interface), not of the "
        "lab. nslab sends traffic only inside the lab: pick another address."
    ),
    "target.not_in_lab": N_(
        "nslab sends traffic only to addresses inside this lab, and {ip} is not one of "
        "them (lab addresses: {known}). Give it to an interface of the lab first, e.g. "
        "lab.add_addr(NS, IFNAME, 'ADDR/PREFIX')."
    ),
    # -- containers -----------------------------------------------------------------
    "container.str": N_("container {name}: {ip} (namespace {key}, hidden)"),
    "container.missing": N_(
        "Container {name!r} is not running in this lab. {hint} Start it with "
        "lab.run_container({name!r})."
    ),
    "container.name_too_long": N_(
        "Container name {name!r} is too long: its host-side interface {ifname!r} would "
        "exceed 15 bytes. Use at most 10 characters."
    ),
    "container.running": N_(
        "Container {name!r} is already running in this lab. Use it, stop it with {call}, "
        "or pick another name."
    ),
    "container.reveal_taken": N_(
        "Namespace {name!r} already exists, so the container cannot take that name. Pass "
        "another: {call}."
    ),
    "container.no_address": N_("No free address left in {subnet}. Stop a container first."),
    "container.no_unshare": N_(
        "`unshare` is not installed. Install it: apt-get install util-linux"
    ),
    "container.unshare_refused": N_(
        "Cannot start container {name!r}: unshare was refused. {fix}"
    ),
    "container.exited": N_("Container {name!r} exited at once: {error}"),
    "container.no_namespace": N_(
        "Container {name!r} did not get its own namespace within 5 s."
    ),
    # -- forwarding, NAT, web servers ------------------------------------------------
    "nat.forwarding_not_bool": N_("on={on!r} is not True or False. Use set_forwarding(NS, True)."),
    "nat.host_forwarding": N_(
        "nslab never changes the host's IPv4 forwarding, so it will not change "
        "net.ipv4.ip_forward there. Do it inside one of the lab's namespaces, e.g. {call}."
    ),
    "nat.host_firewall": N_(
        "nslab never changes the host's firewall, so it will not add a NAT rule there. Do it "
        "inside one of the lab's namespaces, e.g. {call}."
    ),
    "nat.not_owned_forwarding": N_(
        "Namespace {name!r} was not created by this lab, so nslab will not change "
        "net.ipv4.ip_forward in it. Use one of the lab's namespaces ({mine})."
    ),
    "nat.not_owned_firewall": N_(
        "Namespace {name!r} was not created by this lab, so nslab will not add a NAT rule in "
        "it. Use one of the lab's namespaces ({mine})."
    ),
    "nat.then_masquerade": N_("{missing} Then masquerade on it: {call}."),
    "nat.masquerade_exists": N_(
        "Masquerading on {name!r} is already enabled in {where}. Nothing to do; "
        "lab.snapshot() shows the rules under nat_rules."
    ),
    "nat.bad_proto": N_(
        "proto={proto!r} is not supported. Publish a 'tcp' or 'udp' port, as `docker run -p "
        "8080:80/udp` does."
    ),
    "nat.ipv6_target": N_(
        "Address {addr!r} is IPv6; nslab publishes ports to IPv4 containers. Use one such as "
        "'172.17.0.2': {call}."
    ),
    "nat.port_published": N_(
        "Port {port}/{proto} of {where} is already published (to {to}). Publish another host "
        "port, e.g. {call}."
    ),
    "nat.bad_port": N_(
        "{what}={port!r} is not a port number. Use a whole number from 1 to 65535, e.g. {call}."
    ),
    "nat.ifname_chars": N_(
        "Interface name {name!r} contains {chars}, which an nftables rule cannot match. "
        "Rename the interface (letters, digits, '-', '_')."
    ),
    "nat.nft_host": N_("nslab never runs nft in the host namespace."),
    "nat.no_nft": N_("`nft` is not installed. Install it: apt-get install nftables"),
    "nat.list_failed": N_("nft could not list the NAT rules of {where}: {error}"),
    "nat.rule_refused": N_(
        "nft refused the rule {rule!r} in {where}: {error}. Check that the kernel has "
        "nftables NAT (nft_nat, nft_masq, nft_fib)."
    ),
    "server.str": N_("web server in {where} on port {port} (python3 -m http.server)"),
    "http.text_not_str": N_("text={text!r} is not a string. Pass the page's text, or None."),
    "http.not_owned": N_(
        "Namespace {name!r} was not created by this lab, so nslab will not start a web "
        "server in it. Use a namespace of this lab, e.g. {call}."
    ),
    "http.running": N_(
        "A web server already listens on port {port} in {where}. Use it, stop it with "
        "{call}, or pick another port."
    ),
    "http.missing_running": N_(
        "No web server of this lab listens on port {port} in {where} (running: {running}). "
        "Start one with {call}."
    ),
    "http.missing": N_(
        "No web server of this lab on port {port} in {where}. Start one with {call}."
    ),
    "http.greeting": N_("Hello from {where}"),
    "http.greeting_addrs": N_("Hello from {where} ({addrs})"),
    "http.port_in_use": N_(
        "Port {port} in {where} is already in use by another program. Pick another port, or "
        "stop that program first."
    ),
    "http.not_started": N_("The web server in {where} did not start: {error}"),
    "http.not_listening": N_(
        "The web server in {where} did not listen on port {port}: nslab waited {waited} "
        "for its \"Serving HTTP on\" line. The machine may be overloaded: try again."
    ),
    "fetch.failed": N_("GET {url} from {where} failed: {error}"),
    "fetch.ok": N_("HTTP {status} from {url}\n{body}"),
    "fetch.timeout": N_("timeout={timeout} is out of range. Use 0 to 60 seconds."),
    "fetch.no_client": N_("Could not run an HTTP client in {where}: {error}"),
    "fetch.url_not_str": N_("URL {url!r} is not a string. Write it like {example}."),
    "fetch.url_invalid": N_("URL {url!r} is not valid ({error}). Write it like {example}."),
    "fetch.url_not_http": N_("URL {url!r} is not an http:// URL. Write it like {example}."),
    "fetch.url_hostname": N_(
        "URL {url!r} names the host {host!r}, but there is no DNS inside the lab. Use the "
        "server's address instead, e.g. {example}."
    ),
    # -- captures -------------------------------------------------------------------
    "capture.linktype": N_(
        "Unsupported pcap link type {linktype}: nslab decodes Ethernet, Linux cooked "
        "(SLL/SLL2) and raw IP captures."
    ),
    "capture.first_of": Nn_(
        "{title} (first {shown} of {n} packet)", "{title} (first {shown} of {n} packets)"
    ),
    "capture.started_twice": N_(
        "The capture on {where} was already started; make a new one with capture(...) to "
        "capture again."
    ),
    "capture.never_started": N_(
        "The capture on {where} was never started; use `with capture(...) as cap:` or "
        "cap.start()."
    ),
    "capture.no_tcpdump": N_(
        "tcpdump is not installed (not found on PATH). Install it with `apt-get install "
        "tcpdump`."
    ),
    "capture.no_nsenter": N_(
        "nsenter is not installed (not found on PATH). Install it with `apt-get install "
        "util-linux`."
    ),
    "capture.no_netns": N_(
        "Network namespace {name!r} not found: {path} does not exist. List namespaces with "
        "`ip netns list` (or lab.list_netns())."
    ),
    "capture.not_listening": N_(
        "tcpdump did not start listening on {where}: nslab waited {waited} for its "
        "\"listening on\" line, and it said: {said}. The machine may be overloaded: try "
        "again, or pass a larger timeout= (seconds on an idle machine)."
    ),
    "capture.said_nothing": N_("nothing (exit status {status})"),
    "capture.no_link": N_(
        "Interface {name!r} not found in {where}. {hint} List its interfaces with `{command}` "
        "(or lab.snapshot())."
    ),
    "capture.link_down": N_(
        "Interface {name!r} in {where} is down, and tcpdump captures only on an up "
        "interface. Bring it up with `{command}` (lab.set_up(...)) first."
    ),
    "capture.bad_filter": N_(
        "tcpdump refused the filter {filter!r}: {said} See `man pcap-filter`; e.g. "
        "filter='arp or icmp'."
    ),
    "capture.cannot_drop": N_(
        "tcpdump could not drop privileges to its own user ({said}). That happens in a user "
        "namespace that maps only uid 0, such as the rootless nslab sandbox, where tcpdump "
        "cannot run. Capture as real root, or in Docker with `--cap-add NET_ADMIN --cap-add "
        "SYS_ADMIN --cap-add NET_RAW`."
    ),
    "capture.not_allowed": N_("Not allowed to capture on {where} ({said}). {fix}"),
    "capture.failed": N_("tcpdump could not capture on {where}: {said}"),
    "capture.title": N_("capture on {where}"),
    "capture.col.time": N_("time (s)"),
    "capture.col.source": N_("source"),
    "capture.col.destination": N_("destination"),
    "capture.col.protocol": N_("protocol"),
    "capture.col.summary": N_("summary"),
    "capture.sequence_text": Nn_("sequence diagram: {n} packet", "sequence diagram: {n} packets"),
    "capture.heading": Nn_(
        "Capture on {where} ({state}): {n} packet", "Capture on {where} ({state}): {n} packets"
    ),
    "capture.no_packets": N_("(no packets)"),
    "capture.state.stopped": N_("stopped"),
    "capture.state.running": N_("running"),
    "capture.state.not_started": N_("not started"),
    # -- the kernel ({what}: the request, as `ip` would name it) ----------------------
    "kernel.no_privilege": N_(
        "The kernel refused to {what}: this process lacks the privileges (CAP_NET_ADMIN "
        "and CAP_SYS_ADMIN). {fix}"
    ),
    "kernel.exists": N_("Cannot {what}: it already exists."),
    "kernel.missing": N_("Cannot {what}: it does not exist."),
    "kernel.refused": N_("The kernel refused to {what}: {error}."),
    "kernel.host_sysctl": N_(
        "nslab never changes the host's sysctls, so it will not set {key}. Set it inside one "
        "of the lab's namespaces instead."
    ),
    "kernel.bad_sysctl": N_("{key!r} is not a network sysctl path like 'net/ipv4/ip_forward'."),
    "kernel.no_netns_path": N_("Network namespace {path} does not exist."),
    "kernel.not_netns_yet": N_("{path} is not a network namespace (yet)."),
    "kernel.netns_exists": N_("Namespace {name!r} already exists."),
    "kernel.limit": N_(
        "The kernel refused to create namespace {name!r}: the limit on network namespaces "
        "per user is reached ({key} = {value} here, read from {limit}; the limit of an "
        "enclosing user namespace counts too). Free some (lab.reset() in labs you are done "
        "with, `nslab cleanup` for crashed ones, `ip netns list` to see them), or raise the "
        "limit as root: sysctl -w {key}=NUMBER."
    ),
    # -- journals and removal -------------------------------------------------------
    "journal.in_use": N_(
        "Lab {lab!r} is in use by another live process (PID {pid}). Use another name, "
        "e.g. {call}, or stop that process first."
    ),
    "journal.corrupt": N_(
        "The journal of lab {lab!r} ({path}) cannot be read: {reason}. nslab will not "
        "guess what that lab made, so it removed nothing of it. See what is left with "
        "`ip netns list` and `ip link`, remove what that lab made by hand, then delete "
        "{path}."
    ),
    "removed.netns": N_("namespace {name}"),
    "removed.link": N_("link {name} in {where}"),
    "removed.container": N_("container {name} (PID {pid})"),
    "removed.server": N_("web server {name} (PID {pid})"),
    "mismatch.netns_gone": N_(
        "Namespace {name!r} was already gone (deleted outside nslab): nothing to remove."
    ),
    "mismatch.netns_replaced": N_(
        "Namespace {name!r} is not the one the lab made (inode {inode}, the journal says "
        "{journaled}): another took its name, so nslab left it alone."
    ),
    "mismatch.link_gone": N_(
        "Interface {name!r} in {where} was already gone (deleted outside nslab): nothing "
        "to remove."
    ),
    "mismatch.link_replaced": N_(
        "Interface {name!r} in {where} is not the one the lab made (ifindex {index}, the "
        "journal says {journaled}): another took its name, so nslab left it alone."
    ),
    "cleanup.removed_from": N_("{lab}: {what}"),
    "cleanup.removed_line": N_("removed {what}"),
    "cleanup.summary": Nn_(
        "nslab cleanup: {n} object removed", "nslab cleanup: {n} objects removed"
    ),
}
