"""The control plane on 3 ZooKeeper nodes and 3 brokers: controller election and failover,
leaders spread over brokers, failover of a leader's partitions, topic deletion, and the
fencing of a controller that lost its session. Facts: ../shared/reference/kafka-zookeeper-layout.md
§3-4."""

import json
import os
import signal
import time
from collections import Counter

import pytest

import kafka_wire
from helpers import (
    admin_client,
    create_topic,
    scaled,
    wait_for,
    zkcli,
    zkcli_json,
    zkcli_ls,
)

SESSION_MS = 6000


def make_cluster(broker_factory, **extra):
    """Brokers 1, 2 and 3 in the test's chroot, with a short ZooKeeper session timeout so
    that failure detection fits the test's time."""
    over = {"zookeeper.session.timeout.ms": SESSION_MS, "default.replication.factor": 3, **extra}
    return {i: broker_factory(i, overrides=over) for i in (1, 2, 3)}


@pytest.fixture
def cluster(broker_factory):
    return make_cluster(broker_factory)


def controller_id(zk, chroot):
    data, _ = zk.get(f"{chroot}/controller")
    return json.loads(data)["brokerid"]


def controller_epoch(zk, chroot):
    data, stat = zk.get(f"{chroot}/controller_epoch")
    return int(data), stat.version


def states(zk, chroot, topic):
    base = f"{chroot}/brokers/topics/{topic}/partitions"
    out = {}
    for p in zk.get_children(base):
        data, stat = zk.get(f"{base}/{p}/state")
        out[int(p)] = (json.loads(data), stat.version)
    return out


def wait_controller(zk, chroot, timeout=scaled(30), not_id=None):
    def ok():
        if not zk.exists(f"{chroot}/controller"):
            return False
        return not_id is None or controller_id(zk, chroot) != not_id

    wait_for(ok, timeout, "a controller")
    return controller_id(zk, chroot)


def agreeing_metadata(brokers, topic, partitions):
    """Waits until every broker's Metadata lists the live brokers and the same leaders/ISRs
    for `topic`; returns that view."""
    ports = {b.id: b.plaintext_port for b in brokers}
    views = {}

    def agree():
        for bid, port in ports.items():
            try:
                views[bid] = kafka_wire.metadata(port, [topic])
            except OSError:
                return False
        first = views[brokers[0].id]
        if sorted(first["brokers"]) != sorted(ports):
            return False
        err, parts = first["topics"].get(topic, (3, {}))
        if err or len(parts) != partitions or any(p[1] < 0 for p in parts.values()):
            return False
        return all(
            v["topics"] == first["topics"] and v["controller"] == first["controller"]
            and sorted(v["brokers"]) == sorted(ports)
            for v in views.values()
        )

    wait_for(agree, scaled(30), f"every broker to agree on {topic}")
    return views[brokers[0].id]


