"""`cafka topics` and `cafka configs` (src/cli/admin_*.c) against real brokers: the flags, output
and exit codes of Kafka's kafka-topics.sh and kafka-configs.sh (exit 0 done, 1 the operation
failed with exactly one `Error: ...` line on stderr, 2 bad usage).
"""

import json
import re
import socket
import subprocess
import time

import pytest

from helpers import BIN_DIR, admin_client, scaled, wait_for

CAFKA = str(BIN_DIR / "cafka")



def cafka(*args, timeout=60):
    """Runs bin/cafka; returns the CompletedProcess (text)."""
    cmd = [CAFKA, *map(str, args)]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=scaled(timeout))
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"cafka hung for {timeout}s: {cmd}\nstderr: {e.stderr!r}")


def ok(*args):
    cp = cafka(*args)
    assert cp.returncode == 0, f"{args} -> {cp.returncode}\nstdout: {cp.stdout}\nstderr: {cp.stderr}"
    assert cp.stderr == "", cp.stderr
    return cp.stdout


def fails(*args, rc=1):
    """Runs a command that must fail; returns its one stderr line."""
    cp = cafka(*args)
    assert cp.returncode == rc, f"{args} -> {cp.returncode} (expected {rc})\nstdout: {cp.stdout}\nstderr: {cp.stderr}"
    lines = cp.stderr.splitlines()
    assert lines and lines[0].startswith("Error: "), cp.stderr
    if rc == 1:
        assert len(lines) == 1, f"expected one error line, got:\n{cp.stderr}"
        assert cp.stdout == "", cp.stdout
    else:
        assert any(line.startswith("usage: cafka ") for line in lines), cp.stderr
    return lines[0]


def topics(broker, *args):
    return ("topics", "--bootstrap-server", broker.bootstrap, *args)


def configs(broker, *args):
    return ("configs", "--bootstrap-server", broker.bootstrap, *args)


def topic_config_znode(zk, broker, topic):
    raw, _ = zk.get(f"{broker.chroot}/config/topics/{topic}")
    return json.loads(raw)


def metadata_partitions(broker, topic):
    md = admin_client(broker).list_topics(topic=topic, timeout=5)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        return None
    return {p.id: p for p in t.partitions.values()}


def wait_partitions(broker, topic, n):
    """Waits until Metadata shows n partitions of topic, each with a leader."""

    def ready():
        parts = metadata_partitions(broker, topic)
        return parts if parts and len(parts) == n and all(p.leader >= 0 for p in parts.values()) else None

    return wait_for(ready, scaled(20), f"{topic} with {n} partitions and leaders")


def describe_lines(broker, *args):
    return ok(*topics(broker, "--describe", *args)).splitlines()


def parse_topic_line(line):
    """'Topic: t\\tPartitionCount: 3\\tReplicationFactor: 1\\tConfigs: a=1,b=2' -> fields, with
    Configs as a dict (its order is the broker's)."""
    fields = dict(f.split(": ", 1) if ": " in f else (f.rstrip(":"), "") for f in line.split("\t"))
    assert list(fields) == ["Topic", "PartitionCount", "ReplicationFactor", "Configs"], line
    cfg = fields["Configs"]
    fields["Configs"] = dict(kv.split("=", 1) for kv in cfg.split(",")) if cfg else {}
    return fields


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------------------------------------
# Usage and connection errors (no broker API involved)


