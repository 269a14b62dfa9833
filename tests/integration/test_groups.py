"""Consumer groups with confluent-kafka 1.7 (librdkafka 2.0.2) on 3 ZooKeeper nodes and 3
brokers: partitions split among the members, a member leaving hands its partitions to the others
(eager and cooperative-sticky), synchronous commits are where the next owner resumes, two groups
read a topic independently, and a restarted group resumes exactly at its committed offsets.

Every member commits each record synchronously before it polls the next one (group_tools.Member)
and checks the delivery contract on every record: after an assignment the first record of a
partition is exactly its committed offset, then each record is the next offset. What the clients
see is compared with what the coordinator reports (DescribeGroups, OffsetFetch, sent raw).

Facts: ../shared/reference/kafka-groups-and-producer-state.md §3, kafka-protocol-and-clients.md §1.1.
"""

from collections import Counter

import pytest

from group_tools import (
    Member,
    close_all,
    committed_offsets,
    consumer_conf,
    current_seq,
    decode_consumer_assignment,
    describe_group,
    make_cluster,
    poll_until,
    produce,
)
from helpers import create_topic, scaled, wait_for

PARTITIONS = 6


@pytest.fixture
def cluster(broker_factory):
    return make_cluster(broker_factory)


def member_conf(cluster, group, strategy=None):
    extra = {"auto.offset.reset": "earliest", "enable.auto.commit": False}
    if strategy:
        extra["partition.assignment.strategy"] = strategy
    return consumer_conf(cluster, group, **extra)


def split_evenly(members, partitions, each):
    """True when every member holds `each` partitions, disjoint, covering all partitions."""
    sets = [m.assignment for m in members]
    if any(len(s) != each for s in sets):
        return False
    union = set().union(*sets)
    return len(union) == sum(len(s) for s in sets) and union == set(range(partitions))


def assert_coordinator_agrees(cluster, group, topic, members):
    """DescribeGroups at the coordinator: Stable, one member per client, and the assignments it
    holds are the ones the clients were given."""
    g = describe_group(cluster, group)
    assert g["state"] == "Stable", g
    assert g["protocol_type"] == "consumer", g
    assert len(g["members"]) == len(members), g
    broker_view = sorted(
        tuple(decode_consumer_assignment(m["assignment"]).get(topic, [])) for m in g["members"]
    )
    client_view = sorted(tuple(sorted(m.assignment)) for m in members)
    assert broker_view == client_view, f"coordinator {broker_view} vs clients {client_view}"
    return g


def all_committed(committed, partitions, value):
    return all(committed.get(p) == value for p in partitions)


# ---------------------------------------------------------------------------------------------
# 1, 2. three members, one leaves


def _three_members_one_leaves(cluster, topic, group, strategy):
    create_topic(cluster[1], topic, partitions=PARTITIONS, replication_factor=3)
    committed = {}
    conf = member_conf(cluster, group, strategy)
    members = [Member(f"c{i}", conf, topic, committed=committed) for i in (1, 2, 3)]
    c1, c2, c3 = members
    try:
        # the three members split the six partitions 2/2/2
        poll_until(members, lambda: split_evenly(members, PARTITIONS, 2), 60, "a 2/2/2 split")
        assert_coordinator_agrees(cluster, group, topic, members)
        before = {m.name: set(m.assignment) for m in members}

        # A: every member consumes and commits all of its records
        produce(cluster, topic, {p: 20 for p in range(PARTITIONS)}, tag="a")
        poll_until(members, lambda: all_committed(committed, range(PARTITIONS), 20), 60, "commits at 20")

        # B: c1 and c2 consume everything new; c3 only five records, so that it leaves with
        # committed offsets in the middle of what is left to read
        produce(cluster, topic, {p: 20 for p in range(PARTITIONS)}, tag="b")
        poll_until([c1, c2], lambda: all_committed(committed, c1.assignment | c2.assignment, 40), 60,
                   "c1 and c2 at 40")
        c3_start = len(c3.records)
        poll_until([c3], lambda: len(c3.records) >= c3_start + 5, 30, "c3 to process five more records")
        c3_parts = set(c3.assignment)
        at_leave = {p: committed[p] for p in c3_parts}
        assert all(20 <= v <= 40 for v in at_leave.values()), at_leave

        # c3 leaves (LeaveGroup on close); c1 and c2 take its partitions
        leave_seq = current_seq()
        c3.close()
        poll_until([c1, c2], lambda: split_evenly([c1, c2], PARTITIONS, 3), 60, "c1 and c2 to hold 3 partitions each")
        g = assert_coordinator_agrees(cluster, group, topic, [c1, c2])
        assert len(g["members"]) == 2

        # C: more records; everything is read, each record once, from where the commits were
        produce(cluster, topic, {p: 20 for p in range(PARTITIONS)}, tag="c")
        poll_until([c1, c2], lambda: all_committed(committed, range(PARTITIONS), 60), 60, "commits at 60")

        # the taken-over partitions resumed exactly at c3's last commits
        for p in c3_parts:
            offs = sorted(c1.offsets_of(p, after_seq=leave_seq) + c2.offsets_of(p, after_seq=leave_seq))
            assert offs and offs[0] == at_leave[p], f"{topic}-{p}: read again from {offs[:1]}, committed {at_leave[p]}"
            assert offs == list(range(at_leave[p], 60)), f"{topic}-{p}: {offs}"

        if strategy == "cooperative-sticky":
            # incremental: c1 and c2 kept what they had and were given c3's partitions only
            for m in (c1, c2):
                assert not m.events_after(leave_seq, "revoke"), f"{m.name} revoked after the leave: {m.events}"
                assert not m.events_after(leave_seq, "lost"), f"{m.name} lost partitions: {m.events}"
                assert before[m.name] <= m.assignment, (m.name, before[m.name], m.assignment)
            gained = [set(e[1]) for m in (c1, c2) for e in m.events_after(leave_seq, "assign")]
            assert set().union(*gained) == c3_parts, f"incremental assignments {gained}, c3 had {c3_parts}"
            assert sum(len(s) for s in gained) == len(c3_parts), gained
        else:
            # eager: the rebalance revoked and reassigned everything
            for m in (c1, c2):
                assigns = m.events_after(leave_seq, "assign")
                assert assigns and set(assigns[-1][1]) == m.assignment, (m.name, m.events)

        # the coordinator holds the same offsets
        assert committed_offsets(cluster, group, topic, range(PARTITIONS)) == {p: 60 for p in range(PARTITIONS)}

        # nothing lost; nothing delivered twice unless a commit failed
        seen = Counter((r[0], r[1]) for m in members for r in m.records)
        assert set(seen) == {(p, o) for p in range(PARTITIONS) for o in range(60)}
        failed = [f for m in members for f in m.failed_commits]
        if not failed:
            dups = {k: n for k, n in seen.items() if n > 1}
            assert not dups, f"records delivered more than once with every commit successful: {sorted(dups)[:10]}"
    finally:
        errors = close_all(members)
    assert not errors, errors