def test_six_partitions_rf3_spread_and_zk_layout(cluster, zk, chroot):
    brokers = list(cluster.values())
    cid = wait_controller(zk, chroot)
    assert cid in cluster
    create_topic(cluster[1], "spread", partitions=6, replication_factor=3)
    view = agreeing_metadata(brokers, "spread", 6)
    parts = view["topics"]["spread"][1]
    leaders = Counter(p[1] for p in parts.values())
    assert leaders == {1: 2, 2: 2, 3: 2}, leaders
    for idx, (err, leader, replicas, isr) in parts.items():
        assert err == 0 and sorted(replicas) == [1, 2, 3] and sorted(isr) == [1, 2, 3]
        assert leader == replicas[0], "a new partition's leader is its first replica"
    # Metadata names the controller and lists every broker's own endpoint
    assert view["controller"] == cid
    for b in brokers:
        assert view["brokers"][b.id][:2] == ("127.0.0.1", b.plaintext_port)

    # what an operator sees with zkCli.sh
    top = zkcli_ls(chroot)
    for name in ("brokers", "controller", "controller_epoch", "config", "admin", "cluster"):
        assert name in top, top
    ctl = zkcli_json(f"{chroot}/controller")
    assert ctl["version"] == 1 and ctl["brokerid"] == cid
    assert isinstance(ctl["timestamp"], str) and ctl["timestamp"].isdigit()
    rc, out, _ = zkcli("get", f"{chroot}/controller_epoch")
    assert rc == 0 and any(line.strip().isdigit() for line in out.splitlines()), out
    assignment = zkcli_json(f"{chroot}/brokers/topics/spread")
    assert assignment["version"] == 3 and len(assignment["partitions"]) == 6
    assert assignment["adding_replicas"] == {} and assignment["removing_replicas"] == {}
    epoch, _ = controller_epoch(zk, chroot)
    for p, (st, version) in states(zk, chroot, "spread").items():
        assert st["version"] == 1 and st["leader"] == parts[p][1]
        assert st["leader_epoch"] == 0 and sorted(st["isr"]) == [1, 2, 3]
        assert st["controller_epoch"] == epoch and version == 0
        stat = zk.exists(f"{chroot}/brokers/topics/spread/partitions/{p}/state")
        assert stat.ephemeralOwner == 0, "state znodes are persistent, as Kafka writes them"

    # a partition this broker does not lead answers NOT_LEADER_OR_FOLLOWER
    p0_leader = parts[0][1]
    other = next(b for b in brokers if b.id != p0_leader)
    batch = kafka_wire.record_batch([(b"k", b"v", [])])
    with kafka_wire.Conn("127.0.0.1", other.plaintext_port) as c:
        resp = kafka_wire.parse_produce_v3_response(
            c.roundtrip(kafka_wire.produce_v3(7, "spread", 0, batch))
        )
    assert resp[1][("spread", 0)]["error_code"] == 6, resp  # NOT_LEADER_OR_FOLLOWER

    # only the controller acts on CreateTopics
    non_ctl = next(b for b in brokers if b.id != cid)
    body = (
        b"\x00\x00\x00\x01" + kafka_wire.string("x-not-ctl") + b"\x00\x00\x00\x01\x00\x01"
        + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x27\x10"
    )
    with kafka_wire.Conn("127.0.0.1", non_ctl.plaintext_port) as c:
        r = kafka_wire.Reader(c.roundtrip(kafka_wire.request(19, 0, 9, body)))
        assert r.i32() == 9 and r.i32() == 1 and r.string() == "x-not-ctl"
        assert r.i16() == 41  # NOT_CONTROLLER


def test_controller_sigkill_failover(cluster, zk, chroot):
    cid = wait_controller(zk, chroot)
    epoch, _ = controller_epoch(zk, chroot)
    t0 = time.monotonic()
    cluster[cid].proc.send_signal(signal.SIGKILL)
    cluster[cid].wait_exit()
    new = wait_controller(zk, chroot, timeout=SESSION_MS / 1000 + scaled(2) + 2, not_id=cid)
    took = time.monotonic() - t0
    assert new != cid and new in cluster
    assert took <= SESSION_MS / 1000 + 2 + scaled(2), f"new controller after {took:.1f}s"
    assert controller_epoch(zk, chroot)[0] == epoch + 1
    alive = [b for b in cluster.values() if b.id != cid]
    # brokers learn the new controller from its UpdateMetadata; until then their Metadata still
    # names the dead one, and an admin client asking them waits for it (as with Kafka)
    wait_for(lambda: all(kafka_wire.metadata(b.plaintext_port)["controller"] == new for b in alive),
             scaled(20), "the new controller in every broker's metadata")
    create_topic(alive[0], "after-failover", partitions=2, replication_factor=2)
    agreeing_metadata(alive, "after-failover", 2)
    for st, _ in states(zk, chroot, "after-failover").values():
        assert st["controller_epoch"] == epoch + 1


