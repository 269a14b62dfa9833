"""Replication checks shared by tests/integration/test_replication.py and the fault suite
(tests/fault/fault.py): partition state znodes, high watermarks, segment files read batch by
batch, and byte comparison of replicas.

Segment files are Kafka's: `<log.dir>/<topic>-<partition>/<20-digit base offset>.log`, a
sequence of RecordBatch v2 (BaseOffset i64, BatchLength i32, then BatchLength bytes). A torn
tail (fewer bytes than a whole batch) ends the scan, as Kafka's recovery does.
"""

import json
import os
import struct
from pathlib import Path

import kafka_wire
from helpers import wait_for

# ---------------------------------------------------------------------------------------------
# ZooKeeper partition state


def state_path(chroot, topic, partition):
    return f"{chroot}/brokers/topics/{topic}/partitions/{partition}/state"


def partition_state(zk, chroot, topic, partition):
    """The state znode as (dict, stat): leader, leader_epoch, isr, controller_epoch."""
    data, stat = zk.get(state_path(chroot, topic, partition))
    return json.loads(data), stat


def partition_states(zk, chroot, topic):
    base = f"{chroot}/brokers/topics/{topic}/partitions"
    return {int(p): partition_state(zk, chroot, topic, int(p))[0] for p in zk.get_children(base)}


def assignment(zk, chroot, topic):
    """{partition: [replica ids]} from /brokers/topics/<topic> (replicas[0] is preferred)."""
    data, _ = zk.get(f"{chroot}/brokers/topics/{topic}")
    return {int(p): list(r) for p, r in json.loads(data)["partitions"].items()}


def controller_id(zk, chroot):
    data, _ = zk.get(f"{chroot}/controller")
    return json.loads(data)["brokerid"]


def wait_state(zk, chroot, topic, partition, pred, timeout, what):
    """Polls the state znode until pred(state) holds; returns that state."""

    last = []

    def ok():
        st, _ = partition_state(zk, chroot, topic, partition)
        last[:] = [st]
        return st if pred(st) else None

    try:
        return wait_for(ok, timeout, f"{topic}-{partition}: {what}", interval=0.05)
    except TimeoutError as e:
        raise TimeoutError(f"{e}; last state {last[0] if last else None}") from None


# ---------------------------------------------------------------------------------------------
# Offsets through the wire


def list_offset(port, topic, partition, timestamp=-1):
    """ListOffsets v1 as a consumer (replica_id -1): latest (-1) is the high watermark.
    Returns (error_code, offset)."""
    with kafka_wire.Conn("127.0.0.1", port) as c:
        _, parts = kafka_wire.parse_list_offsets_v1_response(
            c.roundtrip(kafka_wire.list_offsets_v1(1, topic, partition, timestamp))
        )
    r = parts[(topic, partition)]
    return r["error_code"], r["offset"]


def high_watermark(port, topic, partition):
    err, off = list_offset(port, topic, partition)
    assert err == 0, f"ListOffsets {topic}-{partition} on port {port}: error {err}"
    return off


def produce_raw(port, topic, partition, values, acks=-1, timeout_ms=10000):
    """One Produce v3 with one uncompressed batch; returns (error_code, base_offset)."""
    batch = kafka_wire.record_batch([(None, v, []) for v in values])
    with kafka_wire.Conn("127.0.0.1", port, timeout=timeout_ms / 1000 + 10) as c:
        _, resp, _ = kafka_wire.parse_produce_v3_response(
            c.roundtrip(kafka_wire.produce_v3(3, topic, partition, batch, acks=acks, timeout_ms=timeout_ms))
        )
    r = resp[(topic, partition)]
    return r["error_code"], r["base_offset"]


# ---------------------------------------------------------------------------------------------
# Segment files


class Batch:
    __slots__ = ("base", "last", "epoch", "raw", "segment", "position")

    def __init__(self, base, last, epoch, raw, segment, position):
        self.base, self.last, self.epoch, self.raw = base, last, epoch, raw
        self.segment, self.position = segment, position

    def __repr__(self):
        return f"<Batch {self.base}..{self.last} epoch {self.epoch} {len(self.raw)}B {self.segment}@{self.position}>"


