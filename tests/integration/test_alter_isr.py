"""Broker-to-controller requests over the wire on 3 brokers: AlterIsr (56, v0) from a partition
leader, ControlledShutdown (7, v3) and ElectLeaders (43, v2). The requests are built here by
hand (flexible versions: request header v2, compact arrays and strings, tag buffers), as a
leader or a stopping broker would send them. Facts: ../shared/reference/kafka-zookeeper-layout.md
§4.2, §4.5, §4.6 and kafka-authz-fetch-sessions-isr.md §5.3."""

import os
import signal
import struct

import kafka_wire
from helpers import create_topic, scaled, wait_for
from test_controller import agreeing_metadata, make_cluster, states, wait_controller

API_CONTROLLED_SHUTDOWN = 7
API_ELECT_LEADERS = 43
API_ALTER_ISR = 56

NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
NOT_LEADER_OR_FOLLOWER = 6
NOT_CONTROLLER = 41
FENCED_LEADER_EPOCH = 74
STALE_BROKER_EPOCH = 77
PREFERRED_LEADER_NOT_AVAILABLE = 80
ELECTION_NOT_NEEDED = 84
INVALID_UPDATE_VERSION = 95

# ---------------------------------------------------------------------------------------------
# flexible encoding


uvarint = kafka_wire.uvarint
cstring = kafka_wire.compact_string
carray = kafka_wire.compact_array  # of already-encoded items; None = null
FlexReader = kafka_wire.FlexReader
TAGS = b"\x00"


def flex_request(api_key, version, correlation_id, body):
    return kafka_wire.request_flexible(api_key, version, correlation_id, body, client_id="ctl-test")


def roundtrip(port, api_key, version, body):
    """-> a FlexReader positioned at the response body (response header v1 consumed)."""
    with kafka_wire.Conn("127.0.0.1", port) as c:
        payload = c.roundtrip(flex_request(api_key, version, 7, body))
    r = FlexReader(payload)
    assert r.i32() == 7, "correlation id"
    r.tags()
    return r


# ---------------------------------------------------------------------------------------------
# the three APIs


def alter_isr(port, broker_id, broker_epoch, topic, partition, leader_epoch, new_isr, version):
    part = struct.pack(">ii", partition, leader_epoch)
    part += carray([struct.pack(">i", b) for b in new_isr]) + struct.pack(">i", version) + TAGS
    body = struct.pack(">iq", broker_id, broker_epoch)
    body += carray([cstring(topic) + carray([part]) + TAGS]) + TAGS
    r = roundtrip(port, API_ALTER_ISR, 0, body)
    throttle, error = r.i32(), r.i16()
    assert throttle == 0

    def partition_result():
        p = {"partition": r.i32(), "error": r.i16(), "leader": r.i32(), "leader_epoch": r.i32()}
        p["isr"] = r.carray(r.i32)
        p["version"] = r.i32()
        r.tags()
        return p

    def topic_result():
        name = r.cstring()
        parts = r.carray(partition_result)
        r.tags()
        return name, parts

    topics = r.carray(topic_result)
    r.tags()
    assert r.remaining() == 0
    if error:
        return error, None
    assert len(topics) == 1 and topics[0][0] == topic and len(topics[0][1]) == 1
    return error, topics[0][1][0]


def controlled_shutdown(port, broker_id, broker_epoch):
    r = roundtrip(port, API_CONTROLLED_SHUTDOWN, 3, struct.pack(">iq", broker_id, broker_epoch) + TAGS)
    error = r.i16()

    def remaining():
        tp = (r.cstring(), r.i32())
        r.tags()
        return tp

    rem = r.carray(remaining)
    r.tags()
    assert r.remaining() == 0
    return error, sorted(rem)


def elect_leaders(port, topic_partitions, election_type=0):
    """topic_partitions: {topic: [partitions]} or None (all) -> (error, {(topic, p): (error, msg)})"""
    items = None
    if topic_partitions is not None:
        items = [
            cstring(t) + carray([struct.pack(">i", p) for p in ps]) + TAGS
            for t, ps in topic_partitions.items()
        ]
    body = struct.pack(">b", election_type) + carray(items) + struct.pack(">i", 10000) + TAGS
    r = roundtrip(port, API_ELECT_LEADERS, 2, body)
    r.i32()
    error = r.i16()
    out = {}

    def result():
        topic = r.cstring()

        def partition_result():
            p, err, msg = r.i32(), r.i16(), r.cstring()
            r.tags()
            out[(topic, p)] = (err, msg)

        r.carray(partition_result)
        r.tags()

    r.carray(result)
    r.tags()
    assert r.remaining() == 0
    return error, out


# ---------------------------------------------------------------------------------------------
# helpers


def broker_epoch(zk, chroot, broker_id):
    return zk.get(f"{chroot}/brokers/ids/{broker_id}")[1].czxid


