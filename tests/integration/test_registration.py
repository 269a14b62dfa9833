"""Broker registration in ZooKeeper: re-registration after a session expiry, a broker id held
by another live session, a log dir that belongs to another cluster, and the written znodes
against zk-schema/."""

import json
import os
import signal
import time

import jsonschema
import pytest

from helpers import REPO, create_topic, kcat, kcat_args, scaled, wait_for

SCHEMAS = REPO / "zk-schema"


def schema(name):
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text())


def test_reregisters_after_session_expiry(broker_factory, zk):
    b = broker_factory(overrides={"zookeeper.session.timeout.ms": "4000"})
    create_topic(b, "expiry-topic", partitions=1)
    before = zk.exists(b.ids_path)
    # A paused process cannot heartbeat: ZooKeeper expires its session and drops the ephemeral.
    os.kill(b.proc.pid, signal.SIGSTOP)
    try:
        wait_for(lambda: zk.exists(b.ids_path) is None, scaled(20), "registration to expire")
    finally:
        os.kill(b.proc.pid, signal.SIGCONT)
    wait_for(lambda: zk.exists(b.ids_path) is not None, scaled(20), "re-registration")
    after = zk.exists(b.ids_path)
    assert after.ephemeralOwner not in (0, before.ephemeralOwner)
    assert after.czxid > before.czxid  # a new broker epoch
    assert after.version == 1  # create + setData, as Kafka registers
    data, _ = zk.get(b.ids_path)
    jsonschema.validate(json.loads(data), schema("broker-registration"))
    # still serving
    kcat(kcat_args(b) + ["-P", "-t", "expiry-topic"], input=b"after-expiry\n")
    out = kcat(kcat_args(b) + ["-C", "-t", "expiry-topic", "-o", "beginning", "-e", "-f", "%s\n"])
    assert out.stdout.split() == [b"after-expiry"]


def test_broker_id_held_by_live_session_is_refused(broker_factory, tmp_path):
    first = broker_factory(broker_id=1)
    # Same id, other ports and data dir: it must not steal the registration.
    from helpers import Broker

    dup = Broker(first.zk, first.certs, tmp_path / "dup", 1, first.chroot,
                 overrides={"listeners": "PLAINTEXT://127.0.0.1:29190",
                            "advertised.listeners": "PLAINTEXT://127.0.0.1:29190"})
    dup.start(wait=False)
    rc = dup.wait_exit(scaled(30))
    assert rc != 0
    assert "already registered" in dup.log_text()
    # the first broker keeps its registration
    assert first.zk.exists(first.ids_path).ephemeralOwner == first._owner


def test_cluster_id_mismatch_refuses_start(broker_factory):
    b = broker_factory()
    assert b.stop() == 0
    meta = b.data_dir / "meta.properties"
    text = meta.read_text()
    assert "cluster.id=" in text and "version=0" in text and "broker.id=1" in text
    meta.write_text("\n".join(
        "cluster.id=AAAAAAAAAAAAAAAAAAAAAA" if line.startswith("cluster.id=") else line
        for line in text.splitlines()) + "\n")
    b.start(wait=False)
    rc = b.wait_exit(scaled(30))
    assert rc != 0
    assert "wrong cluster" in b.log_text()


def test_written_znodes_match_zk_schema(broker, zk):
    create_topic(broker, "schema-topic", partitions=3, config={"retention.ms": "86400000"})
    root = broker.chroot
    checks = {
        f"{root}/cluster/id": "cluster-id",
        f"{root}/brokers/ids/1": "broker-registration",
        f"{root}/brokers/topics/schema-topic": "topic-assignment",
        f"{root}/config/topics/schema-topic": "topic-config",
    }
    for path, name in checks.items():
        data, _ = zk.get(path)
        jsonschema.validate(json.loads(data), schema(name))
    topic = json.loads(zk.get(f"{root}/brokers/topics/schema-topic")[0])
    assert topic["partitions"] == {"0": [1], "1": [1], "2": [1]}
    cfg = json.loads(zk.get(f"{root}/config/topics/schema-topic")[0])
    assert cfg == {"version": 1, "config": {"retention.ms": "86400000"}}
    # Kafka's persistent skeleton
    for p in ["/consumers", "/brokers/seqid", "/config/changes", "/config/brokers", "/admin/delete_topics",
              "/isr_change_notification", "/log_dir_event_notification", "/latest_producer_id_block"]:
        assert zk.exists(root + p) is not None, p
