/* The kernel's own cost of nslab's benchmark topologies: a minimal rtnetlink client.
 *
 *   floor MODE PAIRS TAG [keep]      MODE: inplace | move
 *
 * Builds PAIRS copies of the article's pair (2 namespaces, one veth, 2 addresses, lo and
 * both ends up) with one request per kernel object and an ACK for each, as any client
 * must; then deletes the namespaces the way `ip netns delete` does (umount + unlink).
 * Namespaces are made like `ip netns add`: a file under /run/netns bind-mounted over a
 * fresh unshare(CLONE_NEWNET). Prints one JSON line: build and teardown seconds.
 * Names are TAG + a/b/x/y + index, so nothing else on the machine is touched. With `keep`
 * the namespaces stay (no teardown), so a test can ping across them and delete them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int host_fd;
static unsigned seq;

static void die(const char *what, const char *name, int err) {
    fprintf(stderr, "floor: %s %s: %s\n", what, name, strerror(err));
    exit(1);
}

typedef union { struct nlmsghdr h; char raw[1024]; } req;

static struct rtattr *put(struct nlmsghdr *h, int type, const void *data, int len) {
    struct rtattr *rta = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
    rta->rta_type = type;
    rta->rta_len = RTA_LENGTH(len);
    if (len) memcpy(RTA_DATA(rta), data, len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
    return rta;
}
static void end(struct nlmsghdr *h, struct rtattr *nest) {
    nest->rta_len = (char *)h + h->nlmsg_len - (char *)nest;
}

/* send one request, wait for its ACK (or the reply for GETLINK); return ifindex or 0 */
static int talk(int sk, struct nlmsghdr *h, const char *what) {
    h->nlmsg_seq = ++seq;
    if (send(sk, h, h->nlmsg_len, 0) < 0) die("send", what, errno);
    char buf[8192];
    for (;;) {
        int n = recv(sk, buf, sizeof buf, 0);
        if (n < 0) die("recv", what, errno);
        for (struct nlmsghdr *r = (struct nlmsghdr *)buf; NLMSG_OK(r, n); r = NLMSG_NEXT(r, n)) {
            if (r->nlmsg_type == NLMSG_ERROR) {
                int err = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
                if (err) die("netlink", what, -err);
                return 0;
            }
            if (r->nlmsg_type == RTM_NEWLINK)
                return ((struct ifinfomsg *)NLMSG_DATA(r))->ifi_index;
        }
    }
}

static int nl_socket(void) {
    int sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (sk < 0) die("socket", "", errno);
    return sk;
}

static void link_msg(req *r, int type, int flags) {
    memset(r, 0, sizeof *r);
    r->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    r->h.nlmsg_type = type;
    r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
}

static char path[256];
static const char *ns_path(const char *name) {
    snprintf(path, sizeof path, "/run/netns/%s", name);
    return path;
}

/* ip netns add NAME; returns an fd of the new namespace (the caller's stays current) */
static int add_netns(const char *name) {
    int fd = open(ns_path(name), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0) die("create", path, errno);
    close(fd);
    if (unshare(CLONE_NEWNET) < 0) die("unshare", name, errno);
    if (mount("/proc/self/ns/net", ns_path(name), "none", MS_BIND, NULL) < 0)
        die("bind mount", path, errno);
    fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (setns(host_fd, CLONE_NEWNET) < 0) die("setns", "host", errno);
    return fd;
}

static int socket_in(int nsfd) {
    if (setns(nsfd, CLONE_NEWNET) < 0) die("setns", "", errno);
    int sk = nl_socket();
    if (setns(host_fd, CLONE_NEWNET) < 0) die("setns", "host", errno);
    return sk;
}