def test_three_members_split_and_survive_a_leave_eager(cluster):
    _three_members_one_leaves(cluster, "g-eager", "grp-eager", None)


def test_three_members_split_and_survive_a_leave_cooperative_sticky(cluster):
    _three_members_one_leaves(cluster, "g-coop", "grp-coop", "cooperative-sticky")


# ---------------------------------------------------------------------------------------------
# 3. two groups on one topic


def test_two_groups_each_read_every_record(cluster):
    topic = "g-two"
    create_topic(cluster[1], topic, partitions=4, replication_factor=3)
    produce(cluster, topic, {p: 30 for p in range(4)})
    everything = {(p, o) for p in range(4) for o in range(30)}

    ca, cb = {}, {}
    group_a = [Member(f"a{i}", member_conf(cluster, "grp-two-a"), topic, committed=ca) for i in (1, 2)]
    group_b = []
    try:
        poll_until(group_a, lambda: all_committed(ca, range(4), 30), 60, "group a to commit everything")
        assert {(r[0], r[1]) for m in group_a for r in m.records} == everything
        # group a's commits are its own: group b, started afterwards, reads from the start
        group_b = [Member("b1", member_conf(cluster, "grp-two-b"), topic, committed=cb)]
        poll_until(group_b, lambda: all_committed(cb, range(4), 30), 60, "group b to commit everything")
        assert {(r[0], r[1]) for r in group_b[0].records} == everything
        assert len(group_b[0].records) == len(everything)

        assert committed_offsets(cluster, "grp-two-a", topic, range(4)) == {p: 30 for p in range(4)}
        assert committed_offsets(cluster, "grp-two-b", topic, range(4)) == {p: 30 for p in range(4)}
    finally:
        errors = close_all(group_a + group_b)
    assert not errors, errors


# ---------------------------------------------------------------------------------------------
# 4. a new generation of consumers resumes at the committed offsets


def test_new_consumers_resume_exactly_at_committed_offsets(cluster):
    topic = "g-resume"
    group = "grp-resume"
    create_topic(cluster[1], topic, partitions=PARTITIONS, replication_factor=3)
    first = {p: 10 + 5 * p for p in range(PARTITIONS)}  # a different committed offset per partition
    produce(cluster, topic, first, tag="first")

    committed = {}
    gen1 = [Member(f"first{i}", member_conf(cluster, group), topic, committed=committed) for i in (1, 2)]
    try:
        poll_until(gen1, lambda: all(committed.get(p) == n for p, n in first.items()), 60, "first consumers to commit")
    finally:
        errors = close_all(gen1)
    assert not errors, errors
    assert {(r[0], r[1]) for m in gen1 for r in m.records} == {(p, o) for p, n in first.items() for o in range(n)}

    # every consumer is closed: the coordinator keeps the offsets of the now empty group
    assert committed_offsets(cluster, group, topic, range(PARTITIONS)) == first
    wait_for(lambda: describe_group(cluster, group)["state"] == "Empty", scaled(20), "the group to be Empty")
    assert not describe_group(cluster, group)["members"]

    produce(cluster, topic, {p: 10 for p in range(PARTITIONS)}, tag="second")
    # the new members start from what the coordinator answers, not from this process's memory
    fetched = committed_offsets(cluster, group, topic, range(PARTITIONS))
    committed2 = dict(fetched)
    gen2 = [Member(f"second{i}", member_conf(cluster, group), topic, committed=committed2) for i in (1, 2)]
    try:
        poll_until(gen2, lambda: all(committed2.get(p) == n + 10 for p, n in first.items()), 60,
                   "second consumers to commit")
        for p, n in first.items():
            offs = sorted(o for m in gen2 for o in m.offsets_of(p))
            assert offs[0] == n, f"{topic}-{p}: first record after the restart at {offs[0]}, committed {n}"
            assert offs == list(range(n, n + 10)), f"{topic}-{p}: {offs}"
        values = {r[2] for m in gen2 for r in m.records}
        assert all(v.startswith(b"second-") for v in values), "a record of the first batch was read again"
    finally:
        errors = close_all(gen2)
    assert not errors, errors
    assert committed_offsets(cluster, group, topic, range(PARTITIONS)) == {p: n + 10 for p, n in first.items()}