@pytest.mark.parametrize(
    "args",
    [
        ("topics",),
        ("topics", "--bootstrap-server", "127.0.0.1:1"),  # no action
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--list", "--describe"),  # two actions
        ("topics", "--list"),  # no --bootstrap-server
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--create"),  # no --topic
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--create", "--topic", "t", "--partitions", "x"),
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--create", "--topic", "t", "--partitions", "0"),
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--create", "--topic", "t", "--replication-factor", "0"),
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--create", "--topic", "t", "--config", "novalue"),
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--create", "--topic", "t", "--partitions", "2",
         "--replica-assignment", "1,1"),
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--create", "--topic", "t", "--replica-assignment", "1:2,1"),
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--create", "--topic", "t", "--replica-assignment", "1:1"),
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--create", "--topic", "t", "--if-exists"),
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--alter", "--topic", "t"),  # no --partitions
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--alter", "--topic", "t", "--partitions", "3",
         "--config", "a=b"),
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--list", "--partitions", "3"),
        ("topics", "--bootstrap-server", "127.0.0.1:1", "--list", "--bogus"),
        ("topics", "--bootstrap-server"),  # missing value
        ("topics", "--zookeeper", "127.0.0.1:2181", "--list"),
        ("configs", "--bootstrap-server", "127.0.0.1:1", "--entity-type", "topics", "--entity-name", "t"),
        ("configs", "--bootstrap-server", "127.0.0.1:1", "--entity-type", "clients", "--describe"),
        ("configs", "--bootstrap-server", "127.0.0.1:1", "--entity-type", "brokers", "--entity-name", "one",
         "--describe"),
        ("configs", "--bootstrap-server", "127.0.0.1:1", "--entity-type", "topics", "--alter",
         "--add-config", "a=1"),  # --alter without --entity-name
        ("configs", "--bootstrap-server", "127.0.0.1:1", "--entity-type", "topics", "--entity-name", "t",
         "--alter"),  # nothing to change
        ("configs", "--bootstrap-server", "127.0.0.1:1", "--entity-type", "topics", "--entity-name", "t",
         "--alter", "--add-config", "novalue"),
        ("configs", "--bootstrap-server", "127.0.0.1:1", "--entity-type", "topics", "--entity-name", "t",
         "--describe", "--add-config", "a=1"),
        ("nosuchcommand",),
    ],
)
def test_bad_usage_exits_2_with_usage(args):
    fails(*args, rc=2)


def test_help_goes_to_stdout():
    for cmd in ("topics", "configs"):
        out = ok(cmd, "--help")
        assert out.startswith(f"usage: cafka {cmd} ")
        assert "--bootstrap-server" in out


@pytest.mark.parametrize("cmd", [("topics", "--list"), ("configs", "--entity-type", "topics", "--describe")])
def test_connection_refused_fails_fast_with_one_line(cmd):
    port = closed_port()
    t0 = time.monotonic()
    line = fails(cmd[0], "--bootstrap-server", f"127.0.0.1:{port}", *cmd[1:])
    assert time.monotonic() - t0 < scaled(15)
    context = "topic" if cmd[0] == "topics" else "config"
    assert line.startswith(f"Error: while executing {context} command : "), line
    assert f"127.0.0.1:{port}" in line and "refused" in line, line


LE = ("leader-election", "--bootstrap-server", "127.0.0.1:1")


@pytest.mark.parametrize(
    "args",
    [
        ("leader-election",),
        ("leader-election", "--election-type", "preferred", "--all-topic-partitions"),  # no bootstrap
        (*LE, "--all-topic-partitions"),  # no --election-type
        (*LE, "--election-type", "random", "--all-topic-partitions"),
        (*LE, "--election-type", "preferred"),  # nothing to elect
        (*LE, "--election-type", "preferred", "--all-topic-partitions", "--topic", "t", "--partition", "0"),
        (*LE, "--election-type", "preferred", "--topic", "t"),  # no --partition
        (*LE, "--election-type", "preferred", "--partition", "0", "--all-topic-partitions"),
        (*LE, "--election-type", "preferred", "--topic", "t", "--partition", "x"),
        (*LE, "--election-type", "preferred", "--all-topic-partitions", "--bogus"),
        (*LE, "--election-type"),  # missing value
    ],
)
def test_leader_election_bad_usage_exits_2(args):
    fails(*args, rc=2)


def test_leader_election_help_and_errors(tmp_path):
    out = ok("leader-election", "--help")
    assert out.startswith("usage: cafka leader-election ")
    for flag in ("--election-type", "--all-topic-partitions", "--path-to-json-file", "--partition"):
        assert flag in out
    assert "leader-election" in ok("--help")

    port = closed_port()
    t0 = time.monotonic()
    line = fails("leader-election", "--bootstrap-server", f"127.0.0.1:{port}", "--election-type", "PREFERRED",
                 "--topic", "t", "--partition", "0")
    assert time.monotonic() - t0 < scaled(15)
    assert f"127.0.0.1:{port}" in line and "refused" in line, line

    bad = tmp_path / "bad.json"
    bad.write_text('{"partitions": [{"topic": "t"}]}')
    line = fails("leader-election", "--bootstrap-server", f"127.0.0.1:{port}", "--election-type", "unclean",
                 "--path-to-json-file", str(bad))
    assert "partitions" in line, line
    dup = tmp_path / "dup.json"
    dup.write_text('{"partitions": [{"topic": "t", "partition": 0}, {"topic": "t", "partition": 0}]}')
    line = fails("leader-election", "--bootstrap-server", f"127.0.0.1:{port}", "--election-type", "unclean",
                 "--path-to-json-file", str(dup))
    assert "duplicate partitions: t-0" in line, line