def wait_metadata(brokers, topic, check, what):
    """Waits until check(partitions) holds in every broker's Metadata for `topic`."""

    def ok():
        for b in brokers:
            try:
                view = kafka_wire.metadata(b.plaintext_port, [topic])
            except OSError:
                return False
            err, parts = view["topics"].get(topic, (3, {}))
            if err or not check(parts):
                return False
        return True

    wait_for(ok, scaled(30), what)


# ---------------------------------------------------------------------------------------------
# tests


def test_alter_isr_shrinks_the_isr_through_the_controller(broker_factory, zk, chroot):
    cluster = make_cluster(broker_factory)
    brokers = list(cluster.values())
    cid = wait_controller(zk, chroot)
    create_topic(cluster[1], "shrink", partitions=1, replication_factor=3)
    agreeing_metadata(brokers, "shrink", 1)
    state, version = states(zk, chroot, "shrink")[0]
    leader, epoch = state["leader"], state["leader_epoch"]
    assert sorted(state["isr"]) == [1, 2, 3]
    out = next(b for b in state["isr"] if b != leader)
    new_isr = [b for b in state["isr"] if b != out]
    leader_epoch_zk = broker_epoch(zk, chroot, leader)
    ctl_port = cluster[cid].plaintext_port

    # not the controller: top-level NOT_CONTROLLER, nothing written
    other = next(b for b in brokers if b.id != cid)
    err, _ = alter_isr(other.plaintext_port, leader, leader_epoch_zk, "shrink", 0, epoch, new_isr, version)
    assert err == NOT_CONTROLLER
    # stale broker epoch, wrong leader epoch, a requester that is not the leader, unknown topic
    err, _ = alter_isr(ctl_port, leader, leader_epoch_zk - 1, "shrink", 0, epoch, new_isr, version)
    assert err == STALE_BROKER_EPOCH
    err, p = alter_isr(ctl_port, leader, leader_epoch_zk, "shrink", 0, epoch + 1, new_isr, version)
    assert (err, p["error"]) == (NONE, FENCED_LEADER_EPOCH)
    err, p = alter_isr(ctl_port, out, broker_epoch(zk, chroot, out), "shrink", 0, epoch, new_isr, version)
    assert (err, p["error"]) == (NONE, NOT_LEADER_OR_FOLLOWER)
    err, p = alter_isr(ctl_port, leader, leader_epoch_zk, "nosuch", 0, epoch, new_isr, version)
    assert (err, p["error"]) == (NONE, UNKNOWN_TOPIC_OR_PARTITION)
    # a stale version of the state znode
    err, p = alter_isr(ctl_port, leader, leader_epoch_zk, "shrink", 0, epoch, new_isr, version - 1)
    assert (err, p["error"]) == (NONE, INVALID_UPDATE_VERSION)
    assert states(zk, chroot, "shrink")[0] == (state, version), "no error case may write"

    # the shrink itself
    err, p = alter_isr(ctl_port, leader, leader_epoch_zk, "shrink", 0, epoch, new_isr, version)
    assert err == NONE and p["error"] == NONE, p
    assert p["leader"] == leader and p["leader_epoch"] == epoch
    assert p["isr"] == new_isr and p["version"] == version + 1
    state2, version2 = states(zk, chroot, "shrink")[0]
    assert version2 == version + 1
    assert state2["isr"] == new_isr and state2["leader"] == leader
    assert state2["leader_epoch"] == epoch, "AlterIsr does not bump the leader epoch"
    wait_metadata(brokers, "shrink", lambda parts: sorted(parts[0][3]) == sorted(new_isr),
                  "every broker's Metadata to show the shrunk ISR")

    # the same request again is already done (answered with the stored state)...
    err, p = alter_isr(ctl_port, leader, leader_epoch_zk, "shrink", 0, epoch, new_isr, version)
    assert (err, p["error"], p["version"]) == (NONE, NONE, version + 1)
    # ...but a different ISR at the old version is refused
    err, p = alter_isr(ctl_port, leader, leader_epoch_zk, "shrink", 0, epoch, [leader], version)
    assert (err, p["error"]) == (NONE, INVALID_UPDATE_VERSION)
    assert states(zk, chroot, "shrink")[0][1] == version + 1