def partition_dir(data_dir, topic, partition):
    return Path(data_dir) / f"{topic}-{partition}"


def segments(pdir):
    """The partition's .log segment files, ordered by base offset."""
    pdir = Path(pdir)
    if not pdir.is_dir():
        return []
    return sorted((p for p in pdir.iterdir() if p.name.endswith(".log") and p.name[:-4].isdigit()),
                  key=lambda p: int(p.name[:-4]))


def read_batches(pdir):
    """All whole batches of a partition folder, in file order. A torn tail is ignored."""
    out = []
    for seg in segments(pdir):
        try:
            data = seg.read_bytes()
        except FileNotFoundError:  # deleted by retention or truncation meanwhile
            continue
        pos = 0
        while pos + 12 <= len(data):
            base, length = struct.unpack_from(">qi", data, pos)
            if length < 49 or pos + 12 + length > len(data):
                break
            raw = data[pos : pos + 12 + length]
            (epoch,) = struct.unpack_from(">i", raw, 12)
            (last_delta,) = struct.unpack_from(">i", raw, 23)
            out.append(Batch(base, base + last_delta, epoch, raw, seg.name, pos))
            pos += 12 + length
    return out


def log_end(pdir):
    """Log end offset on disk (next offset after the last whole batch), 0 when empty."""
    b = read_batches(pdir)
    return b[-1].last + 1 if b else 0


def batches_below(pdir, hw):
    """Batches that lie entirely below hw (the committed prefix)."""
    return [b for b in read_batches(pdir) if b.last < hw]


def active_segment(pdir):
    segs = segments(pdir)
    return segs[-1] if segs else None


def compare_replicas(dirs, hw):
    """dirs: {broker_id: partition folder}. Compares every replica's batches below hw with the
    first replica's, batch by batch. Returns a list of human-readable differences (empty when
    the replicas agree). Each replica must hold the whole prefix [.., hw)."""
    problems = []
    views = {bid: batches_below(d, hw) for bid, d in dirs.items()}
    ref_id = next(iter(views))
    ref = views[ref_id]
    for bid, bs in views.items():
        end = bs[-1].last + 1 if bs else 0
        if end < hw and hw > 0:
            problems.append(f"replica {bid} ends at {end} below hw {hw}")
        if bid == ref_id:
            continue
        for i, (a, b) in enumerate(zip(ref, bs)):
            if a.raw != b.raw:
                problems.append(
                    f"replica {bid} differs from {ref_id} at batch #{i}: {a!r} vs {b!r}"
                    + (" (same offsets, different bytes)" if (a.base, a.last) == (b.base, b.last) else "")
                )
                break
        else:
            if len(ref) != len(bs) and not problems:
                problems.append(f"replica {bid} has {len(bs)} batches below hw {hw}, replica {ref_id} {len(ref)}")
    return problems


def records_of_batch(raw):
    """(offset, value bytes) of each record of an uncompressed batch (tests only write those)."""
    base = struct.unpack_from(">q", raw, 0)[0]
    attrs = struct.unpack_from(">h", raw, 21)[0]
    assert attrs & 0x7 == 0, "compressed batch: records_of_batch reads uncompressed ones only"
    (count,) = struct.unpack_from(">i", raw, 57)
    pos = 61
    out = []

    def varint():
        nonlocal pos
        shift = result = 0
        while True:
            b = raw[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                break
            shift += 7
        return (result >> 1) ^ -(result & 1)

    for _ in range(count):
        length = varint()
        end = pos + length
        pos += 1  # attributes
        varint()  # timestamp delta
        delta = varint()
        klen = varint()
        pos += max(klen, 0)
        vlen = varint()
        value = raw[pos : pos + vlen] if vlen >= 0 else None
        out.append((base + delta, value))
        pos = end
    return out


# ---------------------------------------------------------------------------------------------
# Process helpers


def tcp_peer_ports(pid):
    """Remote ports of the established TCP connections of process pid (from /proc, no psutil)."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return set()
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) > 9 and f[3] == "01" and f[9] in inodes:  # 01 = ESTABLISHED
                ports.add(int(f[2].rsplit(":", 1)[1], 16))
    return ports
