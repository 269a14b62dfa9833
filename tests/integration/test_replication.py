"""Replication on 3 ZooKeeper nodes and 3 brokers: followers copy the leader's log byte for byte,
the leader shrinks and expands the ISR (replica.lag.time.max.ms, AlterIsr to the controller),
the high watermark bounds what consumers see, acks=all with min.insync.replicas, unclean leader
election both ways, controlled shutdown on SIGTERM, the preferred leader returning, and
replication over an SSL inter-broker listener.

Facts: ../shared/reference/reliability-and-security.md §1, kafka-zookeeper-layout.md §3-4.
Stopped processes are always continued in a `finally`; brokers are stopped by the fixture."""

import signal
import threading
import time

import pytest

import kafka_wire
from helpers import create_topic, rdkafka_conf, scaled, wait_for
from replica_tools import (
    assignment,
    compare_replicas,
    controller_id,
    high_watermark,
    list_offset,
    log_end,
    partition_dir,
    partition_state,
    partition_states,
    produce_raw,
    read_batches,
    records_of_batch,
    tcp_peer_ports,
    wait_state,
)

SESSION_MS = 6000
LAG_MS = 3000
REQUEST_TIMED_OUT = 7
NOT_ENOUGH_REPLICAS = 19
NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20

BASE = {
    "zookeeper.session.timeout.ms": SESSION_MS,
    "replica.lag.time.max.ms": LAG_MS,
    "replica.fetch.wait.max.ms": 200,
    "replica.fetch.backoff.ms": 100,
    "default.replication.factor": 3,
    "min.insync.replicas": 1,
    "unclean.leader.election.enable": "false",
}


def make_cluster(broker_factory, **extra):
    over = {**BASE, **extra}
    return {i: broker_factory(i, overrides=over) for i in (1, 2, 3)}


@pytest.fixture
def cluster(broker_factory):
    return make_cluster(broker_factory)


# ---------------------------------------------------------------------------------------------
# helpers


def produce_acked(broker, topic, n, acks="all", prefix="v", partition=None, timeout=60):
    """Produces n values with confluent-kafka; returns {partition: [(offset, value)]} of the
    acknowledged ones (every one must be acknowledged)."""
    from confluent_kafka import Producer

    acked, errors = {}, []

    def dr(err, msg):
        if err is not None:
            errors.append(err)
        else:
            acked.setdefault(msg.partition(), []).append((msg.offset(), msg.value()))

    p = Producer(rdkafka_conf(broker, extra={"acks": acks, "linger.ms": 5, "message.timeout.ms": 30000,
                                              "compression.type": "none"}))
    for i in range(n):
        kw = {} if partition is None else {"partition": partition}
        p.produce(topic, f"{prefix}-{i}".encode(), on_delivery=dr, **kw)
        p.poll(0)
    left = p.flush(scaled(timeout))
    assert left == 0 and not errors, f"{left} undelivered, errors {errors[:5]}"
    return acked


def leader_port(cluster, zk, chroot, topic, p):
    st, _ = partition_state(zk, chroot, topic, p)
    assert st["leader"] in cluster, f"{topic}-{p} has no live leader: {st}"
    return cluster[st["leader"]].plaintext_port


def wait_replicas_caught_up(cluster, zk, chroot, topic, partitions, timeout=scaled(30)):
    """Waits until every replica of every partition holds the whole prefix below the high
    watermark on disk; returns {partition: hw}."""
    hws = {}
    reps = assignment(zk, chroot, topic)
    for p in range(partitions):
        hws[p] = high_watermark(leader_port(cluster, zk, chroot, topic, p), topic, p)
        dirs = {b: partition_dir(cluster[b].data_dir, topic, p) for b in reps[p]}
        wait_for(
            lambda: all(log_end(d) >= hws[p] for d in dirs.values()),
            timeout,
            f"every replica of {topic}-{p} to reach hw {hws[p]} on disk "
            f"(log ends now {', '.join(f'{b}:{log_end(d)}' for b, d in dirs.items())})",
        )
    return hws


