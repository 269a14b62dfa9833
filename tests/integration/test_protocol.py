"""Protocol behaviour clients depend on, checked on the wire: acks=0 gets no response, a
too-new ApiVersions is answered (KIP-511), responses come in request order even when an
earlier request waits (delayed fetch), Fetch waits for min_bytes and returns records produced
meanwhile, OFFSET_OUT_OF_RANGE, ListOffsets by timestamp, CreateTopics replication factor
checks, and answers owed to a client that shut its sending side still reach it."""

import socket
import struct
import time

import pytest

import kafka_wire as kw
from helpers import admin_client, create_topic, rdkafka_conf, scaled

API_FETCH = 1


def fetch_v4(corr, topic, partition, offset, max_wait_ms, min_bytes=1, max_bytes=1 << 20):
    body = struct.pack(">iiiib", -1, max_wait_ms, min_bytes, max_bytes, 0)
    body += struct.pack(">i", 1) + kw.string(topic)
    body += struct.pack(">i", 1) + struct.pack(">iqi", partition, offset, max_bytes)
    return kw.request(API_FETCH, 4, corr, body)


def parse_fetch_v4(payload):
    r = kw.Reader(payload)
    corr = r.i32()
    r.i32()  # throttle
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            p = r.i32()
            err, hw, lso = r.i16(), r.i64(), r.i64()
            n_aborted = r.i32()
            for _ in range(max(n_aborted, 0)):
                r.i64(), r.i64()
            size = r.i32()
            records = payload[r.pos : r.pos + max(size, 0)]
            r.pos += max(size, 0)
            out[(topic, p)] = {"error_code": err, "high_watermark": hw, "records": records}
    assert r.remaining() == 0
    return corr, out


def batch_values(records):
    """Values of every record in a run of uncompressed v2 batches."""
    vals, pos = [], 0
    while pos + 61 <= len(records):
        (length,) = struct.unpack_from(">i", records, pos + 8)
        batch = records[pos : pos + 12 + length]
        assert kw.batch_crc_ok(batch)
        (count,) = struct.unpack_from(">i", batch, 57)
        r = 61

        def varint():
            nonlocal r
            shift = v = 0
            while True:
                b = batch[r]
                r += 1
                v |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    return (v >> 1) ^ -(v & 1)

        for _ in range(count):
            end = varint()
            end += r
            r += 1  # attributes
            varint(), varint()  # timestamp delta, offset delta
            klen = varint()
            r += max(klen, 0)
            vlen = varint()
            vals.append(batch[r : r + vlen])
            r = end
        pos += 12 + length
    return vals


def produce_one(conn, corr, topic, value, acks=1):
    batch = kw.record_batch([(None, value, ())])
    conn.send(kw.produce_v3(corr, topic, 0, batch, acks=acks))


def test_acks_zero_gets_no_response(broker):
    create_topic(broker, "acks0", partitions=1)
    with kw.Conn("127.0.0.1", broker.plaintext_port) as c:
        produce_one(c, 1, "acks0", b"fire-and-forget", acks=0)
        produce_one(c, 2, "acks0", b"acked", acks=1)
        corr, res, _ = kw.parse_produce_v3_response(c.recv_response())
        assert corr == 2  # nothing came back for correlation id 1
        assert res[("acks0", 0)]["error_code"] == 0
        assert res[("acks0", 0)]["base_offset"] == 1  # the acks=0 record was appended first
        c.send(kw.list_offsets_v1(3, "acks0", 0, -1))
        corr, res = kw.parse_list_offsets_v1_response(c.recv_response())
        assert corr == 3 and res[("acks0", 0)]["offset"] == 2


def test_too_new_api_versions_answered_with_unsupported_version(broker):
    # ApiVersions v4 with header v2 (flexible), as recent Java clients send it
    msg = struct.pack(">hhi", 18, 4, 7) + kw.string("java") + b"\x00"
    msg += b"\x05java\x063.9.0\x00"
    with kw.Conn("127.0.0.1", broker.plaintext_port) as c:
        corr, err, apis = kw.parse_api_versions_v0_response(c.roundtrip(struct.pack(">i", len(msg)) + msg))
    assert (corr, err) == (7, 35)
    assert apis[18] == (0, 3) and apis[0] == (0, 7) and apis[1] == (0, 11) and apis[3] == (0, 5)
    assert apis[2] == (1, 3) and apis[19] == (0, 4)


def test_delayed_fetch_completes_on_produce_and_keeps_response_order(broker):
    create_topic(broker, "delayed", partitions=1)
    with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(30)) as consumer, kw.Conn(
        "127.0.0.1", broker.plaintext_port
    ) as producer:
        # at the high watermark with min_bytes 1: the fetch must wait (up to 20 s) ...
        consumer.send(fetch_v4(1, "delayed", 0, 0, max_wait_ms=20000))
        # ... and a request pipelined behind it must not overtake it
        consumer.send(kw.api_versions_v0(2))
        time.sleep(0.5)
        produce_one(producer, 10, "delayed", b"wake-up")
        _, pres, _ = kw.parse_produce_v3_response(producer.recv_response())
        assert pres[("delayed", 0)]["error_code"] == 0
        corr, res = parse_fetch_v4(consumer.recv_response())
        assert corr == 1
        part = res[("delayed", 0)]
        assert part["error_code"] == 0 and part["high_watermark"] == 1
        assert batch_values(part["records"]) == [b"wake-up"]
        corr, err, _ = kw.parse_api_versions_v0_response(consumer.recv_response())
        assert (corr, err) == (2, 0)


