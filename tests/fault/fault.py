#!/usr/bin/env python3
"""Fault suite driver: 3 ZooKeeper nodes + 3 cafka brokers, one RF=3 topic per fault with
min.insync.replicas=2, a verifying producer (fault_producer, librdkafka, acks=all, retries,
no idempotence) running while a nemesis strikes, then healing and verification.

Nemeses (each over --rounds rounds, healed after each round):
  kill-leader        SIGKILL the leader of partition 0, wait for a new leader, restart it
  pause-leader       SIGSTOP the leader of partition 0 until ZooKeeper expired its session and
                     leadership moved, then SIGCONT
  kill-controller    SIGKILL the controller, wait for a new one, restart it
  kill-zk            SIGKILL one ZooKeeper node (the quorum leader), wait for produce progress
                     on the other two, restart it
  rolling-restart    SIGTERM each broker in turn, restart it, wait for the full ISR
  truncate-follower  SIGKILL a follower of partition 0, cut its active segment files in half
                     (partitions it follows), restart it
  cut-connections    abort every TCP connection to every broker (`ss -K`, clients' and
                     replica fetchers' alike) five times, a second of traffic apart

Verification per fault, after healing (every broker up, ISR complete or noted):
  lost         acknowledged (partition, offset, value) not read back at that offset: must be 0
               (split into `lost` = value nowhere in the partition, `moved` = value elsewhere)
  order        within a partition, first occurrences of values not increasing: must be 0
  dups         values read more than once (retries without idempotence): reported; must be 0
               with --idempotent (enable.idempotence=true, max.in.flight 5: exactly once)
  reacked      acknowledged offsets not increasing with the value: reported, not a failure. A
               batch in flight to a leader that stops may already be in the new leader's log
               (unacknowledged, copied before the stop) while later batches go to the new
               leader; the client's retry then appends and acknowledges a second copy after
               them. Without idempotence Kafka promises no more (max.in.flight is per
               connection); the first occurrences stay in order, which `order` checks.
  divergence   ISR members whose .log batches below the high watermark differ: must be 0
  unavail_ms   longest gap between consecutive acknowledgements of one partition that
               overlaps the fault window

Ports, folders and the machine-wide lock are the integration tests' (tests/integration/helpers.py),
so the suite never runs at the same time as them. Exit status 0 only when lost, moved, order and
divergence are all 0 for every fault and no fault's harness step failed.

  fault.py --quick            1 round each, a few thousand records (CTest `fault_quick`)
  fault.py [--rounds N]       full mode (scripts/fault.sh), default 5 rounds
  fault.py --only kill-leader,kill-zk   a subset
  fault.py --idempotent --only kill-leader,cut-connections --rounds 5   exactly once under faults
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

import helpers  # noqa: E402
from helpers import (  # noqa: E402
    BIN_DIR,
    SCRIPTS,
    STATE_DIR,
    ZK_HOSTS,
    ZK_PORTS,
    Broker,
    create_topic,
    register_pid,
    unregister_pid,
    wait_for,
)
from replica_tools import (  # noqa: E402
    active_segment,
    assignment,
    compare_replicas,
    controller_id,
    high_watermark,
    log_end,
    partition_dir,
    partition_state,
)

PRODUCER_BIN = BIN_DIR / "fault_producer"
CHROOT = "/fault"
SESSION_MS = 6000
PARTITIONS = 3
NEMESES = ["kill-leader", "pause-leader", "kill-controller", "kill-zk", "rolling-restart", "truncate-follower",
           "cut-connections"]


def log(msg):
    print(f"[fault {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------
# The cluster


class Cluster:
    def __init__(self, workdir, opts):
        self.workdir = Path(workdir)
        self.opts = opts
        self.zk_dir = self.workdir / "zk"
        self.zk = None
        self.brokers = {}

    def start(self):
        """ZooKeeper ensemble, certificates, brokers 1-3; stop() undoes whatever part ran."""
        from kazoo.client import KazooClient

        opts = self.opts
        (STATE_DIR / "last-zk-dir").write_text(str(self.zk_dir))
        self._zk_script("start", check=True)
        self.zk = KazooClient(hosts=ZK_HOSTS, timeout=10)
        self.zk.start(timeout=30)
        cdir = self.workdir / "certs"
        subprocess.run([str(SCRIPTS / "gen-certs.sh"), str(cdir)], check=True, capture_output=True, timeout=120)
        self.certs = types.SimpleNamespace(dir=cdir, ca=cdir / "ca.pem", keystore=cdir / "broker-keystore.pem")
        over = {
            "zookeeper.session.timeout.ms": SESSION_MS,
            "replica.lag.time.max.ms": opts.lag_ms,
            "replica.fetch.wait.max.ms": 200,
            "default.replication.factor": 3,
            # min.insync.replicas=2 is the topics' own config (set at creation), as an operator
            # sets it per topic
            "unclean.leader.election.enable": "false",
            "auto.create.topics.enable": "false",
        }
        self.brokers = {i: Broker(self.zk, self.certs, self.workdir, i, CHROOT, overrides=over) for i in (1, 2, 3)}
        for b in self.brokers.values():
            b.start(wait=False)
        for b in self.brokers.values():
            b.wait_ready(timeout=helpers.scaled(40))

    @property
    def bootstrap(self):
        return ",".join(b.bootstrap for b in self.brokers.values())

    def live_broker(self):
        return next(b for b in self.brokers.values() if b.running)

    # -- ZooKeeper nodes

    def _zk_script(self, cmd, check=False):
        cp = subprocess.run([str(SCRIPTS / "zk-ensemble.sh"), cmd, str(self.zk_dir), *map(str, ZK_PORTS)],
                            capture_output=True, text=True, timeout=120)
        if check and cp.returncode != 0:
            raise RuntimeError(f"zk-ensemble.sh {cmd} failed:\n{cp.stdout}\n{cp.stderr}")
        return cp

    def zk_pid(self, n):
        try:
            pid = int((self.zk_dir / f"zk{n}" / "pid").read_text().strip())
        except (OSError, ValueError):
            return None
        cl = helpers.cmdline(pid)
        return pid if cl and str(self.zk_dir / f"zk{n}" / "zoo.cfg") in cl else None

    def zk_mode(self, n):
        try:
            cp = subprocess.run(["nc", "-q", "2", "-w", "2", "127.0.0.1", str(ZK_PORTS[n - 1])], input="srvr",
                                capture_output=True, text=True, timeout=10)
        except subprocess.TimeoutExpired:
            return None
        for line in cp.stdout.splitlines():
            if line.startswith("Mode: "):
                return line[6:].strip()
        return None

    # -- healing

    def heal(self, topic, timeout, notes):
        """Continues stopped brokers, starts dead ones and dead ZooKeeper nodes, then waits
        (bounded) for the full ISR on every partition of topic."""
        for b in self.brokers.values():
            if b.running:
                b.proc.send_signal(signal.SIGCONT)
        if not all(self.zk_pid(n) for n in (1, 2, 3)):
            self._zk_script("start", check=True)
        restarted = []
        for b in self.brokers.values():
            if not b.running:
                if b.proc is not None and not b.exit_expected:
                    notes.append(f"broker {b.id} had exited by itself ({b.proc.returncode})")
                b.start(wait=False)
                restarted.append(b)
        for b in self.brokers.values():
            if b in restarted or self.zk.exists(b.ids_path) is None:
                b.wait_ready(timeout=helpers.scaled(40))
        return self.wait_full_isr(topic, timeout, notes)

    def wait_full_isr(self, topic, timeout, notes):
        try:
            wait_for(lambda: all(sorted(partition_state(self.zk, CHROOT, topic, p)[0]["isr"]) == [1, 2, 3]
                                 and partition_state(self.zk, CHROOT, topic, p)[0]["leader"] > 0
                                 for p in range(PARTITIONS)),
                     timeout, f"full ISR on {topic}", interval=0.1)
            return True
        except TimeoutError:
            isrs = {p: partition_state(self.zk, CHROOT, topic, p)[0] for p in range(PARTITIONS)}
            note = "ISR not full after heal: " + ", ".join(f"p{p} leader {s['leader']} isr {s['isr']}"
                                                          for p, s in isrs.items())
            if note not in notes:
                notes.append(note)
            return False

    def stop(self):
        for b in self.brokers.values():
            if b.running:
                b.proc.send_signal(signal.SIGCONT)
        for b in self.brokers.values():
            try:
                b.stop()
            except Exception as e:  # noqa: BLE001 - keep stopping the others
                log(f"stopping broker {b.id}: {e}")
        try:
            if self.zk is not None:
                self.zk.stop()
                self.zk.close()
        finally:
            self._zk_script("stop")
            try:
                (STATE_DIR / "last-zk-dir").unlink()
            except FileNotFoundError:
                pass


# ---------------------------------------------------------------------------------------------
# The verifying producer


class Producer:
    def __init__(self, cl, topic, path, opts):
        self.path = path
        self.rate = opts.rate
        self.errlog = open(str(path) + ".stderr", "wb")
        args = [str(PRODUCER_BIN), cl.bootstrap, topic, str(PARTITIONS), str(opts.max_records),
                str(opts.producer_seconds), str(opts.rate), str(path)]
        if opts.idempotent:
            args += ["enable.idempotence=true", "max.in.flight.requests.per.connection=5"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.errlog, stderr=subprocess.STDOUT)
        register_pid(self.proc.pid, str(path))

    def acked(self):
        try:
            with open(self.path, "rb") as f:
                return sum(1 for line in f if line.startswith(b"A "))
        except FileNotFoundError:
            return 0

    def wait_acks(self, n, timeout, what):
        wait_for(lambda: self.acked() >= n, timeout, what, interval=0.1)

    def finish(self, timeout=90):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        unregister_pid(self.proc.pid)
        self.errlog.close()
        return self.proc.returncode


def read_producer_log(path):
    acked, failed, summary = [], [], None
    for line in Path(path).read_text().splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "A" and len(f) == 5:
            acked.append((int(f[1]), int(f[2]), int(f[3]), int(f[4])))
        elif f[0] == "E":
            failed.append(line)
        elif f[0] == "S":
            summary = line
    return acked, failed, summary


# ---------------------------------------------------------------------------------------------
# Nemeses: each takes (cluster, topic, notes) and performs one round, leaving healing to heal()


def leader_of(cl, topic, p=0, timeout=30):
    return wait_for(lambda: (lambda l: l if l in cl.brokers else None)(
        partition_state(cl.zk, CHROOT, topic, p)[0]["leader"]), timeout, f"a leader for {topic}-{p}")


def wait_new_leader(cl, topic, old, timeout):
    wait_for(lambda: all(partition_state(cl.zk, CHROOT, topic, p)[0]["leader"] not in (old, -1)
                         for p in range(PARTITIONS)),
             timeout, f"leadership of {topic} off broker {old}", interval=0.05)


def nemesis_kill_leader(cl, topic, notes):
    victim = cl.brokers[leader_of(cl, topic)]
    log(f"kill-leader: SIGKILL broker {victim.id}")
    victim.kill()
    wait_new_leader(cl, topic, victim.id, SESSION_MS / 1000 + 30)
    victim.start()


def nemesis_pause_leader(cl, topic, notes):
    victim = cl.brokers[leader_of(cl, topic)]
    log(f"pause-leader: SIGSTOP broker {victim.id}")
    victim.proc.send_signal(signal.SIGSTOP)
    try:
        wait_for(lambda: cl.zk.exists(victim.ids_path) is None, SESSION_MS / 1000 + 20,
                 f"broker {victim.id}'s session to expire", interval=0.05)
        wait_new_leader(cl, topic, victim.id, 30)
    finally:
        victim.proc.send_signal(signal.SIGCONT)
    log(f"pause-leader: SIGCONT broker {victim.id}")
    try:
        victim.wait_ready(timeout=40)  # a new session: registered again
    except RuntimeError as e:  # it exited instead; heal() restarts it
        notes.append(f"broker {victim.id} exited after SIGCONT: {str(e).splitlines()[0]}")


def nemesis_kill_controller(cl, topic, notes):
    cid = wait_for(lambda: cl.zk.exists(f"{CHROOT}/controller") and controller_id(cl.zk, CHROOT), 30, "a controller")
    victim = cl.brokers[cid]
    log(f"kill-controller: SIGKILL broker {cid}")
    victim.kill()
    wait_for(lambda: cl.zk.exists(f"{CHROOT}/controller") and controller_id(cl.zk, CHROOT) != cid,
             SESSION_MS / 1000 + 30, "a new controller", interval=0.05)
    wait_new_leader(cl, topic, cid, 30)
    victim.start()


def expect_progress(producer, n, when, notes):
    """Waits (30 s at most) for @n more acknowledgements; a note when they do not come."""
    if producer is None:
        return
    before = producer.acked()
    try:
        producer.wait_acks(before + n, 30, f"{n} acknowledgements {when}")
    except TimeoutError as e:
        notes.append(f"no progress {when}: {e}")


def nemesis_kill_zk(cl, topic, notes, producer=None):
    n = next((i for i in (1, 2, 3) if cl.zk_mode(i) == "leader"), 1)
    pid = cl.zk_pid(n)
    assert pid, f"ZooKeeper node {n} not running"
    log(f"kill-zk: SIGKILL ZooKeeper node {n} (pid {pid}, the quorum leader)")
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not Path(f"/proc/{pid}").exists() or helpers.cmdline(pid) in (None, ""), 20, "the node to die")
    expect_progress(producer, 200, f"with ZooKeeper node {n} down", notes)
    cl._zk_script("start", check=True)
    log(f"kill-zk: ZooKeeper node {n} restarted, quorum up")


def nemesis_cut_connections(cl, topic, notes, producer=None):
    for i in range(5):
        cut = sum(helpers.cut_connections(b.plaintext_port) for b in cl.brokers.values() if b.running)
        log(f"cut-connections: {cut} connections cut ({i + 1}/5)")
        # a second of traffic between cuts: retries of batches whose answers were lost meet
        # a new connection each time
        expect_progress(producer, producer.rate if producer else 0, "after a connection cut", notes)


def nemesis_rolling_restart(cl, topic, notes):
    for b in cl.brokers.values():
        log(f"rolling-restart: SIGTERM broker {b.id}")
        rc = b.stop()
        if rc != 0:
            notes.append(f"broker {b.id} exit code {rc} after SIGTERM")
        b.start()
        cl.wait_full_isr(topic, cl.opts.heal_timeout, notes)


def nemesis_truncate_follower(cl, topic, notes):
    lid = leader_of(cl, topic)
    reps = assignment(cl.zk, CHROOT, topic)
    fid = next(r for r in reps[0] if r != lid)
    follower = cl.brokers[fid]
    following = [p for p in range(PARTITIONS) if partition_state(cl.zk, CHROOT, topic, p)[0]["leader"] != fid]
    log(f"truncate-follower: SIGKILL broker {fid}, cut partitions {following}")
    follower.kill()
    for p in following:
        seg = active_segment(partition_dir(follower.data_dir, topic, p))
        if seg is None:
            notes.append(f"broker {fid} has no segment for {topic}-{p}")
            continue
        size = seg.stat().st_size
        cut = size // 2
        os.truncate(seg, cut)
        log(f"truncate-follower: {seg} {size} -> {cut} bytes")
    follower.start()


NEMESIS_FNS = {
    "kill-leader": nemesis_kill_leader,
    "pause-leader": nemesis_pause_leader,
    "kill-controller": nemesis_kill_controller,
    "kill-zk": nemesis_kill_zk,
    "rolling-restart": nemesis_rolling_restart,
    "truncate-follower": nemesis_truncate_follower,
    "cut-connections": nemesis_cut_connections,
}


# ---------------------------------------------------------------------------------------------
# Verification


def consume_partition(cl, topic, p, timeout):
    """Reads topic-p from the beginning to its high watermark; returns ([(offset, value)], hw)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    c = Consumer({"bootstrap.servers": cl.bootstrap, "group.id": "fault-verify", "enable.auto.commit": False,
                  "enable.partition.eof": True, "fetch.wait.max.ms": 100})
    try:
        _, hw = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)
        out = []
        if hw <= 0:
            return out, hw
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING)])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    if out and out[-1][0] >= hw - 1:
                        break
                    continue
                raise RuntimeError(f"consume {topic}-{p}: {m.error()}")
            v = m.value()
            out.append((m.offset(), int(v) if v is not None and v.isdigit() else -1))
            if m.offset() >= hw - 1:
                break
        else:
            raise RuntimeError(f"consume {topic}-{p}: {len(out)} records read before the deadline, hw {hw}")
        return out, hw
    finally:
        c.close()