def assert_replicas_identical(cluster, zk, chroot, topic, partitions):
    hws = wait_replicas_caught_up(cluster, zk, chroot, topic, partitions)
    reps = assignment(zk, chroot, topic)
    for p in range(partitions):
        dirs = {b: partition_dir(cluster[b].data_dir, topic, p) for b in reps[p]}
        problems = compare_replicas(dirs, hws[p])
        assert not problems, f"{topic}-{p} replicas differ below hw {hws[p]}:\n" + "\n".join(problems)
    return hws


def consume_to_end(broker, topic, partition, timeout=30):
    """Reads a partition from the beginning until librdkafka reports its end (the high
    watermark); returns [(offset, value)] and the high watermark librdkafka saw."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    c = Consumer(rdkafka_conf(broker, extra={
        "group.id": f"rep-{topic}", "enable.auto.commit": False, "enable.partition.eof": True,
    }))
    try:
        c.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
        out = []
        deadline = time.monotonic() + scaled(timeout)
        while True:
            assert time.monotonic() < deadline, f"no end of {topic}-{partition} after {timeout}s ({len(out)} read)"
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    break
                raise AssertionError(f"consume {topic}-{partition}: {m.error()}")
            out.append((m.offset(), m.value()))
        _, high = c.get_watermark_offsets(TopicPartition(topic, partition), timeout=scaled(10), cached=False)
        return out, high
    finally:
        c.close()


def sigstop(b):
    b.proc.send_signal(signal.SIGSTOP)


def sigcont(*brokers):
    for b in brokers:
        if b.proc is not None and b.proc.poll() is None:
            b.proc.send_signal(signal.SIGCONT)


def isr_set(st):
    return sorted(st["isr"])


# ---------------------------------------------------------------------------------------------
# 1. followers hold the leader's bytes


def test_follower_segments_byte_identical_to_leader(cluster, zk, chroot):
    topic = "ident"
    create_topic(cluster[1], topic, partitions=3, replication_factor=3)
    acked = produce_acked(cluster[1], topic, 3000)
    hws = assert_replicas_identical(cluster, zk, chroot, topic, 3)
    for p in range(3):
        assert hws[p] == len(acked.get(p, [])), f"hw of {topic}-{p} is {hws[p]}, {len(acked.get(p, []))} acked"
        # and the bytes hold what was acknowledged, at the acknowledged offsets
        leader = partition_state(zk, chroot, topic, p)[0]["leader"]
        on_disk = {}
        for b in read_batches(partition_dir(cluster[leader].data_dir, topic, p)):
            on_disk.update(records_of_batch(b.raw))
        for off, val in acked.get(p, []):
            assert on_disk.get(off) == val, f"{topic}-{p} offset {off}: {on_disk.get(off)!r} != {val!r}"
        st = partition_state(zk, chroot, topic, p)[0]
        assert isr_set(st) == [1, 2, 3], st


# ---------------------------------------------------------------------------------------------
# 2. ISR shrink / expand, acks=all and min.insync.replicas


def test_isr_shrinks_and_expands_min_insync(broker_factory, zk, chroot):
    # a session timeout well above replica.lag.time.max.ms: the leader must shrink the ISR
    # itself, before the controller would for a dead broker
    cluster = make_cluster(broker_factory, **{"zookeeper.session.timeout.ms": 10000})
    topic = "shrink"
    create_topic(cluster[1], topic, partitions=3, replication_factor=3, config={"min.insync.replicas": "2"})
    for p in range(3):
        wait_state(zk, chroot, topic, p, lambda s: isr_set(s) == [1, 2, 3], scaled(20), "full ISR")
    # the partition led by the controller: its followers are not the controller, so the ISR
    # change goes through a controller that keeps running
    cid = controller_id(zk, chroot)
    states = partition_states(zk, chroot, topic)
    p = next(i for i, st in states.items() if st["leader"] == cid)
    leader = cluster[cid]
    f1, f2 = [cluster[b] for b in assignment(zk, chroot, topic)[p] if b != cid]
    port = leader.plaintext_port
    assert produce_raw(port, topic, p, [b"before"])[0] == 0
    try:
        sigstop(f1)
        t0 = time.monotonic()
        # a delayed produce expires: while the stopped follower is still in the ISR (it caught
        # up a moment ago, the lag is 3 s) an acks=all with a 1 s timeout cannot complete
        err, _ = produce_raw(port, topic, p, [b"timed-out"], acks=-1, timeout_ms=1000)
        assert err == REQUEST_TIMED_OUT, f"acks=all past its timeout with a follower stopped: error {err}"
        # acks=all waiting on the stopped follower completes once the leader drops it
        err, _ = produce_raw(port, topic, p, [b"while-shrinking"], acks=-1, timeout_ms=int(scaled(20000)))
        assert err == 0, f"acks=all with one follower stopped: error {err}"
        st = wait_state(zk, chroot, topic, p, lambda s: f1.id not in s["isr"], scaled(20),
                        f"broker {f1.id} out of the ISR")
        took = time.monotonic() - t0
        assert zk.exists(f1.ids_path) is not None, (
            f"the ISR shrank only after broker {f1.id}'s session expired ({took:.1f}s): the controller "
            "dropped a dead broker, the leader did not shrink the ISR by replica.lag.time.max.ms")
        assert isr_set(st) == sorted([cid, f2.id]) and st["leader"] == cid, st
        assert took < LAG_MS / 1000 + scaled(5), f"ISR shrank after {took:.1f}s (lag {LAG_MS} ms)"
        for i in range(5):
            assert produce_raw(port, topic, p, [f"one-down-{i}".encode()], acks=-1)[0] == 0

        sigstop(f2)
        wait_state(zk, chroot, topic, p, lambda s: s["isr"] == [cid], scaled(20), "ISR = leader only")
        # the znode changes a moment before the leader hears of it (AlterIsr answer, or the
        # controller's LeaderAndIsr when f2's session expired first): wait for the leader's own
        # view, as its metadata cache learns it after that (UpdateMetadata follows in order)
        wait_for(lambda: kafka_wire.metadata(port, [topic])["topics"][topic][1][p][3] == [cid],
                 scaled(20), "the leader's metadata to show ISR = leader only")
        err, _ = produce_raw(port, topic, p, [b"refused"], acks=-1)
        assert err == NOT_ENOUGH_REPLICAS, f"acks=all with ISR {{leader}} < min.insync 2: error {err}"
        err, _ = produce_raw(port, topic, p, [b"acks-1"], acks=1)
        assert err == 0, f"acks=1 with ISR {{leader}}: error {err}"
    finally:
        sigcont(f1, f2)
    st = wait_state(zk, chroot, topic, p, lambda s: isr_set(s) == [1, 2, 3], scaled(40), "ISR back to 3")
    assert st["leader"] == cid
    assert produce_raw(port, topic, p, [b"after"], acks=-1)[0] == 0
    # the refused record was never appended, the acks=1 one was
    values = [v for _, v in consume_to_end(leader, topic, p)[0]]
    assert b"refused" not in values and b"acks-1" in values and values[-1] == b"after", values
    assert_replicas_identical(cluster, zk, chroot, topic, 3)


# ---------------------------------------------------------------------------------------------
# 3. the high watermark bounds consumers


def test_consumers_never_read_above_high_watermark(broker_factory, zk, chroot):
    # long session and lag: the stopped followers stay in the ISR, so the HW stays behind
    cluster = make_cluster(broker_factory, **{"zookeeper.session.timeout.ms": 30000,
                                              "replica.lag.time.max.ms": 60000})
    topic = "hw"
    create_topic(cluster[1], topic, partitions=1, replication_factor=3)
    wait_state(zk, chroot, topic, 0, lambda s: isr_set(s) == [1, 2, 3], scaled(20), "full ISR")
    lid = partition_state(zk, chroot, topic, 0)[0]["leader"]
    leader = cluster[lid]
    followers = [b for b in cluster.values() if b.id != lid]
    acked = produce_acked(leader, topic, 100, partition=0)
    hw = high_watermark(leader.plaintext_port, topic, 0)
    assert hw == 100 == len(acked[0]), f"hw {hw} after 100 acks=all records"
    pdir = partition_dir(leader.data_dir, topic, 0)
    try:
        for f in followers:
            sigstop(f)
        for i in range(10):
            assert produce_raw(leader.plaintext_port, topic, 0, [f"above-{i}".encode()], acks=1)[0] == 0
        wait_for(lambda: log_end(pdir) == 110, scaled(10), "the leader's log end at 110")
        assert list_offset(leader.plaintext_port, topic, 0) == (0, 100), "ListOffsets latest = HW, not LEO"
        records, high = consume_to_end(leader, topic, 0)
        assert high == 100, f"consumer high watermark {high}"
        assert [o for o, _ in records] == list(range(100)), f"consumer read {len(records)} records, last {records[-1:]}"
    finally:
        sigcont(*followers)
    wait_for(lambda: high_watermark(leader.plaintext_port, topic, 0) == 110, scaled(30), "hw to reach 110")
    records, high = consume_to_end(leader, topic, 0)
    assert high == 110 and len(records) == 110


# ---------------------------------------------------------------------------------------------
# 4. unclean leader election


def _isolate_leader_alone(cluster, zk, chroot, topic, extra_values):
    """Leaves the partition with an ISR of one member that is gone while the other replicas
    live: kills both followers, waits for ISR = {leader}, writes extra_values with acks=1 (on
    the leader only), SIGSTOPs the leader (so nobody can copy them) and restarts the two
    out-of-sync followers; once the leader's session expires a controller among them must decide.
    Returns (stopped old leader, followers); the caller continues the leader."""
    lid = partition_state(zk, chroot, topic, 0)[0]["leader"]
    leader = cluster[lid]
    followers = [b for b in cluster.values() if b.id != lid]
    for f in followers:
        f.kill()
    wait_state(zk, chroot, topic, 0, lambda s: s["isr"] == [lid] and s["leader"] == lid,
               SESSION_MS / 1000 + scaled(20), "ISR = the leader alone")
    for v in extra_values:
        assert produce_raw(leader.plaintext_port, topic, 0, [v], acks=1)[0] == 0
    sigstop(leader)
    for f in followers:
        f.start(wait=False)
    for f in followers:  # registered, and a controller (not the stopped one) sent them metadata
        f.wait_ready(timeout=SESSION_MS / 1000 + scaled(20))
    wait_for(lambda: zk.exists(leader.ids_path) is None, scaled(20), "the stopped leader's session to expire")
    return leader, followers


def _resume(broker):
    """SIGCONT; if the broker exited meanwhile, start it again; wait for its new registration."""
    sigcont(broker)
    if broker.running:
        broker.wait_ready(timeout=scaled(30))
    else:
        broker.start()


def test_unclean_election_disabled_keeps_partition_offline(cluster, zk, chroot):
    topic = "clean"
    create_topic(cluster[1], topic, partitions=1, replication_factor=3)
    wait_state(zk, chroot, topic, 0, lambda s: isr_set(s) == [1, 2, 3], scaled(20), "full ISR")
    produce_acked(cluster[1], topic, 50, partition=0)
    leader, followers = _isolate_leader_alone(cluster, zk, chroot, topic, [b"only-on-leader"])
    try:
        st = wait_state(zk, chroot, topic, 0, lambda s: s["leader"] == -1, scaled(20),
                        "leader -1 once the only ISR member died")
        assert st["isr"] == [leader.id], f"the last ISR member stays in the ISR: {st}"
        # both followers are live and known to the controller; it must not elect either
        wait_for(lambda: all(set(kafka_wire.metadata(f.plaintext_port, [topic])["brokers"]) == {f.id for f in followers}
                             for f in followers), scaled(20), "metadata without the stopped leader")
        for f in followers:
            md = kafka_wire.metadata(f.plaintext_port, [topic])
            assert md["topics"][topic][1][0][1] == -1, f"metadata leader {md['topics'][topic]}"
        st, _ = partition_state(zk, chroot, topic, 0)
        assert st["leader"] == -1 and st["isr"] == [leader.id], f"unclean election happened: {st}"
    finally:
        # the ISR member returns and leads again, with nothing lost
        _resume(leader)
    st = wait_state(zk, chroot, topic, 0, lambda s: s["leader"] == leader.id, scaled(30), "old leader back")
    records, high = consume_to_end(leader, topic, 0)
    assert high == 51 and records[-1] == (50, b"only-on-leader"), (high, records[-3:])
    wait_state(zk, chroot, topic, 0, lambda s: isr_set(s) == [1, 2, 3], scaled(30), "ISR back to 3")
    assert_replicas_identical(cluster, zk, chroot, topic, 1)


def test_unclean_election_enabled_elects_live_out_of_sync_replica(cluster, zk, chroot):
    topic = "unclean"
    create_topic(cluster[1], topic, partitions=1, replication_factor=3,
                 config={"unclean.leader.election.enable": "true"})
    wait_state(zk, chroot, topic, 0, lambda s: isr_set(s) == [1, 2, 3], scaled(20), "full ISR")
    produce_acked(cluster[1], topic, 50, partition=0)
    epoch0 = partition_state(zk, chroot, topic, 0)[0]["leader_epoch"]
    leader, followers = _isolate_leader_alone(cluster, zk, chroot, topic, [b"lost-by-unclean"])
    try:
        ids = {f.id for f in followers}
        st = wait_state(zk, chroot, topic, 0, lambda s: s["leader"] in ids, scaled(30),
                        "an out-of-sync live replica elected")
        # the election wrote ISR = [new leader]; the other live follower holds the same records
        # and may already have been taken back in when the znode is read, so the unclean ISR of
        # one is checked in the controller's record of the election, the rest in the znode
        assert st["leader"] in st["isr"] and leader.id not in st["isr"], st
        assert st["leader_epoch"] > epoch0, st
        wait_for(lambda: any(f"{topic}-0: leader {st['leader']} (epoch" in line and
                             "isr of 1 (unclean election)" in line
                             for b in cluster.values() for line in b.log_text().splitlines()),
                 scaled(10), "the controller's log of the unclean election with an ISR of one")
        new = cluster[st["leader"]]
        # the new leader has the 50 records the followers copied before they died
        records, high = consume_to_end(new, topic, 0)
        assert high == 50 and [v for _, v in records] == [f"v-{i}".encode() for i in range(50)]
        assert produce_raw(new.plaintext_port, topic, 0, [b"after-unclean"], acks=1)[0] == 0
    finally:
        _resume(leader)
    # the old leader came back; it truncates its divergent tail and follows
    wait_state(zk, chroot, topic, 0, lambda s: isr_set(s) == [1, 2, 3], scaled(30), "ISR back to 3")
    assert_replicas_identical(cluster, zk, chroot, topic, 1)
    values = [v for _, v in consume_to_end(new, topic, 0)[0]]
    assert b"lost-by-unclean" not in values and values[-1] == b"after-unclean"


# ---------------------------------------------------------------------------------------------
# 5. controlled shutdown


def test_controlled_shutdown_moves_leadership_before_exit(cluster, zk, chroot):
    topic = "ctrl-shutdown"
    create_topic(cluster[1], topic, partitions=6, replication_factor=3, config={"min.insync.replicas": "2"})
    for p in range(6):
        wait_state(zk, chroot, topic, p, lambda s: isr_set(s) == [1, 2, 3], scaled(20), "full ISR")
    cid = controller_id(zk, chroot)
    victim = cluster[next(i for i in (1, 2, 3) if i != cid)]
    led = [p for p, st in partition_states(zk, chroot, topic).items() if st["leader"] == victim.id]
    assert led, "the victim leads partitions"

    # a producer running across the shutdown, recording every acknowledged record
    from confluent_kafka import Producer

    acked, stop = [], threading.Event()
    boot = ",".join(b.bootstrap for b in cluster.values())

    def run():
        prod = Producer({"bootstrap.servers": boot, "acks": "all", "linger.ms": 5, "retries": 1000000,
                         "max.in.flight.requests.per.connection": 1, "message.timeout.ms": 60000,
                         "enable.idempotence": False})
        i = 0
        while not stop.is_set():
            prod.produce(topic, f"cs-{i}".encode(), partition=i % 6,
                         on_delivery=lambda e, m: acked.append((m.partition(), m.offset(), m.value())) if e is None else None)
            i += 1
            prod.poll(0.002)
        prod.flush(scaled(60))

    th = threading.Thread(target=run, daemon=True)
    th.start()
    try:
        wait_for(lambda: len(acked) >= 300, scaled(30), "300 acknowledged records before the shutdown")
        t0 = time.monotonic()
        victim.proc.send_signal(signal.SIGTERM)
        rc = victim.wait_exit(timeout=scaled(30))
        took = time.monotonic() - t0
        assert rc == 0, f"exit code {rc} after SIGTERM"
        # /brokers/ids' pzxid is the zxid of the victim's deregistration (no other child changed)
        ids = zk.exists(f"{chroot}/brokers/ids")
        n_before = len(acked)
        wait_for(lambda: len(acked) >= n_before + 300, scaled(30), "300 more acknowledged records after")
    finally:
        stop.set()
        th.join(scaled(90))
    assert not th.is_alive()
    assert took < SESSION_MS / 1000, f"SIGTERM to exit took {took:.1f}s: not a controlled shutdown"
    for p, (st, stat) in {p: partition_state(zk, chroot, topic, p) for p in range(6)}.items():
        assert st["leader"] != victim.id and victim.id not in st["isr"], f"{topic}-{p}: {st}"
        assert stat.mzxid < ids.pzxid, (
            f"{topic}-{p}: state written (zxid {stat.mzxid:#x}) after the victim deregistered "
            f"(zxid {ids.pzxid:#x}): leadership/ISR moved by broker death, not controlled shutdown"
        )
    # no acknowledged record lost
    by_part = {}
    for p, off, v in acked:
        by_part.setdefault(p, {})[off] = v
    for p in range(6):
        b = cluster[partition_state(zk, chroot, topic, p)[0]["leader"]]
        log = dict(consume_to_end(b, topic, p)[0])
        lost = [(off, v) for off, v in by_part.get(p, {}).items() if log.get(off) != v]
        assert not lost, f"{topic}-{p}: {len(lost)} acknowledged records lost, e.g. {lost[:5]}"


# ---------------------------------------------------------------------------------------------
# 6. preferred leader returns


def test_preferred_leader_returns_after_restart(broker_factory, zk, chroot):
    cluster = make_cluster(broker_factory, **{"auto.leader.rebalance.enable": "true",
                                              "leader.imbalance.check.interval.seconds": 2})
    topic = "preferred"
    create_topic(cluster[1], topic, partitions=3, replication_factor=3)
    for p in range(3):
        wait_state(zk, chroot, topic, p, lambda s: isr_set(s) == [1, 2, 3], scaled(20), "full ISR")
    reps = assignment(zk, chroot, topic)
    cid = controller_id(zk, chroot)
    victim = cluster[next(i for i in (1, 2, 3) if i != cid)]
    mine = [p for p in reps if reps[p][0] == victim.id]
    assert mine, "the victim is preferred leader of some partition"
    victim.stop()
    for p in mine:
        wait_state(zk, chroot, topic, p, lambda s: s["leader"] not in (victim.id, -1), scaled(30), "leader moved")
    victim.start()
    for p in mine:
        wait_state(zk, chroot, topic, p, lambda s: victim.id in s["isr"], scaled(30), "victim back in the ISR")
        wait_state(zk, chroot, topic, p, lambda s: s["leader"] == victim.id, scaled(30),
                   f"preferred leader {victim.id} back")
    for p, st in partition_states(zk, chroot, topic).items():
        assert st["leader"] == reps[p][0], f"{topic}-{p} led by {st['leader']}, preferred {reps[p][0]}"


# ---------------------------------------------------------------------------------------------
# 7. inter-broker listener over SSL


def test_replication_over_ssl_inter_broker_listener(broker_factory, zk, chroot):
    cluster = make_cluster(broker_factory, **{"inter.broker.listener.name": "SSL"})
    topic = "ssl-rep"
    create_topic(cluster[1], topic, partitions=3, replication_factor=3)
    acked = produce_acked(cluster[2], topic, 1500)
    hws = assert_replicas_identical(cluster, zk, chroot, topic, 3)
    assert sum(hws.values()) == 1500 == sum(len(v) for v in acked.values())
    for p in range(3):
        st = partition_state(zk, chroot, topic, p)[0]
        assert isr_set(st) == [1, 2, 3], st
        # the followers fetch from the leader's SSL port, never its PLAINTEXT one
        leader = cluster[st["leader"]]
        for f in cluster.values():
            if f.id == leader.id:
                continue
            peers = tcp_peer_ports(f.proc.pid)
            assert leader.ssl_port in peers, f"broker {f.id} has no connection to {leader.ssl_port}: {peers}"
            assert leader.plaintext_port not in peers, f"broker {f.id} talks PLAINTEXT to {leader.id}"