def test_command_config_ssl_and_bad_property(broker, certs, tmp_path):
    ok(*topics(broker, "--create", "--topic", "over-ssl", "--partitions", "1"))
    props = tmp_path / "client-ssl.properties"
    props.write_text(f"# librdkafka properties\nsecurity.protocol = ssl\nssl.ca.location={certs.ca}\n\n")
    wait_for(
        lambda: "over-ssl" in ok("topics", "--bootstrap-server", broker.ssl_bootstrap, "--command-config", props,
                                 "--list").split(),
        scaled(20),
        "over-ssl listed over SSL",
    )
    bad = tmp_path / "bad.properties"
    bad.write_text("ssl.truststore.password=x\n")  # a Java client property librdkafka lacks
    line = fails("topics", "--bootstrap-server", broker.ssl_bootstrap, "--command-config", bad, "--list")
    assert "bad.properties:1" in line and "ssl.truststore.password" in line, line


# ---------------------------------------------------------------------------------------------
# kafka-topics.sh


def test_create_then_list(broker, zk):
    out = ok(*topics(broker, "--create", "--topic", "cli-orders", "--partitions", "3", "--replication-factor", "1",
                     "--config", "retention.ms=86400000", "--config", "cleanup.policy=compact"))
    assert out == "Created topic cli-orders.\n"
    assert topic_config_znode(zk, broker, "cli-orders")["config"] == {
        "retention.ms": "86400000",
        "cleanup.policy": "compact",
    }
    parts = wait_partitions(broker, "cli-orders", 3)
    assert all(p.replicas == [1] for p in parts.values())

    ok(*topics(broker, "--create", "--topic", "cli-a", "--partitions", "1"))
    wait_partitions(broker, "cli-a", 1)
    listed = ok(*topics(broker, "--list")).splitlines()
    assert listed == sorted(listed)
    assert {"cli-a", "cli-orders"} <= set(listed)
    assert ok(*topics(broker, "--list", "--topic", "cli-o.*")) == "cli-orders\n"
    assert ok(*topics(broker, "--list", "--topic", "cli-a,cli-orders")) == "cli-a\ncli-orders\n"
    assert ok(*topics(broker, "--list", "--topic", "cli")) == ""  # a whole-name match, as Kafka


def test_create_uses_broker_defaults(broker_factory):
    b = broker_factory(overrides={"num.partitions": "2"})
    assert ok(*topics(b, "--create", "--topic", "cli-defaults")) == "Created topic cli-defaults.\n"
    parts = wait_partitions(b, "cli-defaults", 2)
    assert all(p.replicas == [1] for p in parts.values())


def test_create_with_replica_assignment(broker):
    ok(*topics(broker, "--create", "--topic", "cli-assigned", "--replica-assignment", "1,1,1"))
    parts = wait_partitions(broker, "cli-assigned", 3)
    assert all(p.replicas == [1] for p in parts.values())
    line = fails(*topics(broker, "--create", "--topic", "cli-unassignable", "--replica-assignment", "1:7"))
    assert line.startswith("Error: while executing topic command : "), line


def test_create_existing_topic_fails_unless_if_not_exists(broker):
    ok(*topics(broker, "--create", "--topic", "cli-dup", "--partitions", "2"))
    line = fails(*topics(broker, "--create", "--topic", "cli-dup", "--partitions", "2"))
    assert line.startswith("Error: while executing topic command : "), line
    assert "already exists" in line, line
    assert ok(*topics(broker, "--create", "--topic", "cli-dup", "--partitions", "2", "--if-not-exists")) == ""


def test_create_invalid_config_fails(broker):
    line = fails(*topics(broker, "--create", "--topic", "cli-badcfg", "--config", "retention.ms=soon"))
    assert line.startswith("Error: while executing topic command : "), line


def test_commands_on_missing_topic(broker):
    for action in (("--describe",), ("--delete",), ("--alter", "--partitions", "4")):
        line = fails(*topics(broker, *action, "--topic", "cli-nope"))
        assert line == "Error: while executing topic command : Topic 'cli-nope' does not exist as expected"
        assert ok(*topics(broker, *action, "--topic", "cli-nope", "--if-exists")) == ""