def verify(cl, topic, ack_path, t0, t1, notes, catchup_timeout):
    acked, failed, summary = read_producer_log(ack_path)
    res = {"acked": len(acked), "failed": len(failed), "lost": 0, "moved": 0, "order": 0, "dups": 0,
           "reacked": 0,
           "divergence": 0, "unavail_ms": 0, "summary": summary, "examples": []}
    by_part = {}
    for p, off, val, ts in acked:
        by_part.setdefault(p, []).append((off, val, ts))
    for p in range(PARTITIONS):
        records, hw = consume_partition(cl, topic, p, timeout=60)
        at = dict(records)
        where = {}
        for off, val in records:
            where.setdefault(val, []).append(off)
        # lost / moved
        for off, val, _ in by_part.get(p, []):
            if at.get(off) != val:
                if val in where:
                    res["moved"] += 1
                else:
                    res["lost"] += 1
                if len(res["examples"]) < 10:
                    res["examples"].append(f"p{p} acked offset {off} value {val}: read {at.get(off)!r}"
                                           f"{', value at ' + str(where[val]) if val in where else ''} (hw {hw})")
        # duplicates
        res["dups"] += sum(len(offs) - 1 for offs in where.values())
        # order: first occurrences increasing; acknowledged offsets increasing with the value
        seen, last = set(), -1
        for off, val in records:
            if val in seen:
                continue
            seen.add(val)
            if val < last:
                res["order"] += 1
                if len(res["examples"]) < 10:
                    res["examples"].append(f"p{p} offset {off}: value {val} after {last}")
            last = max(last, val)
        acks = sorted(by_part.get(p, []), key=lambda a: a[1])
        for a, b in zip(acks, acks[1:]):
            if b[0] <= a[0]:
                res["reacked"] += 1
                if len(res["examples"]) < 10:
                    res["examples"].append(f"p{p} value {b[1]} acked at offset {b[0]} <= {a[0]} of value {a[1]}")
        # unavailability: longest ack gap overlapping the fault window
        times = sorted(ts for _, _, ts in by_part.get(p, []))
        for a, b in zip(times, times[1:]):
            if b >= t0 * 1000 and a <= t1 * 1000:
                res["unavail_ms"] = max(res["unavail_ms"], b - a)
    # replica divergence among the ISR members, below the high watermark: one bounded wait
    # for every partition's ISR to hold its high watermark on disk, then batch-by-batch compare
    checks = {}
    for p in range(PARTITIONS):
        st = partition_state(cl.zk, CHROOT, topic, p)[0]
        if st["leader"] not in cl.brokers:
            notes.append(f"p{p} has no leader after healing ({st}): replicas not compared")
            res["divergence"] += 1
            continue
        lhw = high_watermark(cl.brokers[st["leader"]].plaintext_port, topic, p)
        members = [st["leader"]] + [b for b in st["isr"] if b != st["leader"]]
        checks[p] = (lhw, {b: partition_dir(cl.brokers[b].data_dir, topic, p) for b in members})
    try:
        wait_for(lambda: all(log_end(d) >= lhw for lhw, dirs in checks.values() for d in dirs.values()),
                 catchup_timeout, f"the ISR members of {topic} to hold the high watermark on disk")
    except TimeoutError as e:
        notes.append(str(e).split(" (last")[0] + ": " + ", ".join(
            f"p{p} hw {lhw} ends " + "/".join(f"{b}:{log_end(d)}" for b, d in dirs.items())
            for p, (lhw, dirs) in checks.items()))
    for p, (lhw, dirs) in checks.items():
        problems = compare_replicas(dirs, lhw)
        if problems:
            res["divergence"] += 1
            res["examples"] += [f"p{p}: {x}" for x in problems[:3]]
    return res


