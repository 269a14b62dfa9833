"""The group coordinator under failures, on 3 ZooKeeper nodes and 3 brokers (confluent-kafka 1.7):

- SIGKILL of the broker that coordinates a group (the leader of partition
  abs(javaHashCode(group)) % partitions of __consumer_offsets, computed here and checked against
  FindCoordinator): the group moves to the new leader of that partition, the committed offsets
  are intact there, and the running members go on consuming and committing new records;
- static membership (KIP-345): a member with group.instance.id closes and comes back within its
  session timeout; the group does not rebalance (the other member gets no callback and keeps its
  generation; the returning member gets the same generation and its old partitions);
- offset expiry: offsets of an Empty group are gone after offsets.retention.minutes=1
  (offsets.retention.check.interval.ms=1000), not before, while a live group's offsets stay.

Facts: ../shared/reference/kafka-groups-and-producer-state.md §1, §2.3, §3.7, §3.8.
"""

import time

from group_tools import (
    OFFSETS_TOPIC,
    Member,
    close_all,
    committed_offsets,
    consumer_conf,
    coordinator_id,
    current_seq,
    decode_consumer_assignment,
    describe_group,
    expected_coordinator,
    java_string_hash,
    kafka_abs,
    make_cluster,
    offsets_partition_for,
    poll_until,
    produce,
)
from helpers import create_topic, scaled, wait_for
from replica_tools import wait_state


def member_conf(cluster, group, **extra):
    return consumer_conf(cluster, group, **{"auto.offset.reset": "earliest", "enable.auto.commit": False, **extra})


def all_committed(committed, partitions, value):
    return all(committed.get(p) == value for p in partitions)


def test_coordinator_partition_formula():
    """The worked examples of the reference (checked on JDK 17): Java String.hashCode over
    UTF-16 code units, Utils.abs (INT32_MIN -> 0), modulo 50."""
    examples = {
        "my-group": (-1906497762, 12),
        "test-group": (627841412, 12),
        "console-consumer-12345": (158455506, 6),
        "group1": (-1237460590, 40),
        "orders": (-1008770331, 31),
        "polygenelubricants": (-(2**31), 0),
        "gr\u00fcppe": (-1233264812, 12),
        "g\U0001F600": (1871882, 32),
    }
    for group, (h, p) in examples.items():
        assert java_string_hash(group) == h, group
        assert offsets_partition_for(group, 50) == p, group
    assert kafka_abs(-(2**31)) == 0


# ---------------------------------------------------------------------------------------------
# 1. the coordinator dies