def test_describe(broker):
    ok(*topics(broker, "--create", "--topic", "cli-desc", "--partitions", "3", "--replication-factor", "1",
               "--config", "retention.ms=86400000", "--config", "cleanup.policy=compact"))
    ok(*topics(broker, "--create", "--topic", "cli-plain", "--partitions", "1"))
    wait_partitions(broker, "cli-desc", 3)
    wait_partitions(broker, "cli-plain", 1)

    lines = describe_lines(broker, "--topic", "cli-desc")
    assert len(lines) == 4, lines
    head = parse_topic_line(lines[0])
    assert head == {
        "Topic": "cli-desc",
        "PartitionCount": "3",
        "ReplicationFactor": "1",
        "Configs": {"retention.ms": "86400000", "cleanup.policy": "compact"},
    }
    assert lines[1:] == [f"\tTopic: cli-desc\tPartition: {p}\tLeader: 1\tReplicas: 1\tIsr: 1" for p in range(3)]

    plain = describe_lines(broker, "--topic", "cli-plain")
    assert plain == [
        "Topic: cli-plain\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: ",
        "\tTopic: cli-plain\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1",
    ]

    # every topic, sorted; --topics-with-overrides keeps only the topic lines with overrides
    everything = describe_lines(broker)
    heads = [parse_topic_line(line)["Topic"] for line in everything if line.startswith("Topic: ")]
    assert heads == sorted(heads) and {"cli-desc", "cli-plain"} <= set(heads)
    assert describe_lines(broker, "--topic", "cli-.*", "--topics-with-overrides") == [lines[0]]
    assert describe_lines(broker, "--topic", "cli-.*", "--under-replicated-partitions") == []
    assert describe_lines(broker, "--topic", "cli-.*", "--unavailable-partitions") == []


def test_alter_partitions(broker):
    ok(*topics(broker, "--create", "--topic", "cli-grow", "--partitions", "2"))
    wait_partitions(broker, "cli-grow", 2)
    assert ok(*topics(broker, "--alter", "--topic", "cli-grow", "--partitions", "5")) == ""
    wait_partitions(broker, "cli-grow", 5)
    lines = describe_lines(broker, "--topic", "cli-grow")
    assert parse_topic_line(lines[0])["PartitionCount"] == "5"
    assert [line.split("\t")[2] for line in lines[1:]] == [f"Partition: {p}" for p in range(5)]

    # shrinking or keeping the count is the broker's INVALID_PARTITIONS
    line = fails(*topics(broker, "--alter", "--topic", "cli-grow", "--partitions", "5"))
    assert line.startswith("Error: while executing topic command : "), line

    # --replica-assignment lists every partition; the existing ones are skipped
    ok(*topics(broker, "--alter", "--topic", "cli-grow", "--partitions", "6", "--replica-assignment", "1,1,1,1,1,1"))
    parts = wait_partitions(broker, "cli-grow", 6)
    assert parts[5].replicas == [1]


def test_delete(broker):
    ok(*topics(broker, "--create", "--topic", "cli-doomed-1", "--partitions", "2"))
    ok(*topics(broker, "--create", "--topic", "cli-doomed-2", "--partitions", "1"))
    ok(*topics(broker, "--create", "--topic", "cli-keeper", "--partitions", "1"))
    for t, n in (("cli-doomed-1", 2), ("cli-doomed-2", 1), ("cli-keeper", 1)):
        wait_partitions(broker, t, n)
    assert ok(*topics(broker, "--delete", "--topic", "cli-doomed-.*")) == ""
    wait_for(
        lambda: not {"cli-doomed-1", "cli-doomed-2"} & set(ok(*topics(broker, "--list")).split()),
        scaled(30),
        "deleted topics gone from --list",
    )
    assert "cli-keeper" in ok(*topics(broker, "--list")).split()
    line = fails(*topics(broker, "--delete", "--topic", "cli-doomed-1"))
    assert line == "Error: while executing topic command : Topic 'cli-doomed-1' does not exist as expected"