# ---------------------------------------------------------------------------------------------
# Driver


def run_fault(cl, name, opts, workdir):
    topic = f"fault-{name}"
    notes = []
    create_topic(cl.live_broker(), topic, partitions=PARTITIONS, replication_factor=3,
                 config={"min.insync.replicas": "2"})
    cl.wait_full_isr(topic, opts.heal_timeout, notes)
    ack_path = Path(workdir) / f"{name}.acks"
    prod = Producer(cl, topic, ack_path, opts)
    t0 = t1 = time.time()
    try:
        prod.wait_acks(opts.warmup, 60, f"{opts.warmup} acknowledgements before the fault")
        t0 = time.time()
        for r in range(opts.rounds):
            log(f"{name}: round {r + 1}/{opts.rounds}")
            try:
                if name in ("kill-zk", "cut-connections"):
                    NEMESIS_FNS[name](cl, topic, notes, producer=prod)
                else:
                    NEMESIS_FNS[name](cl, topic, notes)
            finally:
                cl.heal(topic, opts.heal_timeout, notes)
        t1 = time.time()
        before = prod.acked()
        try:
            prod.wait_acks(before + opts.warmup, 60, "acknowledgements after healing")
        except TimeoutError as e:
            notes.append(f"no progress after healing: {e}")
    finally:
        rc = prod.finish()
    if rc != 0:
        notes.append(f"producer exit code {rc}")
    res = verify(cl, topic, ack_path, t0, t1, notes, catchup_timeout=opts.heal_timeout / 2)
    res["notes"] = notes
    res["idempotent"] = opts.idempotent
    return res


