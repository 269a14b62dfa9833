"""kcat (librdkafka 2.0.2) against one broker, over PLAINTEXT and SSL: metadata, then 10,000
keyed records with headers into a 3-partition topic, consumed back byte-exact and in order per
partition."""

import json
from collections import defaultdict

import pytest

from helpers import create_topic, kcat, kcat_args

N_RECORDS = 10_000
N_RUNS = 4  # separate kcat -P runs, each with its own header values
N_KEYS = 101
SEP = b"\x1f"  # field separator in the consume format (never in keys, values or headers)
# Bytes a value may contain: printable ASCII without the separators kcat -P/-f use, plus UTF-8.
ALPHABET = (
    bytes(c for c in range(0x20, 0x7F) if c not in b"\t\n\r,=\\")
    + "äöüßé€漢字".encode()
)


def expected_records():
    """[(run, key, value)] in produce order; values carry the sequence number first."""
    out = []
    per_run = N_RECORDS // N_RUNS
    for i in range(N_RECORDS):
        key = f"key-{i % N_KEYS:03d}".encode()
        length = (i * 7919) % 300
        filler = bytes(ALPHABET[(i + j) % len(ALPHABET)] for j in range(length))
        value = f"v{i:05d}:".encode() + filler
        out.append((i // per_run, key, value))
    return out


def headers_for_run(run):
    return [("run", str(run)), ("src", f"kcat-{run}-test")]


def listener_args(broker, listener):
    return kcat_args(broker, listener)


@pytest.mark.parametrize("listener", ["PLAINTEXT", "SSL"])
def test_metadata_lists_broker(broker, listener):
    cp = kcat(listener_args(broker, listener) + ["-L", "-J", "-m", "10"], timeout=30)
    md = json.loads(cp.stdout)
    brokers = {b["id"]: b["name"] for b in md["brokers"]}
    port = broker.plaintext_port if listener == "PLAINTEXT" else broker.ssl_port
    # Metadata advertises the endpoint of the listener the request came in on.
    assert brokers == {1: f"127.0.0.1:{port}"}, md


@pytest.mark.parametrize("listener", ["PLAINTEXT", "SSL"])
def test_produce_consume_10k(broker, listener):
    topic = f"kcat-{listener.lower()}"
    create_topic(broker, topic, partitions=3)
    conn = listener_args(broker, listener)
    records = expected_records()

    # Produce: one kcat -P run per header set, "key<TAB>value" lines.
    for run in range(N_RUNS):
        lines = b"".join(k + b"\t" + v + b"\n" for r, k, v in records if r == run)
        hdr_args = []
        for name, value in headers_for_run(run):
            hdr_args += ["-H", f"{name}={value}"]
        kcat(
            conn + ["-P", "-t", topic, "-K", "\\t", "-X", "acks=all", "-X", "message.timeout.ms=60000", "-m", "10"] + hdr_args,
            input=lines,
            timeout=120,
        )

    # Consume everything back.
    fmt = "%p\\x1f%o\\x1f%K\\x1f%k\\x1f%S\\x1f%s\\x1f%h\\n"
    cp = kcat(
        conn + ["-C", "-t", topic, "-o", "beginning", "-e", "-q", "-m", "10", "-f", fmt],
        timeout=120,
    )
    got = []
    for line in cp.stdout.split(b"\n"):
        if not line:
            continue
        p, o, klen, key, vlen, value, hdrs = line.split(SEP)
        assert int(klen) == len(key) and int(vlen) == len(value), line[:200]
        got.append((int(p), int(o), key, value, hdrs.decode()))

    assert len(got) == N_RECORDS, f"consumed {len(got)} of {N_RECORDS} records"

    by_partition = defaultdict(list)
    for p, o, key, value, hdrs in got:
        by_partition[p].append((o, key, value, hdrs))
    assert set(by_partition) == {0, 1, 2}, f"records landed only in partitions {sorted(by_partition)}"

    key_partition = {}
    seen = set()
    for p, recs in by_partition.items():
        offsets = [o for o, _, _, _ in recs]
        assert offsets == list(range(len(recs))), f"partition {p}: offsets not 0..{len(recs) - 1}"
        seqs = []
        for o, key, value, hdrs in recs:
            i = int(value[1:6])
            run, exp_key, exp_value = records[i]
            assert key == exp_key and value == exp_value, f"record {i} at {p}/{o} differs"
            exp_hdrs = ",".join(f"{n}={v}" for n, v in headers_for_run(run))
            assert hdrs == exp_hdrs, f"record {i} at {p}/{o}: headers {hdrs!r} != {exp_hdrs!r}"
            assert key_partition.setdefault(key, p) == p, f"key {key!r} in two partitions"
            seqs.append(i)
            seen.add(i)
        assert seqs == sorted(seqs), f"partition {p}: records out of produce order"
    assert seen == set(range(N_RECORDS))