def test_controller_sigstop_is_fenced(cluster, zk, chroot):
    create_topic(cluster[1], "fenced", partitions=3, replication_factor=3)
    cid = wait_controller(zk, chroot)
    epoch, _ = controller_epoch(zk, chroot)
    old = cluster[cid]
    old.proc.send_signal(signal.SIGSTOP)
    try:
        new = wait_controller(zk, chroot, timeout=SESSION_MS / 1000 + scaled(10), not_id=cid)
        # the new controller moved the stopped broker's leaderships away
        wait_for(
            lambda: all(st["leader"] != cid for st, _ in states(zk, chroot, "fenced").values()),
            scaled(20),
            "leaders off the stopped broker",
        )
    finally:
        old.proc.send_signal(signal.SIGCONT)
    new_epoch, _ = controller_epoch(zk, chroot)
    assert new_epoch == epoch + 1
    before = states(zk, chroot, "fenced")
    # the old controller notices its expired session, resigns and registers again
    wait_for(lambda: "resigns as controller" in old.log_text(), scaled(30), "the old controller to resign")
    wait_for(lambda: zk.exists(old.ids_path) is not None, scaled(30), "the old controller to re-register")
    time.sleep(2)
    assert controller_id(zk, chroot) == new
    assert controller_epoch(zk, chroot)[0] == new_epoch, "nobody bumped the epoch again"
    after = states(zk, chroot, "fenced")
    for p, (st, version) in after.items():
        assert st["controller_epoch"] <= new_epoch
        # nothing the zombie decided landed: a state it could have written would carry its epoch
        assert st["controller_epoch"] != epoch or before[p][1] == version
    # and it now follows the new controller
    view = agreeing_metadata(list(cluster.values()), "fenced", 3)
    assert view["controller"] == new


def test_leader_sigkill_moves_leadership(cluster, zk, chroot):
    create_topic(cluster[1], "moving", partitions=6, replication_factor=3)
    brokers = list(cluster.values())
    view = agreeing_metadata(brokers, "moving", 6)
    cid = controller_id(zk, chroot)
    victim_id = next(i for i in (1, 2, 3) if i != cid)  # a leader that is not the controller
    led = [p for p, v in view["topics"]["moving"][1].items() if v[1] == victim_id]
    assert led, "the victim leads partitions"
    victim = cluster[victim_id]
    victim.proc.send_signal(signal.SIGKILL)
    victim.wait_exit()
    alive = [b for b in brokers if b.id != victim_id]

    def moved():
        v = agreeing_metadata(alive, "moving", 6)
        parts = v["topics"]["moving"][1]
        return all(parts[p][1] != victim_id and victim_id not in parts[p][3] for p in parts)

    wait_for(moved, SESSION_MS / 1000 + scaled(20), "leadership to move to ISR members")
    parts = agreeing_metadata(alive, "moving", 6)["topics"]["moving"][1]
    for p, (err, leader, replicas, isr) in parts.items():
        assert leader in isr and leader != victim_id
        assert sorted(isr) == sorted(set(replicas) - {victim_id})
    for p, (st, _) in states(zk, chroot, "moving").items():
        assert st["leader"] == parts[p][1]
        if p in led:
            assert st["leader_epoch"] == 1, "the offline election bumps the leader epoch"

    # the restarted broker gets LeaderAndIsr for its replicas again (as a follower)
    marker = len(victim.log_text())
    victim.start()
    agreeing_metadata(brokers, "moving", 6)
    wait_for(
        lambda: victim.log_text()[marker:].count("became follower") >= 6,
        scaled(30),
        "the restarted broker to follow its 6 replicas",
    )
    for p in range(6):
        assert (victim.data_dir / f"moving-{p}").is_dir()