def print_table(rows):
    hdr = ["fault", "acked", "failed", "lost", "moved", "order", "dups", "reacked", "divergence", "unavail_ms",
           "verdict"]
    widths = [18, 7, 6, 5, 5, 5, 5, 7, 10, 10, 7]
    print(" ".join(h.ljust(w) for h, w in zip(hdr, widths)))
    for name, r in rows:
        if "error" in r:
            print(f"{name.ljust(18)} ERROR: {r['error']}")
            continue
        cells = [name, r["acked"], r["failed"], r["lost"], r["moved"], r["order"], r["dups"], r["reacked"],
                 r["divergence"],
                 r["unavail_ms"], "FAIL" if bad(r) else "ok"]
        print(" ".join(str(c).ljust(w) for c, w in zip(cells, widths)))
    for name, r in rows:
        for ex in r.get("examples", [])[:10]:
            print(f"  {name}: {ex}")
        for n in r.get("notes", []):
            print(f"  {name}: note: {n}")


def bad(r):
    exactly_once = r.get("idempotent") and (r["dups"] or r["reacked"])
    return "error" in r or r["lost"] or r["moved"] or r["order"] or r["divergence"] or exactly_once


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 round each, a few thousand records")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--only", default="", help="comma-separated nemeses (default all)")
    ap.add_argument("--rate", type=int, default=None, help="records per second")
    ap.add_argument("--idempotent", action="store_true",
                    help="idempotent producer: duplicates and re-acknowledgements then fail the fault")
    ap.add_argument("--workdir", default=None, help="kept; default a fresh folder under /tmp, kept on failure")
    ap.add_argument("--keep", action="store_true", help="keep the work folder even when everything passed")
    opts = ap.parse_args()
    opts.rounds = opts.rounds or (1 if opts.quick else 5)
    opts.rate = opts.rate or (150 if opts.quick else 500)
    opts.lag_ms = 3000 if opts.quick else 5000
    opts.heal_timeout = 20 if opts.quick else 60
    opts.warmup = 300 if opts.quick else 1000
    opts.producer_seconds = 300 if opts.quick else 3600
    opts.max_records = opts.rate * opts.producer_seconds
    names = [n for n in opts.only.split(",") if n] or NEMESES
    for n in names:
        if n not in NEMESIS_FNS:
            ap.error(f"unknown nemesis {n} (known: {', '.join(NEMESES)})")
    for binary in (helpers.SERVER_BIN, PRODUCER_BIN):
        if not binary.exists():
            raise SystemExit(f"{binary} not built (cmake --build --preset dev)")

    try:
        lock = helpers.take_session_lock()
    except TimeoutError as e:
        raise SystemExit(str(e))
    workdir = Path(opts.workdir) if opts.workdir else Path(tempfile.mkdtemp(prefix="cafka-fault-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log(f"work folder {workdir}; nemeses {names}; {opts.rounds} round(s); {opts.rate} records/s")
    rows = []
    cl = None
    started = time.monotonic()
    try:
        cl = Cluster(workdir, opts)
        cl.start()
        for name in names:
            log(f"=== {name}")
            t = time.monotonic()
            try:
                r = run_fault(cl, name, opts, workdir)
            except Exception as e:  # noqa: BLE001 - reported in the table, the next fault runs
                traceback.print_exc()
                r = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}
                try:
                    cl.heal(f"fault-{name}", opts.heal_timeout, [])
                except Exception as e2:  # noqa: BLE001
                    log(f"heal after error failed: {e2}")
            log(f"=== {name} done in {time.monotonic() - t:.0f}s: "
                + json.dumps({k: v for k, v in r.items() if k not in ('examples',)}))
            rows.append((name, r))
    finally:
        if cl is not None:
            cl.stop()
        lock.close()  # releases the flock
    (workdir / "report.json").write_text(json.dumps(dict(rows), indent=2))
    print()
    print(f"fault suite: {len(rows)} fault(s), {opts.rounds} round(s) each, {time.monotonic() - started:.0f}s")
    print_table(rows)
    failed = any(bad(r) for _, r in rows)
    if failed or opts.keep or opts.workdir:
        print(f"work folder kept: {workdir} (broker logs in broker-N/broker.log, acks in <fault>.acks)")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