static void add_veth(int sk, const char *a, int a_ns, const char *b, int b_ns) {
    req r;
    link_msg(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    put(&r.h, IFLA_IFNAME, a, strlen(a) + 1);
    if (a_ns >= 0) put(&r.h, IFLA_NET_NS_FD, &a_ns, 4);
    struct rtattr *info = put(&r.h, IFLA_LINKINFO, NULL, 0);
    put(&r.h, IFLA_INFO_KIND, "veth", 5);
    struct rtattr *data = put(&r.h, IFLA_INFO_DATA, NULL, 0);
    struct rtattr *peer = put(&r.h, VETH_INFO_PEER, NULL, 0);
    r.h.nlmsg_len += sizeof(struct ifinfomsg);  /* the peer's ifinfomsg, zeroed */
    put(&r.h, IFLA_IFNAME, b, strlen(b) + 1);
    if (b_ns >= 0) put(&r.h, IFLA_NET_NS_FD, &b_ns, 4);
    end(&r.h, peer); end(&r.h, data); end(&r.h, info);
    talk(sk, &r.h, a);
}

static void move(int sk, const char *name, int nsfd) {
    req r;
    link_msg(&r, RTM_NEWLINK, 0);
    put(&r.h, IFLA_IFNAME, name, strlen(name) + 1);
    put(&r.h, IFLA_NET_NS_FD, &nsfd, 4);
    talk(sk, &r.h, name);
}

static int ifindex(int sk, const char *name) {
    req r;
    link_msg(&r, RTM_GETLINK, 0);
    r.h.nlmsg_flags = NLM_F_REQUEST;
    put(&r.h, IFLA_IFNAME, name, strlen(name) + 1);
    return talk(sk, &r.h, name);
}

static void set_up(int sk, const char *name) {
    req r;
    link_msg(&r, RTM_NEWLINK, 0);
    struct ifinfomsg *ifi = NLMSG_DATA(&r.h);
    ifi->ifi_flags = ifi->ifi_change = IFF_UP;
    put(&r.h, IFLA_IFNAME, name, strlen(name) + 1);
    talk(sk, &r.h, name);
}

static void add_addr(int sk, int index, const char *ip, int prefix) {
    req r;
    memset(&r, 0, sizeof r);
    r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    r.h.nlmsg_type = RTM_NEWADDR;
    r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    struct ifaddrmsg *ifa = NLMSG_DATA(&r.h);
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = prefix;
    ifa->ifa_index = index;
    struct in_addr a;
    inet_pton(AF_INET, ip, &a);
    put(&r.h, IFA_LOCAL, &a, 4);
    put(&r.h, IFA_ADDRESS, &a, 4);
    talk(sk, &r.h, ip);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: floor inplace|move PAIRS TAG [keep]\n");
        return 2;
    }
    int keep = argc == 5 && !strcmp(argv[4], "keep");
    const char *mode = argv[1], *tag = argv[3];
    int pairs = atoi(argv[2]);
    int in_place = !strcmp(mode, "inplace");
    host_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    mkdir("/run/netns", 0755);
    int host_sk = nl_socket();
    char (*names)[4][32] = calloc(pairs, sizeof *names);
    double t0 = now();
    for (int i = 0; i < pairs; i++) {
        char *a = names[i][0], *b = names[i][1], *x = names[i][2], *y = names[i][3];
        snprintf(a, 32, "%sa%d", tag, i); snprintf(b, 32, "%sb%d", tag, i);
        snprintf(x, 32, "%sx%d", tag, i); snprintf(y, 32, "%sy%d", tag, i);
        char ip1[32], ip2[32];
        snprintf(ip1, 32, "10.%d.%d.1", i / 64, (i % 64) * 4);
        snprintf(ip2, 32, "10.%d.%d.2", i / 64, (i % 64) * 4);
        int fa = add_netns(a), fb = add_netns(b);
        int sa = socket_in(fa), sb = socket_in(fb);
        set_up(sa, "lo"); set_up(sb, "lo");
        if (in_place) {
            add_veth(host_sk, x, fa, y, fb);
        } else {  /* the article: create in the host, then move each end */
            add_veth(host_sk, x, -1, y, -1);
            move(host_sk, x, fa); move(host_sk, y, fb);
        }
        add_addr(sa, ifindex(sa, x), ip1, 30); add_addr(sb, ifindex(sb, y), ip2, 30);
        set_up(sa, x); set_up(sb, y);
        close(sa); close(sb); close(fa); close(fb);
    }
    double t1 = now();
    for (int i = 0; i < pairs && !keep; i++)
        for (int k = 0; k < 2; k++) {  /* ip netns delete: detach the bind mount, unlink */
            if (umount2(ns_path(names[i][k]), MNT_DETACH) < 0) die("umount", path, errno);
            if (unlink(path) < 0) die("unlink", path, errno);
        }
    double t2 = now();
    printf("{\"mode\": \"%s\", \"pairs\": %d, \"build\": %.6f, \"teardown\": %.6f}\n",
           mode, pairs, t1 - t0, t2 - t1);
    return 0;
}
