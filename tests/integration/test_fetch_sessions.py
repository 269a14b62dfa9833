"""Incremental fetch sessions (KIP-227) on the wire, Fetch v7: a full fetch (0, 0) gets a session
id; an incremental fetch (id, 1) answers only the partitions that changed; a wrong epoch is
INVALID_FETCH_SESSION_EPOCH (71) and an unknown id FETCH_SESSION_ID_NOT_FOUND (70), both
top-level with session_id 0 and no partitions; (id, -1) closes the session. Followers fetch
through sessions too: idle, they send and receive a few bytes per round, not every partition."""

import re
import struct
import subprocess

import kafka_wire as kw
from helpers import create_topic, rdkafka_conf, scaled, wait_for
from replica_tools import assignment, log_end, partition_dir, partition_states

API_FETCH = 1
FETCH_SESSION_ID_NOT_FOUND = 70
INVALID_FETCH_SESSION_EPOCH = 71


def fetch_v7(corr, session_id, epoch, partitions, forgotten=(), max_wait_ms=0):
    """partitions: [(topic, partition, fetch_offset)]; forgotten: [(topic, partition)]."""
    body = struct.pack(">iiiibii", -1, max_wait_ms, 1, 1 << 20, 0, session_id, epoch)
    by_topic = {}
    for t, p, off in partitions:
        by_topic.setdefault(t, []).append((p, off))
    body += struct.pack(">i", len(by_topic))
    for t, parts in by_topic.items():
        body += kw.string(t) + struct.pack(">i", len(parts))
        for p, off in parts:
            body += struct.pack(">iqqi", p, off, -1, 1 << 20)
    by_topic = {}
    for t, p in forgotten:
        by_topic.setdefault(t, []).append(p)
    body += struct.pack(">i", len(by_topic))
    for t, parts in by_topic.items():
        body += kw.string(t) + struct.pack(">i", len(parts)) + b"".join(struct.pack(">i", p) for p in parts)
    return kw.request(API_FETCH, 7, corr, body)


def parse_fetch_v7(payload):
    r = kw.Reader(payload)
    out = {"corr": r.i32(), "throttle": r.i32(), "error_code": r.i16(), "session_id": r.i32()}
    parts = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            p = r.i32()
            err, hw, lso, log_start = r.i16(), r.i64(), r.i64(), r.i64()
            for _ in range(max(r.i32(), 0)):
                r.i64(), r.i64()
            size = r.i32()
            r.pos += max(size, 0)
            parts[(topic, p)] = {"error_code": err, "high_watermark": hw, "bytes": max(size, 0)}
    assert r.remaining() == 0
    out["partitions"] = parts
    return out


def produce(conn, corr, topic, partition, value):
    batch = kw.record_batch([(None, value, ())])
    _, res, _ = kw.parse_produce_v3_response(conn.roundtrip(kw.produce_v3(corr, topic, partition, batch)))
    assert res[(topic, partition)]["error_code"] == 0


def test_incremental_fetch_session(broker):
    create_topic(broker, "sessions", partitions=3)
    all_parts = [("sessions", p, 0) for p in range(3)]
    with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(30)) as c:
        # full fetch (0, 0): every partition, a new session
        full = parse_fetch_v7(c.roundtrip(fetch_v7(1, 0, 0, all_parts)))
        assert full["error_code"] == 0
        sid = full["session_id"]
        assert sid > 0
        assert set(full["partitions"]) == {("sessions", p) for p in range(3)}
        assert all(v["error_code"] == 0 for v in full["partitions"].values())

        # nothing changed: an incremental fetch (sid, 1) lists nothing and answers nothing
        inc = parse_fetch_v7(c.roundtrip(fetch_v7(2, sid, 1, [])))
        assert inc["error_code"] == 0 and inc["session_id"] == sid
        assert inc["partitions"] == {}

        # a record on partition 1: only partition 1 comes back (records, new HW)
        produce(c, 3, "sessions", 1, b"hello")
        inc = parse_fetch_v7(c.roundtrip(fetch_v7(4, sid, 2, [])))
        assert inc["error_code"] == 0 and inc["session_id"] == sid
        assert set(inc["partitions"]) == {("sessions", 1)}
        assert inc["partitions"][("sessions", 1)]["high_watermark"] == 1
        assert inc["partitions"][("sessions", 1)]["bytes"] > 0

        # the fetcher moves partition 1 on: nothing new anywhere
        inc = parse_fetch_v7(c.roundtrip(fetch_v7(5, sid, 3, [("sessions", 1, 1)])))
        assert inc["error_code"] == 0 and inc["partitions"] == {}

        # a wrong epoch: 71, session id 0, no partitions; the session is kept
        bad = parse_fetch_v7(c.roundtrip(fetch_v7(6, sid, 7, [])))
        assert bad["error_code"] == INVALID_FETCH_SESSION_EPOCH
        assert bad["session_id"] == 0 and bad["partitions"] == {}
        # the epoch that was used again (a duplicate): 71 too
        bad = parse_fetch_v7(c.roundtrip(fetch_v7(7, sid, 3, [])))
        assert bad["error_code"] == INVALID_FETCH_SESSION_EPOCH

        # forgetting partition 0 and adding nothing: still a session, partition 0 gone from it
        produce(c, 8, "sessions", 0, b"x")
        inc = parse_fetch_v7(c.roundtrip(fetch_v7(9, sid, 4, [], forgotten=[("sessions", 0)])))
        assert inc["error_code"] == 0 and inc["session_id"] == sid
        assert inc["partitions"] == {}

        # (sid, -1) closes the session: a full sessionless fetch
        close = parse_fetch_v7(c.roundtrip(fetch_v7(10, sid, -1, all_parts)))
        assert close["error_code"] == 0 and close["session_id"] == 0
        assert len(close["partitions"]) == 3
        gone = parse_fetch_v7(c.roundtrip(fetch_v7(11, sid, 5, [])))
        assert gone["error_code"] == FETCH_SESSION_ID_NOT_FOUND
        assert gone["session_id"] == 0 and gone["partitions"] == {}


