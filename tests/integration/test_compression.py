"""Compressed record batches (issue 11, codec part): zstd from confluent-kafka and gzip from
kafka-python, read back by confluent-kafka and kcat; records inside compressed batches found by
timestamp; compressed garbage of every codec and lying record counts refused on produce while
the partition stays readable (Kafka's LogValidator walks compressed records as the others).

librdkafka 2.0 compresses with gzip, snappy and lz4 only for brokers that offer Produce v2 and
Fetch v2 (its MsgVer1 feature), which cafka does not: it sends those uncompressed, so snappy and
lz4 batches from real clients are not covered here (the unit tests decode library output)."""

import os
import random
import struct

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

import kafka_wire as kw
from helpers import create_topic, kcat, kcat_args, rdkafka_conf, scaled

CODECS = {"gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
CORRUPT_MESSAGE = 2
INVALID_RECORD = 87


@pytest.fixture
def broker(broker_factory):
    return broker_factory(1)


def produce(broker, topic, codec, values, timestamps=None):
    p = Producer(rdkafka_conf(broker, extra={"compression.type": codec, "acks": "all",
                                             "linger.ms": 50, "batch.num.messages": 10000}))
    errors = []
    for i, v in enumerate(values):
        kw_ = {"timestamp": timestamps[i]} if timestamps else {}
        p.produce(topic, key=b"k%d" % i, value=v, on_delivery=lambda e, m: e and errors.append(e), **kw_)
    assert p.flush(scaled(60)) == 0
    assert errors == []


def consume_all(broker, topic, n):
    c = Consumer(rdkafka_conf(broker, extra={"group.id": "unused", "enable.auto.commit": False}))
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    try:
        while len(got) < n:
            msgs = c.consume(1000, timeout=scaled(10))
            assert msgs, f"no records after {len(got)}"
            for m in msgs:
                assert m.error() is None, m.error()
                got.append((m.offset(), m.value()))
    finally:
        c.close()
    return got


def segment_codecs(broker, topic):
    """The compresscodec of every batch in the partition's log, from cafka dump-log."""
    from test_cli import cafka

    seg = broker.data_dir / f"{topic}-0" / "00000000000000000000.log"
    cp = cafka("dump-log", seg)
    assert cp.returncode == 0, cp.stderr
    return {line.split(" compresscodec: ")[1].split()[0] for line in cp.stdout.splitlines()
            if " compresscodec: " in line}


def check_readable(broker, topic, values):
    got = consume_all(broker, topic, len(values))
    assert got == list(enumerate(values))
    out = kcat(kcat_args(broker) + ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e",
                                    "-f", "%o %s\n"]).stdout.decode()
    assert out.splitlines() == [f"{o} {v.decode()}" for o, v in got]


def sample_values(n):
    return [b"value %d " % i + os.urandom(8).hex().encode() * 4 for i in range(n)]


def test_zstd_from_confluent_kafka_is_stored_compressed_and_read_back(broker):
    create_topic(broker, "z-zstd")
    values = sample_values(3000)
    produce(broker, "z-zstd", "zstd", values)
    assert segment_codecs(broker, "z-zstd") == {"zstd"}
    check_readable(broker, "z-zstd", values)


def test_gzip_from_kafka_python_is_stored_compressed_and_read_back(broker):
    from kafka import KafkaProducer

    create_topic(broker, "z-gzip")
    values = sample_values(3000)
    p = KafkaProducer(bootstrap_servers=broker.bootstrap, compression_type="gzip", acks="all",
                      linger_ms=50, api_version=(2, 8))
    try:
        futures = [p.send("z-gzip", key=b"k%d" % i, value=v, partition=0) for i, v in enumerate(values)]
        p.flush(timeout=scaled(60))
        assert [f.get(timeout=scaled(30)).offset for f in futures] == list(range(len(values)))
    finally:
        p.close(timeout=scaled(10))
    assert segment_codecs(broker, "z-gzip") == {"gzip"}
    check_readable(broker, "z-gzip", values)


def test_timestamp_lookup_inside_a_compressed_batch_is_exact(broker):
    create_topic(broker, "z-times")
    base = 1_700_000_000_000
    produce(broker, "z-times", "zstd", [b"v%d" % i for i in range(100)],
            timestamps=[base + 10 * i for i in range(100)])
    assert segment_codecs(broker, "z-times") == {"zstd"}
    c = Consumer(rdkafka_conf(broker, extra={"group.id": "unused"}))
    try:
        for i in (0, 37, 99):
            (tp,) = c.offsets_for_times([TopicPartition("z-times", 0, base + 10 * i - 5)],
                                        timeout=scaled(10))
            assert tp.offset == i, (i, tp)
    finally:
        c.close()


def compressed_batch(records_section, codec, record_count):
    """A RecordBatch v2 whose records section is `records_section` (as is) with codec bits."""
    plain = kw.record_batch([(b"k", b"v", ())])
    head = bytearray(plain[:61])
    struct.pack_into(">h", head, 21, codec)
    struct.pack_into(">i", head, 23, record_count - 1)
    struct.pack_into(">i", head, 57, record_count)
    batch = bytearray(bytes(head) + records_section)
    struct.pack_into(">i", batch, 8, len(batch) - 12)
    struct.pack_into(">I", batch, 17, kw.crc32c(bytes(batch[21:])))
    return bytes(batch)


def test_bad_compressed_batches_are_refused_and_the_partition_stays_readable(broker):
    create_topic(broker, "z-bad")
    produce(broker, "z-bad", "zstd", [b"good %d" % i for i in range(10)])
    import zlib

    one = kw.encode_record(0, b"k", b"v")
    gz = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    gzipped = gz.compress(one) + gz.flush()
    junk = random.Random(150).randbytes(150)  # the same bytes every run
    cases = [(compressed_batch(junk, c, 1), CORRUPT_MESSAGE, f"150 arbitrary bytes as {n}")
             for n, c in sorted(CODECS.items())]
    cases.append((compressed_batch(gzipped, 1, 1_000_000), INVALID_RECORD, "1,000,000 records claimed, 1 inside"))
    cases.append((compressed_batch(gzipped, 1, 1), 0, "the same batch, honest"))
    with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(30)) as c:
        for corr, (batch, want, what) in enumerate(cases, 1):
            _, res, _ = kw.parse_produce_v3_response(c.roundtrip(kw.produce_v3(corr, "z-bad", 0, batch)))
            assert res[("z-bad", 0)]["error_code"] == want, what
    got = consume_all(broker, "z-bad", 11)
    assert [v for _, v in got] == [b"good %d" % i for i in range(10)] + [b"v"]
    assert [o for o, _ in got] == list(range(11)), "no offset was taken by a refused batch"


def test_topic_compression_type_rewrites_batches_in_its_codec(broker):
    """compression.type on the topic: the broker stores its codec whatever the producer sent
    (Kafka's LogValidator recompresses); "producer" keeps the producer's codec."""
    cases = [("z-to-gzip", "gzip", "none"), ("z-to-lz4", "lz4", "zstd"),
             ("z-to-snappy", "snappy", "none"), ("z-to-none", "uncompressed", "zstd")]
    for topic, codec, sent in cases:
        create_topic(broker, topic, config={"compression.type": codec})
        values = sample_values(500)
        produce(broker, topic, sent, values)
        stored = "none" if codec == "uncompressed" else codec
        assert segment_codecs(broker, topic) == {stored}, (topic, sent)
        check_readable(broker, topic, values)