def test_delete_and_recreate_topic(broker_factory, zk, chroot):
    from confluent_kafka import Producer

    # no auto-creation: the Metadata requests below must not bring the topic back
    cluster = make_cluster(broker_factory, **{"auto.create.topics.enable": "false"})
    brokers = list(cluster.values())
    create_topic(cluster[1], "doomed", partitions=3, replication_factor=3)
    agreeing_metadata(brokers, "doomed", 3)
    p = Producer({"bootstrap.servers": cluster[1].bootstrap})
    for i in range(30):
        p.produce("doomed", key=str(i).encode(), value=b"x", partition=i % 3)
    assert p.flush(scaled(20)) == 0
    for b in brokers:
        assert all((b.data_dir / f"doomed-{i}").is_dir() for i in range(3))

    admin = admin_client(cluster[2])
    admin.delete_topics(["doomed"], operation_timeout=scaled(20))["doomed"].result(scaled(30))

    def gone():
        if zk.exists(f"{chroot}/brokers/topics/doomed") or zk.exists(f"{chroot}/config/topics/doomed"):
            return False
        if zk.exists(f"{chroot}/admin/delete_topics/doomed"):
            return False
        return not any(
            d.name.startswith("doomed-") for b in brokers for d in b.data_dir.iterdir()
        )

    wait_for(gone, scaled(30), "the topic's znodes and log folders to go")
    for b in brokers:
        md = kafka_wire.metadata(b.plaintext_port, ["doomed"])
        assert md["topics"]["doomed"][0] == 3, md  # UNKNOWN_TOPIC_OR_PARTITION

    # created again under the same name: empty, working
    create_topic(cluster[3], "doomed", partitions=2, replication_factor=3)
    agreeing_metadata(brokers, "doomed", 2)
    leader = agreeing_metadata(brokers, "doomed", 2)["topics"]["doomed"][1][0][1]
    with kafka_wire.Conn("127.0.0.1", cluster[leader].plaintext_port) as c:
        r = kafka_wire.parse_list_offsets_v1_response(
            c.roundtrip(kafka_wire.list_offsets_v1(3, "doomed", 0, timestamp=-1))
        )
    assert r[1][("doomed", 0)]["offset"] == 0, f"the recreated partition starts empty: {r}"


def test_cli_alters_retention_on_every_broker(broker_factory, zk, chroot):
    import subprocess

    from confluent_kafka import Producer

    from helpers import BIN_DIR

    cluster = make_cluster(broker_factory, **{"log.retention.check.interval.ms": 300})
    brokers = list(cluster.values())
    topic = "shrinking"
    create_topic(cluster[1], topic, partitions=3, replication_factor=3,
                 config={"segment.bytes": "1024"})
    leaders = {p: v[1] for p, v in agreeing_metadata(brokers, topic, 3)["topics"][topic][1].items()}
    assert sorted(leaders.values()) == [1, 2, 3], "each broker leads one partition"
    p = Producer({"bootstrap.servers": cluster[1].bootstrap, "linger.ms": 0})
    for i in range(300):
        p.produce(topic, value=b"v" * 100, partition=i % 3)
        if i % 10 == 9:
            p.flush(scaled(10))  # small batches: many segments
    assert p.flush(scaled(20)) == 0

    def earliest(part):
        port = cluster[leaders[part]].plaintext_port
        with kafka_wire.Conn("127.0.0.1", port) as c:
            r = kafka_wire.parse_list_offsets_v1_response(
                c.roundtrip(kafka_wire.list_offsets_v1(1, topic, part, timestamp=-2))
            )
        return r[1][(topic, part)]["offset"]

    assert all(earliest(part) == 0 for part in range(3))
    cp = subprocess.run(
        [str(BIN_DIR / "cafka"), "configs", "--bootstrap-server", cluster[2].bootstrap,
         "--entity-type", "topics", "--entity-name", topic, "--alter", "--add-config", "retention.ms=1"],
        capture_output=True, text=True, timeout=60,
    )
    assert cp.returncode == 0, cp.stderr
    # every leader deletes its old segments, without a restart
    wait_for(lambda: all(earliest(part) > 0 for part in range(3)), scaled(30),
             "retention on every broker")
    for b in brokers:
        assert f"applied config change topics/{topic}" in b.log_text()
        assert b.running