def test_legacy_fetch_gets_no_session(broker):
    create_topic(broker, "nosession", partitions=1)
    with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(30)) as c:
        res = parse_fetch_v7(c.roundtrip(fetch_v7(1, 0, -1, [("nosession", 0, 0)])))
        assert res["error_code"] == 0 and res["session_id"] == 0
        assert set(res["partitions"]) == {("nosession", 0)}


def tcp_bytes(pid, port):
    """(bytes_sent, bytes_received) summed over process pid's established TCP connections to
    127.0.0.1:port (the kernel's tcp_info counters, read with ss)."""
    out = subprocess.run(["ss", "-tinpH", "state", "established", f"( dport = :{port} )"],
                         capture_output=True, text=True, timeout=10, check=True).stdout
    sent = received = 0
    mine = False
    for line in out.splitlines():
        if not line.startswith("\t") and not line.startswith(" "):
            mine = f"pid={pid}," in line
            continue
        if mine:
            m1, m2 = re.search(r"bytes_sent:(\d+)", line), re.search(r"bytes_received:(\d+)", line)
            sent += int(m1.group(1)) if m1 else 0
            received += int(m2.group(1)) if m2 else 0
    return sent, received


def test_followers_fetch_incrementally(broker_factory, zk, chroot):
    """Two brokers follow each other's 300 partitions. Once caught up and idle, a follower's
    fetch rounds (every replica.fetch.wait.max.ms) carry less, all of them together, than one
    full Fetch of its partitions would; records produced afterwards still reach every replica."""
    from confluent_kafka import Producer

    over = {"replica.fetch.wait.max.ms": 100, "replica.lag.time.max.ms": 10000}
    brokers = {i: broker_factory(i, overrides=over) for i in (1, 2)}
    topic, n = "followed", 600
    create_topic(brokers[1], topic, partitions=n, replication_factor=2)
    wait_for(lambda: all(len(st["isr"]) == 2 for st in partition_states(zk, chroot, topic).values()),
             scaled(60), "every partition's ISR to hold both brokers")

    def produce_everywhere(tag):
        p = Producer(rdkafka_conf(brokers[1], extra={"acks": "all", "linger.ms": 20}))
        errors = []
        for i in range(n):
            p.produce(topic, f"{tag}-{i}".encode(), partition=i,
                      on_delivery=lambda err, msg: err and errors.append(err))
            p.poll(0)
        assert p.flush(scaled(60)) == 0 and not errors, errors[:3]

    reps = assignment(zk, chroot, topic)

    def replicas_hold(count):
        return all(log_end(partition_dir(brokers[b].data_dir, topic, p)) >= count
                   for p in range(n) for b in reps[p])

    produce_everywhere("a")
    wait_for(lambda: replicas_hold(1), scaled(60), "every replica to hold the first record")

    # one full Fetch v11 of 300 partitions: 300 x 28 bytes of partition fields alone
    full_fetch_bytes = (n // 2) * 28
    leaders = {p: st["leader"] for p, st in partition_states(zk, chroot, topic).items()}
    for follower, leader in ((1, 2), (2, 1)):
        followed = sum(1 for p in range(n) if leaders[p] == leader and follower in reps[p])
        assert followed > n // 4, f"broker {follower} follows only {followed} partitions of broker {leader}"
        pid, port = brokers[follower].proc.pid, brokers[leader].plaintext_port
        wait_for(lambda: tcp_bytes(pid, port)[0] > 0, scaled(10), f"broker {follower}'s fetcher connection")
        # ten rounds answered with nothing new (each observed as the bytes sent growing)
        sent0, recv0 = tcp_bytes(pid, port)
        seen = {"last": sent0, "rounds": 0}

        def rounds_seen(k):
            now = tcp_bytes(pid, port)[0]
            if now > seen["last"]:
                seen["last"], seen["rounds"] = now, seen["rounds"] + 1
            return seen["rounds"] >= k

        wait_for(lambda: rounds_seen(10), scaled(20), f"ten fetch rounds of broker {follower}", interval=0.05)
        sent1, recv1 = tcp_bytes(pid, port)
        assert sent1 - sent0 < full_fetch_bytes, (
            f"broker {follower} sent {sent1 - sent0} bytes to broker {leader} in idle rounds: "
            f"more than one full fetch of {followed} partitions (~{full_fetch_bytes})")
        assert recv1 - recv0 < full_fetch_bytes, f"broker {follower} received {recv1 - recv0} bytes"

    produce_everywhere("b")
    wait_for(lambda: replicas_hold(2), scaled(60), "every replica to hold the second record")