def test_coordinator_sigkill_moves_group_keeps_offsets_and_members_continue(broker_factory, zk, chroot):
    cluster = make_cluster(broker_factory)
    topic, group, parts = "fo-data", "fo-group", 3
    create_topic(cluster[1], topic, partitions=parts, replication_factor=3)

    committed = {}
    members = [Member(f"m{i}", member_conf(cluster, group), topic, committed=committed) for i in (1, 2)]
    try:
        produce(cluster, topic, {p: 30 for p in range(parts)}, tag="before")
        poll_until(members, lambda: all_committed(committed, range(parts), 30), 60, "commits at 30")

        # The coordinator is the leader of the group's __consumer_offsets partition.
        offsets_p, leader = expected_coordinator(zk, chroot, group)
        node, _ = coordinator_id(cluster, group)
        assert node == leader, f"FindCoordinator answers {node}; {OFFSETS_TOPIC}-{offsets_p} is led by {leader}"
        assert committed_offsets(cluster, group, topic, range(parts)) == {p: 30 for p in range(parts)}
        assignment_before = {m.name: set(m.assignment) for m in members}

        kill_seq = current_seq()
        cluster[leader].kill()

        # The controller elects another leader of the offsets partition; FindCoordinator follows.
        st = wait_state(zk, chroot, OFFSETS_TOPIC, offsets_p, lambda s: s["leader"] not in (-1, leader),
                        scaled(30), f"a new leader after broker {leader} died")
        new_leader = st["leader"]
        wait_for(lambda: coordinator_id(cluster, group)[0] == new_leader, scaled(30),
                 f"FindCoordinator to answer broker {new_leader}")

        # The commits made at the old coordinator are there at the new one.
        assert committed_offsets(cluster, group, topic, range(parts)) == {p: 30 for p in range(parts)}

        # The running members go on: new records are read once each, from 30, and committed at
        # the new coordinator. (Every record is checked by Member: first = committed, then +1.)
        produce(cluster, topic, {p: 30 for p in range(parts)}, tag="after")
        poll_until(members, lambda: all_committed(committed, range(parts), 60), 90, "commits at 60 after the failover")
        for p in range(parts):
            offs = sorted(o for m in members for o in m.offsets_of(p, after_seq=kill_seq))
            assert offs == list(range(30, 60)), f"{topic}-{p} after the kill: {offs[:5]}..{offs[-5:]}"
        assert committed_offsets(cluster, group, topic, range(parts)) == {p: 60 for p in range(parts)}
        assert coordinator_id(cluster, group)[0] == new_leader

        # The group at its new coordinator: Stable with both members and their partitions.
        g = describe_group(cluster, group)
        assert g["state"] == "Stable" and len(g["members"]) == 2, g
        broker_view = sorted(tuple(decode_consumer_assignment(m["assignment"]).get(topic, [])) for m in g["members"])
        assert broker_view == sorted(tuple(sorted(m.assignment)) for m in members), (broker_view, members)
        assert set().union(*(m.assignment for m in members)) == set(range(parts))
        print(f"coordinator {leader} -> {new_leader}; assignments {assignment_before} -> "
              f"{ {m.name: sorted(m.assignment) for m in members} }")
    finally:
        errors = close_all(members)
    assert not errors, errors


# ---------------------------------------------------------------------------------------------
# 2. static membership


def test_static_member_restart_within_session_timeout_does_not_rebalance(broker_factory):
    cluster = make_cluster(broker_factory)
    topic, group, parts = "fo-static", "fo-static-group", 4
    create_topic(cluster[1], topic, partitions=parts, replication_factor=3)

    committed = {}

    def static_member(name, instance):
        return Member(name, member_conf(cluster, group, **{"group.instance.id": instance,
                                                            "session.timeout.ms": 10000}),
                      topic, committed=committed)

    a = static_member("a", "fo-static-a")
    b = static_member("b", "fo-static-b")
    members = [a, b]
    try:
        poll_until(members, lambda: len(a.assignment) == 2 and len(b.assignment) == 2
                   and a.assignment | b.assignment == set(range(parts)), 60, "a 2/2 split")
        produce(cluster, topic, {p: 10 for p in range(parts)}, tag="one")
        poll_until(members, lambda: all_committed(committed, range(parts), 10), 60, "commits at 10")

        gen = a.generation()
        assert gen > 0 and b.generation() == gen, (a.generation(), b.generation())
        before = describe_group(cluster, group)
        assert before["state"] == "Stable" and len(before["members"]) == 2, before
        ids_before = {m["instance_id"]: m["member_id"] for m in before["members"]}
        assert set(ids_before) == {"fo-static-a", "fo-static-b"}, before
        a_parts = set(a.assignment)

        # a closes: a static member sends no LeaveGroup; it comes back well within 10 s
        close_seq = current_seq()
        t0 = time.monotonic()
        a.close()
        a2 = static_member("a2", "fo-static-a")
        members = [a2, b]
        poll_until(members, lambda: a2.assignment, 20, "the restarted static member's assignment")
        back = f"back with an assignment {time.monotonic() - t0:.1f} s after the close"

        # no rebalance: the same generation everywhere, b saw nothing, a2 got a's partitions
        assert a2.generation() == gen, f"generation {gen} before, {a2.generation()} for the returning member; {back}"
        assert b.generation() == gen, f"generation {gen} before, {b.generation()} for the other member; {back}"
        assert a2.assignment == a_parts, (a_parts, a2.assignment, back)
        assert not b.events_after(close_seq), f"b saw a rebalance: {b.events_after(close_seq)}; {back}"
        assert time.monotonic() - t0 < 10, f"{back}: not within the session timeout (10 s)"

        # the returning member reads on from a's commits; b keeps reading too
        produce(cluster, topic, {p: 10 for p in range(parts)}, tag="two")
        poll_until(members, lambda: all_committed(committed, range(parts), 20), 60, "commits at 20")
        for p in a_parts:
            assert a2.offsets_of(p) == list(range(10, 20)), (p, a2.offsets_of(p))
        assert not b.events_after(close_seq), f"b saw a rebalance: {b.events_after(close_seq)}"
        assert b.generation() == gen and a2.generation() == gen

        after = describe_group(cluster, group)
        assert after["state"] == "Stable" and len(after["members"]) == 2, after
        ids_after = {m["instance_id"]: m["member_id"] for m in after["members"]}
        assert ids_after["fo-static-b"] == ids_before["fo-static-b"], (ids_before, ids_after)
        assert ids_after["fo-static-a"] != ids_before["fo-static-a"], "the returning member kept its old member id"
        for m in after["members"]:
            want = a_parts if m["instance_id"] == "fo-static-a" else set(range(parts)) - a_parts
            assert set(decode_consumer_assignment(m["assignment"]).get(topic, [])) == want, after
    finally:
        errors = close_all(members + [a])
    assert not errors, errors


