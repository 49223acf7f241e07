"""Messages: the article's steps as the Stepper and the notebooks show them.

Each step has a title, an explanation (one or two sentences that stay true next to the
real output) and, where later steps depend on it, what it leaves behind.
"""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
    # part 1: containers have their own network namespace
    "steps.s1.title": N_("Run a long-lived container"),
    "steps.s1.explain": N_(
        "A container is a process with its own namespaces. nslab starts a real process in a "
        "new, unnamed network namespace and plugs it into a docker0 bridge, as Docker does; "
        "the bridge lives in the lab's own docker-host namespace, not in your host."),
    "steps.s1.makes": N_("container test1"),
    "steps.s2.title": N_("Look inside the container"),
    "steps.s2.explain": N_(
        "Inside: `lo` with 127.0.0.1 and `eth0@ifN` with a MAC and 172.17.0.2/16 (the "
        "article's 127.17.0.2 is a typo). `@ifN` is the index of eth0's peer, the other end "
        "of its veth pair."),
    "steps.s3.title": N_("Compare with the host"),
    "steps.s3.explain": N_(
        "The host's own interfaces are different devices: an `eth0` there, if any, is not "
        "the container's eth0. The container's namespace and the host's are isolated."),
    "steps.s4.title": N_("A second container"),
    "steps.s4.explain": N_("test2 gets the next free address on the bridge, 172.17.0.3."),
    "steps.s4.makes": N_("container test2"),
    "steps.s5.title": N_("The containers can talk"),
    "steps.s5.explain": N_(
        "Both containers are plugged into the same bridge, so test1 reaches test2 (the "
        "article's 127.0.0.3 is a typo for 172.17.0.3)."),
    # part 2: ip netns
    "steps.s6.title": N_("Add, list and delete a namespace"),
    "steps.s6.explain": N_(
        "`ip netns add` creates a named network namespace: a file under /run/netns that keeps "
        "it alive with no process inside. After the delete, `ip netns list` no longer shows "
        "test1."),
    "steps.s7.title": N_("Docker's namespaces are hidden"),
    "steps.s7.explain": N_(
        "`ip netns list` lists only the names under /run/netns. A container's namespace has "
        "no name there, so the container web is not listed; docker-host is listed because "
        "the lab made it with `ip netns add`."),
    "steps.s7.makes": N_("container web"),
    "steps.s8.title": N_("Two namespaces"),
    "steps.s8.explain": N_("Create the two namespaces the rest of the article uses."),
    "steps.s8.makes": N_("namespaces test1 and test2"),
    "steps.s9.title": N_("Inside a new namespace"),
    "steps.s9.explain": N_(
        "A new namespace holds only `lo`: no address, `state DOWN`, `qdisc noop`."),
    "steps.s10.title": N_("Host links vs namespace links"),
    "steps.s10.explain": N_(
        "The host has its own links (its `lo` says UNKNOWN too); test1 has only its own `lo`, "
        "still DOWN."),
    "steps.s11.title": N_("Bring lo up"),
    "steps.s11.explain": N_(
        "`lo` now says UNKNOWN, like the host's: the loopback driver reports no operational "
        "state. LOWER_UP is its carrier; it is up and answers ping 127.0.0.1."),
    # part 3: a veth pair
    "steps.s12.title": N_("Create a veth pair"),
    "steps.s12.explain": N_(
        "A veth pair is a virtual cable: what enters one end leaves the other. Both ends "
        "start in the host, DOWN, with MACs and no IP; M-DOWN says the peer is down too."),
    "steps.s12.makes": N_("the veth pair"),
    "steps.s13.title": N_("Move one end into test1"),
    "steps.s13.explain": N_(
        "veth-test1 leaves the host and appears in test1: a link lives in exactly one "
        "namespace. `link-netnsid` names where its peer is."),
    "steps.s13.makes": N_("veth-test1 in test1"),
    "steps.s14.title": N_("Move the other end into test2"),
    "steps.s14.explain": N_(
        "Likewise for veth-test2: the host no longer shows either end."),
    "steps.s14.makes": N_("veth-test2 in test2"),
    "steps.s15.title": N_("Give each end an address"),
    "steps.s15.explain": N_("Both ends get an address in the same /24 subnet."),
    "steps.s15.makes": N_("the addresses"),
    "steps.s16.title": N_("Still DOWN"),
    "steps.s16.explain": N_(
        "The links are still DOWN: an address does not bring a link up. And `ip link` shows "
        "no IP: it lists links, not addresses."),
    "steps.s17.title": N_("Bring both ends up"),
    "steps.s17.explain": N_(
        "A veth end has carrier only while its peer is up: with one end up it shows "
        "NO-CARRIER and `state LOWERLAYERDOWN`; with both up, `state UP` and LOWER_UP."),
    "steps.s17.makes": N_("both ends UP"),
    "steps.s18.title": N_("Addresses and state UP"),
    "steps.s18.explain": N_(
        "`ip a` shows the addresses, state UP, and the kernel's IPv6 link-local address "
        "(fe80::) on each end."),
    "steps.s19.title": N_("Ping across"),
    "steps.s19.explain": N_(
        "Each namespace reaches the other over the veth pair: the route `192.168.1.0/24 dev "
        "veth-test1` says where to send, ARP finds the peer's MAC."),
}
