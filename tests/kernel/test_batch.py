"""`Lab.apply`: runs of simple verbs as one batch do exactly what the verbs one by one do.

Compared on the real kernel (read with `ip -j`, not through nslab), with the same
transcript, journal and history; a call the batch cannot vouch for falls back to its
verb (same error, same partial state); a refusal inside a batch changes nothing.
"""

from __future__ import annotations

import copy
import importlib.util
import uuid
from pathlib import Path
from types import ModuleType

import pytest

from nslab import KernelError, Lab, NotFound
from nslab.journal import Journal
from tests.conftest import needs_root
from tests.helpers import ipj, netns_list, wait_for

pytestmark = [needs_root, pytest.mark.kernel]


def _bench_build() -> ModuleType:
    """bench/build.py by its path (a module named `build` could be pip's)."""
    path = Path(__file__).resolve().parents[2] / "bench" / "build.py"
    spec = importlib.util.spec_from_file_location("nslab_bench_build", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _bench_build()
article = BENCH.article_steps  # S8-S18: the veth made in the host and moved (not batched)
pairs_steps = BENCH.pairs_steps


def pairs(tag: str, n: int) -> list[tuple[str, tuple, dict]]:
    """n article pairs with their veth made in place: the topology the bench times."""
    return pairs_steps(tag, n, in_place=True)


def kernel_view(tag: str) -> list:
    """The test's namespaces, links (name, flags, peer's namespace id, kind), IPv4
    addresses, read by `ip -j`, with the tag taken out so two builds compare."""
    out = []
    for ns in sorted(n for n in netns_list() if tag in n):
        links = [(lk["ifname"], sorted(lk["flags"]), lk.get("link_netnsid") is not None,
                  lk.get("linkinfo", {}).get("info_kind"))
                 for lk in ipj(ns, "-d", "link")]
        v4 = [(a["ifname"], sorted(i["local"] + "/" + str(i["prefixlen"])
                                   for i in a["addr_info"] if i["family"] == "inet"))
              for a in ipj(ns, "addr")]
        out.append((ns, sorted(links), sorted(v4)))
    return [repr(x).replace(tag, "T") for x in out]


def record(lab: Lab, tag: str) -> tuple[str, str, str]:
    """Journal (without the kernel's inode/index numbers), transcript and history."""
    entries = [{k: v for k, v in e.items() if k not in ("inode", "index")}
               for e in lab.journal.entries]
    journal, transcript, history = (repr(x).replace(tag, "T")
                                    for x in (entries, list(lab.transcript), lab._history))
    return journal, transcript, history


def one_by_one(lab: Lab, calls: list) -> None:
    for method, args, kwargs in calls:
        getattr(lab, method)(*args, **kwargs)


def settled(tag: str) -> list:
    """kernel_view once no link shows NO-CARRIER any more (the kernel settles carriers)."""
    def view() -> list | None:
        v = kernel_view(tag)
        return v if v and all("NO-CARRIER" not in x for x in v) else None

    return wait_for(view, what="links to settle")


@pytest.fixture
def two_labs():
    labs: list[Lab] = []

    def make() -> tuple[Lab, str]:
        tag = uuid.uuid4().hex[:4]
        labs.append(Lab(name=f"batch-{tag}"))
        return labs[-1], tag

    yield make
    for lab in labs:
        lab.reset()
        lab.journal.delete()


@pytest.mark.parametrize(("topology", "sender", "target"), [
    (lambda t: pairs(t, 3), "a0", "10.0.0.2"), (article, "t1", "192.168.1.2"),
], ids=["pairs", "article"])
def test_apply_does_what_the_verbs_do(two_labs, topology, sender, target) -> None:
    (slow, s), (fast, f) = two_labs(), two_labs()
    one_by_one(slow, topology(s))
    fast.apply(topology(f))
    assert settled(f) == settled(s)
    assert record(fast, f) == record(slow, s)
    assert fast.ping(f + sender, target).ok


def test_apply_batches_a_run_into_one_journal_write_and_one_worker_trip(
    two_labs, monkeypatch
) -> None:
    lab, tag = two_labs()
    trips, writes = [], []
    create_many, append = lab.kernel.nl.create_netns_many, Journal._append
    monkeypatch.setattr(lab.kernel.nl, "create_netns_many",
                        lambda names: trips.append(list(names)) or create_many(names))
    monkeypatch.setattr(lab.kernel.nl, "create_netns",
                        lambda name: pytest.fail(f"{name} was made outside the batch"))
    monkeypatch.setattr(Journal, "_append", lambda self, ch: writes.append(ch) or append(self, ch))
    lab.apply(pairs(tag, 4))
    assert trips == [[f"{tag}{s}{i}" for i in range(4) for s in "ab"]]
    assert len(writes) == 2  # every intent before the first namespace, then their inodes
    assert len(writes[0]) == 8 + 8 and all("add" in c for c in writes[0])
    assert all("set" in c for c in writes[1])


def test_a_call_the_batch_cannot_vouch_for_is_done_by_its_verb(two_labs) -> None:
    """A typo in the middle: the calls before it are done, the verb's own message says
    what is wrong, nothing after it runs; exactly as one by one."""
    runs = []
    for way in ("verbs", "apply"):
        lab, tag = two_labs()
        calls = pairs(tag, 2)
        calls[5] = ("add_addr", (f"{tag}a0", f"{tag}xx0", "10.0.0.1/30"), {})  # no such link
        with pytest.raises(NotFound) as info:
            one_by_one(lab, calls) if way == "verbs" else lab.apply(calls)
        runs.append((str(info.value).replace(tag, "T"), kernel_view(tag), record(lab, tag)))
    assert "Did you mean" in runs[0][0]
    assert runs[1] == runs[0]


def test_a_refusal_inside_a_batch_changes_nothing(two_labs, monkeypatch) -> None:
    lab, tag = two_labs()
    lab.add_netns(f"{tag}keep")
    before = (kernel_view(tag), copy.deepcopy(lab.journal.entries), list(lab.transcript),
              list(lab._history))
    add_addr, seen = lab.kernel.nl.add_addr, []

    def refuse_the_third(*args, **kwargs):
        seen.append(args)
        if len(seen) == 3:
            raise KernelError(28, "addr ('add',) in test: No space left on device")
        return add_addr(*args, **kwargs)

    monkeypatch.setattr(lab.kernel.nl, "add_addr", refuse_the_third)
    with pytest.raises(KernelError, match="No space left"):
        lab.apply(pairs(tag, 3))
    wait_for(lambda: kernel_view(tag) == before[0], what="the batch's namespaces to go")
    assert (copy.deepcopy(lab.journal.entries), list(lab.transcript), list(lab._history)) \
        == before[1:]
    assert Journal.load(lab.journal.path).entries == lab.journal.entries  # the disk agrees


def test_the_journal_lists_every_intent_before_the_first_namespace_exists(
    two_labs, monkeypatch
) -> None:
    """Crash safety is the single verbs': a kill right before the namespaces are made
    leaves a journal that names all of them (cleanup removes what exists)."""
    lab, tag = two_labs()
    on_disk = []

    def crash(names):
        on_disk.append([e["name"] for e in Journal.load(lab.journal.path).entries])
        raise KeyboardInterrupt

    monkeypatch.setattr(lab.kernel.nl, "create_netns_many", crash)
    with pytest.raises(KeyboardInterrupt):
        lab.apply(pairs(tag, 2))
    assert on_disk[0] == [f"{tag}a0", f"{tag}b0", f"{tag}x0", f"{tag}y0",
                          f"{tag}a1", f"{tag}b1", f"{tag}x1", f"{tag}y1"]
    assert lab.journal.entries == [] and not [n for n in netns_list() if tag in n]


def interrupt_the_next_worker_trip(monkeypatch, lab: Lab) -> None:
    """The notebook's Ctrl-C arrives while the caller waits for the worker, which goes on
    and makes what it was asked to (the wait returns KeyboardInterrupt, once)."""
    pool = lab.kernel.nl._pool
    submit, armed = pool.submit, [True]

    class Interrupted:
        def __init__(self, future) -> None:
            self.future = future

        def result(self):
            if armed:
                armed.clear()
                self.future.result()  # the worker finished its work...
                raise KeyboardInterrupt  # ...but the caller was interrupted first
            return self.future.result()

    monkeypatch.setattr(pool, "submit", lambda *a, **k: Interrupted(submit(*a, **k)))


@pytest.mark.parametrize("how", ["apply", "add_netns"])
def test_ctrl_c_while_the_namespaces_are_made_leaves_nothing(two_labs, monkeypatch, how
                                                             ) -> None:
    lab, tag = two_labs()
    interrupt_the_next_worker_trip(monkeypatch, lab)
    with pytest.raises(KeyboardInterrupt):
        lab.apply(pairs(tag, 2)) if how == "apply" else lab.add_netns(f"{tag}a0")
    assert not [n for n in netns_list() if tag in n]
    assert lab.journal.entries == [] and Journal.load(lab.journal.path).entries == []
    assert list(lab.transcript) == []


def test_restore_goes_through_the_batch_and_rebuilds_the_same_lab(two_labs, monkeypatch
                                                                   ) -> None:
    lab, tag = two_labs()
    one_by_one(lab, pairs(tag, 2))
    lab.checkpoint("built")
    at_checkpoint = (settled(tag), list(lab.transcript), list(lab._history))
    lab.set_down(f"{tag}a0", f"{tag}x0")
    trips = []
    create_many = lab.kernel.nl.create_netns_many
    monkeypatch.setattr(lab.kernel.nl, "create_netns_many",
                        lambda names: trips.append(names) or create_many(names))
    lab.restore("built")
    assert len(trips) == 1
    assert settled(tag) == at_checkpoint[0]
    assert (list(lab.transcript), list(lab._history)) == at_checkpoint[1:]
    assert lab.ping(f"{tag}a0", "10.0.0.2").ok