def test_three_brokers_describe_replicas(broker_factory):
    brokers = [broker_factory(broker_id=i) for i in (1, 2, 3)]
    b = brokers[0]
    wait_for(lambda: len(admin_client(b).list_topics(timeout=5).brokers) == 3, scaled(20), "3 brokers in metadata")
    ok(*topics(b, "--create", "--topic", "cli-rf3", "--partitions", "6", "--replication-factor", "3"))

    def described():
        lines = describe_lines(b, "--topic", "cli-rf3")
        parts = [dict(f.split(": ", 1) for f in line.strip("\t").split("\t")) for line in lines[1:]]
        if len(parts) == 6 and all(p["Leader"] != "none" and len(p["Isr"].split(",")) == 3 for p in parts):
            return lines
        return None

    lines = wait_for(described, scaled(30), "cli-rf3 with leaders and full ISRs")
    head = parse_topic_line(lines[0])
    assert head["PartitionCount"] == "6" and head["ReplicationFactor"] == "3" and head["Configs"] == {}
    leaders = set()
    for p, line in enumerate(lines[1:]):
        f = dict(x.split(": ", 1) for x in line.strip("\t").split("\t"))
        replicas = [int(x) for x in f["Replicas"].split(",")]
        assert f["Topic"] == "cli-rf3" and f["Partition"] == str(p)
        assert sorted(replicas) == [1, 2, 3], line
        assert sorted(int(x) for x in f["Isr"].split(",")) == [1, 2, 3], line
        assert int(f["Leader"]) == replicas[0], line  # the preferred replica leads after creation
        leaders.add(replicas[0])
    assert leaders == {1, 2, 3}  # leadership is spread over the brokers
    assert describe_lines(b, "--topic", "cli-rf3", "--under-replicated-partitions") == []


def describe_partition_line(topic, p):
    """kafka-topics.sh's partition line for a confluent-kafka PartitionMetadata."""
    leader = str(p.leader) if p.leader >= 0 else "none"
    return (
        f"\tTopic: {topic}\tPartition: {p.id}\tLeader: {leader}"
        f"\tReplicas: {','.join(map(str, p.replicas))}\tIsr: {','.join(map(str, p.isrs))}"
    )


def test_describe_unavailable_and_under_replicated_partitions(broker_factory):
    """Leader, Replicas and Isr as Metadata reports them; --unavailable-partitions lists the
    partition whose only replica was SIGKILLed (no leader), --under-replicated-partitions the
    ones whose ISR is smaller than the replica set."""
    b1, b2 = broker_factory(broker_id=1), broker_factory(broker_id=2)
    wait_for(lambda: len(admin_client(b1).list_topics(timeout=5).brokers) == 2, scaled(20), "2 brokers in metadata")
    ok(*topics(b1, "--create", "--topic", "cli-unavail", "--replica-assignment", "1,2"))
    ok(*topics(b1, "--create", "--topic", "cli-urp", "--replica-assignment", "1:2"))
    wait_partitions(b1, "cli-unavail", 2)
    wait_partitions(b1, "cli-urp", 1)
    assert describe_lines(b1, "--topic", "cli-unavail", "--unavailable-partitions") == []
    b2.kill()

    def lost():
        parts = metadata_partitions(b1, "cli-unavail")
        alone = len(admin_client(b1).list_topics(timeout=5).brokers) == 1
        return parts if parts and parts[1].leader < 0 and alone else None

    parts = wait_for(lost, scaled(30), "partition 1 to lose its leader")
    assert parts[0].replicas == [1] and parts[1].replicas == [2]
    expect = [describe_partition_line("cli-unavail", parts[p]) for p in (0, 1)]
    assert "Leader: none" in expect[1]
    assert describe_lines(b1, "--topic", "cli-unavail", "--unavailable-partitions") == [expect[1]]
    assert describe_lines(b1, "--topic", "cli-unavail")[1:] == expect
    assert describe_lines(b1, "--topic", "cli-unavail", "--under-replicated-partitions") == []

    urp = metadata_partitions(b1, "cli-urp")[0]
    assert urp.replicas == [1, 2] and urp.leader == 1
    want = [describe_partition_line("cli-urp", urp)] if len(urp.isrs) < 2 else []
    assert describe_lines(b1, "--topic", "cli-urp", "--under-replicated-partitions") == want
    assert describe_lines(b1, "--topic", "cli-urp", "--unavailable-partitions") == []


# ---------------------------------------------------------------------------------------------
# kafka-configs.sh


