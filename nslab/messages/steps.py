"""Messages: the article's steps as the Stepper and the notebooks show them.

Each step has a title (an action), an introduction (what to do; shown before the run, so it
never gives the answer away), an explanation (one or two sentences that stay true next to the
real output, shown only after the run), the words of its answer where they are words rather
than `ip` output, and, where later steps depend on it, what it leaves behind.
"""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
    # what a network namespace holds (nslab.anatomy)
    "anatomy.title": N_("network namespace {ns}: what it holds"),
    "anatomy.lo": N_("its own loopback lo (DOWN at first)"),
    "anatomy.links": N_("network interfaces (veth ends, bridges)"),
    "anatomy.addresses": N_("IP addresses"),
    "anatomy.routes": N_("routing table"),
    "anatomy.neighbours": N_("neighbour table (ARP, NDP)"),
    "anatomy.firewall": N_("firewall and NAT rules"),
    "anatomy.sockets": N_("sockets (open ports, connections)"),
    "anatomy.sysctl": N_("its own /proc/sys/net settings"),
    "anatomy.processes": N_("processes that run in it"),
    "anatomy.name": N_("its name, if it has one"),
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
    "steps.s4.title": N_("Run a second container"),
    "steps.s4.explain": N_("test2 gets the next free address on the bridge, 172.17.0.3."),
    "steps.s4.makes": N_("container test2"),
    "steps.s5.title": N_("Ping one container from the other"),
    "steps.s5.explain": N_(
        "Both containers are plugged into the same bridge, so test1 reaches test2 (the "
        "article's 127.0.0.3 is a typo for 172.17.0.3)."),
    # part 2: ip netns
    "steps.s6.title": N_("Add, list and delete a namespace"),
    "steps.s6.explain": N_(
        "`ip netns add` creates a named network namespace: a file under /run/netns that keeps "
        "it alive with no process inside. After the delete, `ip netns list` no longer shows "
        "test1."),
    "steps.s7.title": N_("List the namespaces while a container runs"),
    "steps.s7.explain": N_(
        "`ip netns list` lists only the names under /run/netns. A container's namespace has "
        "no name there, so the container web is not listed; docker-host is listed because "
        "the lab made it with `ip netns add`."),
    "steps.s7.makes": N_("container web"),
    "steps.s8.title": N_("Create two namespaces"),
    "steps.s8.explain": N_(
        "`ip netns list` shows every name under /run/netns: the two new ones and the lab's "
        "docker-host."),
    "steps.s8.makes": N_("namespaces test1 and test2"),
    "steps.s9.title": N_("Look inside a new namespace"),
    "steps.s9.explain": N_(
        "A new namespace holds only `lo`: no address, `state DOWN`, `qdisc noop`."),
    "steps.s10.title": N_("Compare the host's links with test1's"),
    "steps.s10.explain": N_(
        "Each namespace has its own set of links: the host lists its own, and test1 sees only "
        "its own `lo`, still DOWN."),
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
    "steps.s16.title": N_("Look at the links again"),
    "steps.s16.explain": N_(
        "The links are still DOWN: an address does not bring a link up. And `ip link` shows "
        "no IP: it lists links, not addresses."),
    "steps.s17.title": N_("Bring both ends up"),
    "steps.s17.explain": N_(
        "A veth end has carrier only while its peer is up: with one end up, that end shows "
        "NO-CARRIER, and here `state LOWERLAYERDOWN` (the state can read DOWN instead, "
        "depending on the pair's interface indexes: trust the flag); with both up, "
        "`state UP` and LOWER_UP."),
    "steps.s17.makes": N_("both ends UP"),
    "steps.s18.title": N_("Look at the addresses"),
    "steps.s18.explain": N_(
        "`ip a` shows the addresses, state UP, and the kernel's IPv6 link-local address "
        "(fe80::) on each end."),
    "steps.s19.title": N_("Ping across"),
    "steps.s19.explain": N_(
        "Each namespace reaches the other over the veth pair: the route `192.168.1.0/24 dev "
        "veth-test1` says where to send, ARP finds the peer's MAC."),
    # a step's introduction (what to do, before the run: it must not give the answer away)
    # and the words of its answer (' | '-separated; tests/notebooks/test_predict.py keeps them
    # out of the text a student reads before the Predict prompt)
    "steps.s1.intro": N_(
        "Start a container called test1 that keeps running, as `docker run -d` does, and "
        "read what the lab says about it."),
    "steps.s2.intro": N_(
        "Run `ip a` inside the container, as the article does with `docker exec`."),
    "steps.s3.intro": N_("Leave the container and list the host's own links."),
    "steps.s4.intro": N_(
        "Start a second container, test2, the same way, and run `ip a` inside it."),
    "steps.s5.intro": N_("From test1, ping test2's address."),
    "steps.s6.intro": N_(
        "Create a namespace called test1, list the namespaces, then delete it."),
    "steps.s7.intro": N_(
        "Start a container called web, then list the named namespaces again."),
    "steps.s8.intro": N_(
        "Create test1 and test2, the two namespaces the rest of the article uses, and list "
        "the namespaces."),
    "steps.s9.intro": N_(
        "Run `ip a` inside test1, a namespace nobody has touched yet."),
    "steps.s10.intro": N_("List the host's links, then test1's."),
    "steps.s11.intro": N_(
        "Set test1's loopback interface `lo` up, then list its links again."),
    "steps.s12.intro": N_(
        "Create a veth pair: two interfaces, veth-test1 and veth-test2, made together."),
    "steps.s13.intro": N_("Move veth-test1 into the namespace test1."),
    "steps.s14.intro": N_("Move veth-test2 into the namespace test2."),
    "steps.s15.intro": N_(
        "Give veth-test1 the address 192.168.1.1/24 and veth-test2 the address "
        "192.168.1.2/24."),
    "steps.s16.intro": N_(
        "List the links in test1 and in test2 again, now that both ends have an address."),
    "steps.s17.intro": N_("Set the two ends up, one at a time."),
    "steps.s18.intro": N_("Run `ip a` in test1 and in test2."),
    "steps.s19.intro": N_("Ping each namespace from the other, across the veth pair."),
    "steps.s3.answer": N_("not the container's|different device"),
    "steps.s5.answer": N_("reaches test2|can talk|same bridge"),
    "steps.s7.answer": N_("hidden|not listed|no name"),
    "steps.s8.answer": N_("three names|docker-host too"),
    "steps.s9.answer": N_("only `lo`"),
    "steps.s12.answer": N_("in the host"),
    "steps.s13.answer": N_("only in test1|exactly one namespace"),
    "steps.s15.answer": N_("stay DOWN|no state change"),
    "steps.s16.answer": N_("still DOWN|does not bring a link up"),
    "steps.s18.answer": N_("link-local"),
    # the frame of a step in the notebooks
    "steps.article_runs": N_("The article runs:"),
    "steps.what_happened": N_("**What happened in {step}:** {text}"),
}
