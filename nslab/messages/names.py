"""Messages: names and addresses the library refuses (namespace, interface, IP)."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
    "names.netns.type": N_(
        "Namespace name {name!r} is a {type}, not a string. Pass a name such as 'test1'."
    ),
    "names.netns.empty": N_("Namespace name {name!r} is empty. Pick a short name such as 'test1'."),
    "names.netns.dots": N_(
        "Namespace name {name!r} is reserved ('.' and '..' are directory names). "
        "Pick a short name such as 'test1'."
    ),
    "names.netns.nul": N_(
        "Namespace name {name!r} contains a NUL byte. Pick a short name such as 'test1'."
    ),
    "names.netns.space": N_(
        "Namespace name {name!r} contains whitespace. Pick a short name such as 'test1'."
    ),
    "names.netns.control": N_(
        "Namespace name {name!r} contains a control character. Pick a short name such as 'test1'."
    ),
    "names.netns.dash": N_(
        "Namespace name {name!r} starts with '-' (the `ip` command would read it as an "
        "option). Pick a short name such as 'test1'."
    ),
    "names.netns.slash": N_(
        "Namespace name {name!r} contains '/' (it becomes a file name under /run/netns). "
        "Pick a short name such as 'test1'."
    ),
    "names.netns.at": N_(
        "Namespace name {name!r} starts with '@' (nslab keeps '@NAME' for containers' "
        "unnamed namespaces). Pick a short name such as 'test1'."
    ),
    "names.netns.long": N_(
        "Namespace name {name!r} is longer than {limit} bytes. Pick a short name such as 'test1'."
    ),
    "names.if.type": N_(
        "Interface name {name!r} is a {type}, not a string. Pass a name such as 'veth-test1'."
    ),
    "names.if.empty": N_(
        "Interface name {name!r} is empty. Pick a name of 1-15 letters, digits, '-' or '_', "
        "such as 'veth-test1'."
    ),
    "names.if.dots": N_(
        "Interface name {name!r} is reserved ('.' and '..' are directory names). Pick a name "
        "of 1-15 letters, digits, '-' or '_', such as 'veth-test1'."
    ),
    "names.if.nul": N_(
        "Interface name {name!r} contains a NUL byte. Pick a name of 1-15 letters, digits, "
        "'-' or '_', such as 'veth-test1'."
    ),
    "names.if.space": N_(
        "Interface name {name!r} contains whitespace. Pick a name of 1-15 letters, digits, "
        "'-' or '_', such as 'veth-test1'."
    ),
    "names.if.control": N_(
        "Interface name {name!r} contains a control character. Pick a name of 1-15 letters, "
        "digits, '-' or '_', such as 'veth-test1'."
    ),
    "names.if.dash": N_(
        "Interface name {name!r} starts with '-' (the `ip` command would read it as an "
        "option). Pick a name of 1-15 letters, digits, '-' or '_', such as 'veth-test1'."
    ),
    "names.if.long": N_(
        "Interface name {name!r} is {size} bytes long; the kernel allows at most {limit}. "
        "Pick a name of 1-15 letters, digits, '-' or '_', such as 'veth-test1'."
    ),
    "names.if.reserved": N_(
        "Interface name {name!r} is reserved by the kernel (the sysctl folders "
        "net/ipv4/conf/all and default). Pick a name of 1-15 letters, digits, '-' or '_', "
        "such as 'veth-test1'."
    ),
    "names.if.chars": N_(
        "Interface name {name!r} contains {chars}, which the kernel refuses. Pick a name of "
        "1-15 letters, digits, '-' or '_', such as 'veth-test1'."
    ),
    "names.addr.type": N_(
        "Address {cidr!r} is a {type}, not a string. Write it like '192.168.1.1/24'."
    ),
    "names.addr.not_ip": N_(
        "Address {cidr!r} is not an IP address. Write it like '192.168.1.1/24'."
    ),
    "names.addr.no_prefix": N_(
        "Address {cidr!r} has no prefix length. `ip addr add` would take it as {host}: a "
        "network of this one address, with no route to the other addresses on its link. "
        "Write it with one, e.g. {fix!r}."
    ),
    "names.addr.invalid": N_(
        "Address {cidr!r} is not valid ({detail}). Write it like '192.168.1.1/24'."
    ),
    "names.addr.unusable": N_(
        "Address {cidr!r} cannot be an interface address. Use a host address such as {fix!r}."
    ),
    "names.addr.network": N_(
        "Address {cidr!r} is the network address of {network}. Use a host address such as "
        "{fix!r}."
    ),
    "names.addr.broadcast": N_(
        "Address {cidr!r} is the broadcast address of {network}. Use a host address such as "
        "{fix!r}."
    ),
    "names.ip.type": N_("Address {addr!r} is a {type}, not a string. Write it like '192.168.1.2'."),
    "names.ip.prefix": N_(
        "Address {addr!r} has a prefix length, but a single host is needed here. Write {bare!r}."
    ),
    "names.ip.not_ip": N_("Address {addr!r} is not an IP address. Write it like '192.168.1.2'."),
    "names.net.type": N_(
        "Destination {cidr!r} is not a string. Write 'default' or a network like "
        "'192.168.2.0/24'."
    ),
    "names.net.not_net": N_(
        "Destination {cidr!r} is not a network. Write 'default' or a network like "
        "'192.168.2.0/24'."
    ),
    "names.net.host_bits": N_(
        "Destination {cidr!r} has host bits set. Write the network itself: {fix!r}."
    ),
}