def dynamic_config_lines(out, entity):
    lines = out.splitlines()
    assert lines[0] == f"Dynamic configs for {entity} are:", out
    got = {}
    for line in lines[1:]:
        m = re.fullmatch(r"  ([^=]+)=(.*) sensitive=(true|false) synonyms=\{(.*)\}", line)
        assert m, line
        got[m.group(1)] = (m.group(2), m.group(3), m.group(4))
    return got


def test_configs_describe_and_alter_topic(broker, zk):
    ok(*topics(broker, "--create", "--topic", "cli-cfg", "--partitions", "1", "--config", "retention.ms=86400000"))
    wait_partitions(broker, "cli-cfg", 1)
    entity = ("--entity-type", "topics", "--entity-name", "cli-cfg")

    got = dynamic_config_lines(ok(*configs(broker, *entity, "--describe")), "topic cli-cfg")
    assert list(got) == ["retention.ms"]
    value, sensitive, synonyms = got["retention.ms"]
    assert (value, sensitive) == ("86400000", "false")
    assert synonyms.split(", ")[0] == "DYNAMIC_TOPIC_CONFIG:retention.ms=86400000", synonyms

    out = ok(*configs(broker, *entity, "--alter", "--add-config", "segment.ms=3600000,cleanup.policy=[compact,delete]"))
    assert out == "Completed updating config for topic cli-cfg.\n"
    got = dynamic_config_lines(ok(*configs(broker, *entity, "--describe")), "topic cli-cfg")
    assert {k: v[0] for k, v in got.items()} == {
        "retention.ms": "86400000",  # kept: AlterConfigs replaces the whole set, the tool resends it
        "segment.ms": "3600000",
        "cleanup.policy": "compact,delete",
    }
    assert topic_config_znode(zk, broker, "cli-cfg")["config"] == {
        "retention.ms": "86400000",
        "segment.ms": "3600000",
        "cleanup.policy": "compact,delete",
    }

    out = ok(*configs(broker, *entity, "--alter", "--delete-config", "retention.ms,cleanup.policy"))
    assert out == "Completed updating config for topic cli-cfg.\n"
    got = dynamic_config_lines(ok(*configs(broker, *entity, "--describe")), "topic cli-cfg")
    assert {k: v[0] for k, v in got.items()} == {"segment.ms": "3600000"}
    assert topic_config_znode(zk, broker, "cli-cfg")["config"] == {"segment.ms": "3600000"}

    # deleting a key that is not set is an error, and changes nothing
    line = fails(*configs(broker, *entity, "--alter", "--delete-config", "retention.ms"))
    assert line == "Error: while executing config command : Invalid config(s): retention.ms"
    assert topic_config_znode(zk, broker, "cli-cfg")["config"] == {"segment.ms": "3600000"}

    # a value the broker rejects
    line = fails(*configs(broker, *entity, "--alter", "--add-config", "retention.ms=soon"))
    assert line.startswith("Error: while executing config command : "), line
    assert topic_config_znode(zk, broker, "cli-cfg")["config"] == {"segment.ms": "3600000"}

    # describe --topic shows the overrides in its Configs column
    head = parse_topic_line(describe_lines(broker, "--topic", "cli-cfg")[0])
    assert head["Configs"] == {"segment.ms": "3600000"}


def test_configs_unknown_topic(broker):
    line = fails(*configs(broker, "--entity-type", "topics", "--entity-name", "cli-ghost", "--describe"))
    assert line.startswith("Error: while executing config command : "), line


def test_configs_describe_all_topics(broker):
    ok(*topics(broker, "--create", "--topic", "cli-c1", "--config", "retention.ms=1000000"))
    ok(*topics(broker, "--create", "--topic", "cli-c2"))
    wait_partitions(broker, "cli-c1", 1)
    wait_partitions(broker, "cli-c2", 1)
    out = ok(*configs(broker, "--entity-type", "topics", "--describe"))
    heads = [line for line in out.splitlines() if not line.startswith("  ")]
    assert "Dynamic configs for topic cli-c1 are:" in heads and "Dynamic configs for topic cli-c2 are:" in heads
    assert heads == sorted(heads)


def describe_until(broker, entity, shown, what, timeout=15):
    """`cafka configs --describe` of @entity, run again until shown(output) holds (or fails the
    test after the deadline); returns that output."""
    seen = {}

    def check():
        seen["out"] = ok(*configs(broker, *entity, "--describe"))
        return shown(seen["out"])

    try:
        wait_for(check, scaled(timeout), what, interval=0.2)
    except TimeoutError as e:
        raise AssertionError(f"{e}; last output:\n{seen.get('out')}") from None
    return seen["out"]