def test_controlled_shutdown_moves_leaderships_and_isr(broker_factory, zk, chroot):
    cluster = make_cluster(broker_factory)
    brokers = list(cluster.values())
    cid = wait_controller(zk, chroot)
    create_topic(cluster[1], "cs", partitions=6, replication_factor=3)
    create_topic(cluster[1], "solo", partitions=1, replication_factor=3)
    agreeing_metadata(brokers, "cs", 6)
    agreeing_metadata(brokers, "solo", 1)
    x = next(b.id for b in brokers if b.id != cid)
    x_epoch = broker_epoch(zk, chroot, x)
    ctl_port = cluster[cid].plaintext_port
    before = states(zk, chroot, "cs")
    assert any(s["leader"] == x for s, _ in before.values())

    # "solo": an ISR of the leader alone (shrunk by AlterIsr), so controlled shutdown of its
    # leader cannot move it and reports it remaining
    solo, solo_version = states(zk, chroot, "solo")[0]
    sl = solo["leader"]
    err, p = alter_isr(ctl_port, sl, broker_epoch(zk, chroot, sl), "solo", 0, solo["leader_epoch"], [sl], solo_version)
    assert (err, p["error"]) == (NONE, NONE)

    other = next(b for b in brokers if b.id != cid)
    assert controlled_shutdown(other.plaintext_port, x, x_epoch)[0] == NOT_CONTROLLER
    assert controlled_shutdown(ctl_port, x, x_epoch - 1)[0] == STALE_BROKER_EPOCH

    # x is stopped, as a broker in its last moments would be: a running x would keep fetching
    # and its leaders would rightly take it back into their ISRs (Kafka 2.8 does the same)
    os.kill(cluster[x].proc.pid, signal.SIGSTOP)
    try:
        _check_controlled_shutdown(cluster, brokers, zk, chroot, cid, x, x_epoch, before, sl)
    finally:
        os.kill(cluster[x].proc.pid, signal.SIGCONT)


def _check_controlled_shutdown(cluster, brokers, zk, chroot, cid, x, x_epoch, before, sl):
    ctl_port = cluster[cid].plaintext_port
    other = next(b for b in brokers if b.id not in (cid, x))
    err, remaining = controlled_shutdown(ctl_port, x, x_epoch)
    assert err == NONE
    assert remaining == ([("solo", 0)] if sl == x else []), remaining
    after = states(zk, chroot, "cs")
    for p, (s, v) in after.items():
        old, old_v = before[p]
        assert s["leader"] != x, (p, s)
        assert x not in s["isr"], (p, s)
        assert s["leader_epoch"] == old["leader_epoch"] + 1, (p, old, s)
        assert v > old_v
        if old["leader"] == x:
            # ControlledShutdownLeaderElection: first live ISR member in assignment order
            assert s["leader"] in old["isr"]
        else:
            assert s["leader"] == old["leader"]
    running = [b for b in brokers if b.id != x]
    wait_metadata(
        running, "cs",
        lambda parts: len(parts) == 6 and all(pp[1] != x and x not in pp[3] for pp in parts.values()),
        f"every broker's Metadata to show broker {x} out of leaderships and ISRs",
    )

    # preferred election: partitions whose preferred replica is x cannot go back (x shuts down
    # and left the ISR); the others already have their preferred leader... unless x led them
    err, res = elect_leaders(ctl_port, {"cs": list(range(6)), "nosuch": [0]})
    assert err == NONE
    assert res[("nosuch", 0)][0] == UNKNOWN_TOPIC_OR_PARTITION
    view = agreeing_metadata(running, "cs", 6)["topics"]["cs"][1]
    for p in range(6):
        e, _ = res[("cs", p)]
        s, _ = after[p]
        replicas = view[p][2]
        if replicas[0] == x:
            assert e == PREFERRED_LEADER_NOT_AVAILABLE, (p, e)
        elif s["leader"] == replicas[0]:
            assert e == ELECTION_NOT_NEEDED, (p, e)
        else:
            assert e == NONE, (p, e)
    # not the controller: every listed partition gets NOT_CONTROLLER
    err, res = elect_leaders(other.plaintext_port, {"cs": [0]})
    assert (err, res[("cs", 0)][0]) == (NONE, NOT_CONTROLLER)


def test_auto_rebalance_moves_leadership_back_to_the_preferred_replica(broker_factory, zk, chroot):
    cluster = make_cluster(broker_factory, **{"leader.imbalance.check.interval.seconds": 1})
    brokers = list(cluster.values())
    cid = wait_controller(zk, chroot)
    create_topic(cluster[1], "bal", partitions=3, replication_factor=3)
    view = agreeing_metadata(brokers, "bal", 3)["topics"]["bal"][1]
    x = next(b.id for b in brokers if b.id != cid)
    (p,) = [i for i, part in view.items() if part[2][0] == x]  # x is its preferred replica
    cluster[x].stop()
    wait_for(lambda: states(zk, chroot, "bal")[p][0]["leader"] != x, scaled(30), "leadership to move")
    moved, _ = states(zk, chroot, "bal")[p]
    cluster[x].start()
    # x comes back as a follower; its leader adds it back to the ISR once it has caught up (an
    # empty log: at once), and only then may the check make it leader again. The ISR expansion
    # can land before this test looks, so the test waits for the state instead of racing it.
    wait_for(lambda: x in states(zk, chroot, "bal")[p][0]["isr"], scaled(30), "x back in the ISR")
    # 1 of x's 1 preferred partitions is led elsewhere: over 10 %, so the check moves it back
    wait_for(lambda: states(zk, chroot, "bal")[p][0]["leader"] == x, scaled(30), "the preferred leader back")
    s2, _ = states(zk, chroot, "bal")[p]
    assert s2["leader_epoch"] > moved["leader_epoch"] and sorted(s2["isr"]) == sorted(b.id for b in brokers)
    wait_metadata(brokers, "bal", lambda parts: parts[p][1] == x, "every broker to see the preferred leader")