# ---------------------------------------------------------------------------------------------
# 3. offset expiry


def test_offsets_of_an_empty_group_expire_after_retention(broker_factory):
    cluster = make_cluster(broker_factory, **{"offsets.retention.minutes": 1,
                                              "offsets.retention.check.interval.ms": 1000})
    topic, parts = "fo-expire", 2
    create_topic(cluster[1], topic, partitions=parts, replication_factor=3)
    produce(cluster, topic, {p: 5 for p in range(parts)})

    gone_c, live_c = {}, {}
    gone = Member("gone", member_conf(cluster, "fo-expiring"), topic, committed=gone_c)
    live = Member("live", member_conf(cluster, "fo-live"), topic, committed=live_c)
    try:
        poll_until([gone, live],
                   lambda: all_committed(gone_c, range(parts), 5) and all_committed(live_c, range(parts), 5),
                   60, "both groups to commit 5")
        t_empty = time.monotonic()
        gone.close()  # LeaveGroup: the group is Empty from here, its retention clock starts
        wait_for(lambda: describe_group(cluster, "fo-expiring")["state"] == "Empty", scaled(20),
                 "fo-expiring to be Empty")
        assert committed_offsets(cluster, "fo-expiring", topic, range(parts)) == {p: 5 for p in range(parts)}

        # Poll (the live member keeps its session meanwhile) until the offsets are gone.
        deadline = time.monotonic() + scaled(120)
        while True:
            live.poll(0.5)
            offs = committed_offsets(cluster, "fo-expiring", topic, range(parts))
            if all(o == -1 for o in offs.values()):
                expired_after = time.monotonic() - t_empty
                break
            assert offs == {p: 5 for p in range(parts)}, f"partly expired: {offs}"
            assert time.monotonic() < deadline, "offsets of the empty group still there after 120 s"
        assert expired_after >= 58, (
            f"offsets expired {expired_after:.1f} s after the group became Empty (retention 60 s)")

        # An Empty group without offsets is removed (DescribeGroups answers Dead for it) ...
        wait_for(lambda: describe_group(cluster, "fo-expiring")["state"] == "Dead", scaled(20),
                 "fo-expiring to be removed")
        # ... while the Stable group's offsets of a topic it subscribes to do not expire.
        assert committed_offsets(cluster, "fo-live", topic, range(parts)) == {p: 5 for p in range(parts)}
        g = describe_group(cluster, "fo-live")
        assert g["state"] == "Stable" and len(g["members"]) == 1, g
    finally:
        errors = close_all([gone, live])
    assert not errors, errors