def test_configs_broker(broker, zk):
    entity = ("--entity-type", "brokers", "--entity-name", "1")
    assert ok(*configs(broker, *entity, "--describe")) == "Dynamic configs for broker 1 are:\n"
    line = fails(*configs(broker, "--entity-type", "brokers", "--entity-name", "9", "--describe"))
    assert "Broker 9" in line, line

    out = ok(*configs(broker, *entity, "--alter", "--add-config", "log.retention.ms=3600000"))
    assert out == "Completed updating config for broker 1.\n"
    # the broker applies a change when its listener sees the notification: like a user, describe
    # again until it shows, within a deadline
    out = describe_until(
        broker, entity, lambda o: "log.retention.ms=3600000" in o, "describe to show the added config"
    )
    got = dynamic_config_lines(out, "broker 1")
    assert got["log.retention.ms"][0] == "3600000"
    assert got["log.retention.ms"][2].split(", ")[0] == "DYNAMIC_BROKER_CONFIG:log.retention.ms=3600000"
    assert json.loads(zk.get(f"{broker.chroot}/config/brokers/1")[0])["config"] == {"log.retention.ms": "3600000"}

    ok(*configs(broker, *entity, "--alter", "--delete-config", "log.retention.ms"))
    out = describe_until(broker, entity, lambda o: "log.retention.ms" not in o, "describe to drop the deleted config")
    assert out == "Dynamic configs for broker 1 are:\n"


def test_leader_election_request_and_output_against_a_fake_controller():
    """Until the broker answers ElectLeaders: a one-connection-at-a-time fake broker that answers
    Metadata v1 (itself as the controller) and checks the ElectLeaders v1 request cafka sends."""
    import struct
    import threading

    import kafka_wire as kw

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    seen = {}

    def recv_request(conn):
        (size,) = struct.unpack(">i", conn.recv(4, socket.MSG_WAITALL))
        r = kw.Reader(conn.recv(size, socket.MSG_WAITALL))
        api, version, corr, _client = r.i16(), r.i16(), r.i32(), r.string()
        return api, version, corr, r

    def reply(conn, corr, body):
        conn.sendall(struct.pack(">ii", len(body) + 4, corr) + body)

    def serve():
        for _ in range(2):
            conn, _ = srv.accept()
            with conn:
                api, version, corr, r = recv_request(conn)
                if api == 3:
                    seen["metadata"] = (version, r.i32())
                    body = struct.pack(">i", 1) + struct.pack(">i", 7) + kw.string("127.0.0.1")
                    body += struct.pack(">i", port) + kw.string(None) + struct.pack(">ii", 7, 0)
                    reply(conn, corr, body)
                    continue
                seen["elect"] = (api, version)
                etype = r.i8()
                parts = {}
                for _ in range(r.i32()):
                    topic = r.string()
                    parts[topic] = [r.i32() for _ in range(r.i32())]
                seen["request"] = (etype, parts, r.i32())
                results = [("t", [(0, 0, None), (1, 84, None), (2, 15, "no live replica")])]
                body = struct.pack(">ihi", 0, 0, len(results))
                for topic, prs in results:
                    body += kw.string(topic) + struct.pack(">i", len(prs))
                    for p, err, msg in prs:
                        body += struct.pack(">ih", p, err) + kw.string(msg)
                reply(conn, corr, body)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    cp = cafka("leader-election", "--bootstrap-server", f"127.0.0.1:{port}", "--election-type", "unclean",
               "--topic", "t", "--partition", "1")
    th.join(timeout=10)
    srv.close()
    assert seen["metadata"] == (1, 0)  # Metadata v1, no topics
    assert seen["elect"] == (43, 1)
    assert seen["request"][:2] == (1, {"t": [1]})
    assert cp.returncode == 1, cp
    assert cp.stdout.splitlines() == [
        "Successfully completed leader election (UNCLEAN) for partitions t-0",
        "Valid replica already elected for partitions t-1",
        "Error completing leader election (UNCLEAN) for partition: t-2: "
        "COORDINATOR_NOT_AVAILABLE: no live replica",
    ]
    assert cp.stderr == "Error: 1 replica(s) could not be elected\n"