def test_fetch_max_wait_expires_empty_and_out_of_range(broker):
    create_topic(broker, "waits", partitions=1)
    with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(30)) as c:
        t0 = time.monotonic()
        corr, res = parse_fetch_v4(c.roundtrip(fetch_v4(1, "waits", 0, 0, max_wait_ms=300)))
        assert corr == 1 and time.monotonic() - t0 >= 0.25  # it waited, it did not block forever
        assert res[("waits", 0)]["error_code"] == 0 and res[("waits", 0)]["records"] == b""
        corr, res = parse_fetch_v4(c.roundtrip(fetch_v4(2, "waits", 0, 5, max_wait_ms=0)))
        assert res[("waits", 0)]["error_code"] == 1  # OFFSET_OUT_OF_RANGE beyond the HWM
        corr, res = parse_fetch_v4(c.roundtrip(fetch_v4(3, "no-such-topic", 0, 0, max_wait_ms=0)))
        assert res[("no-such-topic", 0)]["error_code"] == 3


def test_offsets_for_times(broker):
    from confluent_kafka import Consumer, Producer, TopicPartition

    create_topic(broker, "times", partitions=1)
    p = Producer(rdkafka_conf(broker, extra={"linger.ms": 0}))
    base = 1_700_000_000_000
    for i in range(20):  # timestamps base, base+1000, ... one batch each
        p.produce("times", value=b"v%d" % i, partition=0, timestamp=base + 1000 * i)
        p.flush(scaled(10))
    c = Consumer(rdkafka_conf(broker, extra={"group.id": "unused-times"}))
    try:
        def lookup(ts):
            res = c.offsets_for_times([TopicPartition("times", 0, ts)], timeout=scaled(10))
            assert res[0].error is None
            return res[0].offset

        assert lookup(base) == 0
        assert lookup(base + 1) == 1  # first record whose timestamp is >= the target
        assert lookup(base + 5500) == 6
        assert lookup(base + 19000) == 19
        assert lookup(base + 19001) == -1  # none: Kafka answers -1
    finally:
        c.close()


def test_create_topics_replication_factor_checks(broker):
    from confluent_kafka.admin import NewTopic

    a = admin_client(broker)
    fs = a.create_topics([NewTopic("too-many-replicas", 1, 3)], operation_timeout=scaled(10))
    with pytest.raises(Exception) as e:
        fs["too-many-replicas"].result(scaled(10))
    assert e.value.args[0].code() == 38  # INVALID_REPLICATION_FACTOR
    fs = a.create_topics([NewTopic("bad/name", 1, 1)])
    with pytest.raises(Exception) as e:
        fs["bad/name"].result(scaled(10))
    assert e.value.args[0].code() == 17  # INVALID_TOPIC_EXCEPTION
    create_topic(broker, "exists-once", partitions=2)
    fs = a.create_topics([NewTopic("exists-once", 2, 1)])
    with pytest.raises(Exception) as e:
        fs["exists-once"].result(scaled(10))
    assert e.value.args[0].code() == 36  # TOPIC_ALREADY_EXISTS


def test_pipelined_requests_beyond_the_inflight_window_all_answered_in_order(broker):
    # Waiting fetches hold their place in the connection's queue; past the in-flight window the
    # broker stops reading and must later resume on the frames it already buffered. 150 waiting
    # fetches and a produce and an ApiVersions behind them, sent in one write, all answered in
    # order.
    create_topic(broker, "pipelined", partitions=1)
    n = 150
    blob = b"".join(fetch_v4(i, "pipelined", 0, 0, max_wait_ms=300) for i in range(n))
    blob += kw.produce_v3(n, "pipelined", 0, kw.record_batch([(None, b"last", ())]))
    blob += kw.api_versions_v0(n + 1)
    with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(30)) as c:
        c.send(blob)
        for i in range(n):
            corr, res = parse_fetch_v4(c.recv_response())
            assert corr == i and res[("pipelined", 0)]["error_code"] == 0
        corr, res, _ = kw.parse_produce_v3_response(c.recv_response())
        assert corr == n and res[("pipelined", 0)]["base_offset"] == 0
        corr, err, _ = kw.parse_api_versions_v0_response(c.recv_response())
        assert (corr, err) == (n + 1, 0)


def test_answers_reach_a_client_that_shut_its_sending_side(broker):
    # Requests written, then shutdown(SHUT_WR) before reading (as `printf ... | nc -N` does): the
    # broker closes on end of stream, and what it answered goes out first, although it writes
    # answers only once the rest of that turn of its loop ran. Pipelined small requests, and one
    # Produce large enough to be read straight into its own buffer, whose read then meets the end
    # of stream in the same turn.
    create_topic(broker, "half-closed", partitions=1)
    n = 40
    small = b"".join(kw.api_versions_v0(i) for i in range(n))
    big = kw.produce_v3(7, "half-closed", 0, kw.record_batch([(None, b"v" * 200_000, ())]), acks=1)
    for round_ in range(5):
        with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(10)) as c:
            c.send(small)
            c.sock.shutdown(socket.SHUT_WR)
            for i in range(n):
                corr, err, _ = kw.parse_api_versions_v0_response(c.recv_response())
                assert (corr, err) == (i, 0)
            assert c.wait_closed(scaled(10)), "closed after the answers"
        with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(10)) as c:
            c.send(big)
            c.sock.shutdown(socket.SHUT_WR)
            corr, res, _ = kw.parse_produce_v3_response(c.recv_response())
            assert corr == 7 and res[("half-closed", 0)]["base_offset"] == round_
            assert c.wait_closed(scaled(10)), "closed after the answer"
