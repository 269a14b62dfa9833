"""The ZooKeeper tree as an operator sees it with zkCli.sh: Kafka's paths and JSON, under the
broker's chroot."""

import json
import re
import time

from helpers import create_topic, zkcli_json, zkcli_ls


def test_broker_registration(broker, zk):
    data = zkcli_json(f"{broker.chroot}/brokers/ids/1")
    assert data["version"] == 5
    assert data["host"] == "127.0.0.1"
    assert data["port"] == broker.plaintext_port
    assert data["jmx_port"] == -1
    assert isinstance(data["timestamp"], str) and data["timestamp"].isdigit(), data["timestamp"]
    assert data["endpoints"] == broker.endpoints
    assert data["listener_security_protocol_map"] == {"PLAINTEXT": "PLAINTEXT", "SSL": "SSL"}
    assert data["features"] == {}
    assert "rack" not in data  # only written when broker.rack is set

    assert zkcli_ls(f"{broker.chroot}/brokers/ids") == ["1"]
    stat = zk.exists(broker.ids_path)
    assert stat is not None and stat.ephemeralOwner != 0, "/brokers/ids/1 must be ephemeral"


def test_cluster_id(broker):
    data = zkcli_json(f"{broker.chroot}/cluster/id")
    assert data["version"] == "1"  # a string, as Kafka writes it
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", data["id"]), data


def test_created_topic(broker, zk):
    topic = "layout-topic"
    create_topic(broker, topic, partitions=3)

    assert topic in zkcli_ls(f"{broker.chroot}/brokers/topics")
    assignment = zkcli_json(f"{broker.chroot}/brokers/topics/{topic}")
    assert assignment["version"] == 3
    assert assignment["partitions"] == {"0": [1], "1": [1], "2": [1]}

    assert zk.exists(f"{broker.chroot}/config/topics/{topic}") is not None
    raw, _ = zk.get(f"{broker.chroot}/config/topics/{topic}")
    cfg = json.loads(raw)
    assert cfg["version"] == 1 and isinstance(cfg["config"], dict), cfg


def test_ephemeral_registration_goes_with_the_broker(broker, zk):
    assert zk.exists(broker.ids_path) is not None
    assert broker.stop() == 0
    # A clean shutdown closes the session, so the ephemeral znode is gone at once (no session
    # timeout to wait for); allow a little slack for the close to reach every node.
    deadline = time.monotonic() + 5
    while zk.exists(broker.ids_path) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert zk.exists(broker.ids_path) is None
