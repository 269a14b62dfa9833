"""`cafka groups` (src/cli/admin_groups.c) against a real broker: the flags, output and exit codes
of Kafka 2.8's kafka-consumer-groups.sh (exit 0 done, 1 the operation failed with `Error: ...` on
stderr, 2 bad usage), checked against what a confluent-kafka 1.7 consumer did and against the
coordinator's own answers (OffsetFetch, DescribeGroups sent raw by group_tools).

One broker with offsets.topic.replication.factor=1 (helpers.Broker's default): the tool's output
does not depend on how __consumer_offsets is replicated, the coordinator is then always broker 1
(so the COORDINATOR column has one right answer), and every test starts in seconds. Coordinator
failover is test_group_failover.py's subject.
"""

import re
import socket
import time
from collections import Counter

import pytest

from group_tools import FAST_GROUP_CONSUMER, Member, committed_offsets, describe_group, poll_until, produce
from helpers import create_topic, rdkafka_conf, scaled, wait_for
from test_cli import cafka

TOPIC = "cli-groups"
PARTITIONS = 3
PER_PARTITION = 10
CLIENT_ID = "cli-groups-client"

OFFSETS_HEADER = ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST",
                  "CLIENT-ID"]


def run(*args, rc=0):
    cp = cafka(*args)
    assert cp.returncode == rc, f"{args} -> {cp.returncode} (expected {rc})\nstdout: {cp.stdout}\nstderr: {cp.stderr}"
    return cp


def ok(*args):
    """Runs a command that must succeed without a word on stderr; returns its stdout."""
    cp = run(*args)
    assert cp.stderr == "", cp.stderr
    return cp.stdout


def groups(broker, *args):
    return ("groups", "--bootstrap-server", broker.bootstrap, *args)


def table(out, header):
    """The rows (lists of columns) of the one table in `out`: a blank line, the header, the rows,
    as ConsumerGroupCommand prints them."""
    lines = out.split("\n")
    assert lines[0] == "" and lines[-1] == "", repr(out)
    assert lines[1].split() == header, lines[1]
    return [line.split() for line in lines[2:-1]]


def offsets_rows(out):
    """--describe's offsets table -> {partition: row dict}."""
    rows = table(out, OFFSETS_HEADER)
    got = {}
    for r in rows:
        assert len(r) == 9, r
        d = dict(zip(OFFSETS_HEADER, r))
        got[int(d["PARTITION"])] = d
    assert len(got) == len(rows), f"a partition listed twice: {rows}"
    return got


def reset_rows(out):
    """--reset-offsets's table -> {partition: new offset}."""
    rows = table(out, ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"])
    return {int(p): int(o) for _g, _t, p, o in rows}


def state_row(out):
    """--describe --state's table -> its row as a dict ("COORDINATOR (ID)" is two words)."""
    lines = out.split("\n")
    assert lines[0] == "" and lines[-1] == "", repr(out)
    assert re.fullmatch(r"GROUP +COORDINATOR \(ID\) +ASSIGNMENT-STRATEGY +STATE +#MEMBERS", lines[1]), lines[1]
    assert len(lines) == 4, repr(out)
    m = re.fullmatch(r"(\S+) +(\S+ \(\d+\)) +(\S*) +(\S+) +(\d+)", lines[2])
    assert m, lines[2]
    return dict(zip(["GROUP", "COORDINATOR", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"], m.groups()))


def described_state(broker, group):
    return state_row(run(*groups(broker, "--describe", "--group", group, "--state")).stdout)["STATE"]


def wait_state(broker, group, state):
    wait_for(lambda: described_state(broker, group) == state, scaled(30), f"group {group} {state}", interval=0.2)


def member(broker, group, name="m"):
    conf = rdkafka_conf(broker, extra={"group.id": group, "client.id": CLIENT_ID, "auto.offset.reset": "earliest",
                                       "enable.auto.commit": False, **FAST_GROUP_CONSUMER})
    return Member(name, conf, TOPIC, commit=False, check_resume=False)


def committed(broker, group):
    return committed_offsets({1: broker}, group, TOPIC, range(PARTITIONS))


def setup_group(broker, group, consumed=10):
    """30 records over 3 partitions; a member of `group` consumes `consumed` of them and commits,
    synchronously, the next offset of every partition (0 where it read nothing). Returns the
    open member and {partition: committed offset}."""
    create_topic(broker, TOPIC, partitions=PARTITIONS)
    produce({1: broker}, TOPIC, {p: PER_PARTITION for p in range(PARTITIONS)})
    m = member(broker, group)
    poll_until([m], lambda: len(m.records) >= consumed and len(m.assignment) == PARTITIONS, 30,
               f"{consumed} records and all partitions assigned")
    read = Counter(p for p, _off, _v, _s in m.records[:consumed])
    positions = {p: read.get(p, 0) for p in range(PARTITIONS)}
    from confluent_kafka import TopicPartition

    res = m.c.commit(offsets=[TopicPartition(TOPIC, p, o) for p, o in positions.items()], asynchronous=False)
    assert all(tp.error is None for tp in res), res
    assert committed(broker, group) == positions
    return m, positions


# ---------------------------------------------------------------------------------------------
# Usage errors: exit 2 with a usage line, checked before any connection

B = ("groups", "--bootstrap-server", "127.0.0.1:1")


@pytest.mark.parametrize(
    "args",
    [
        ("groups",),
        B,  # no action
        ("groups", "--list"),  # no --bootstrap-server
        (*B, "--list", "--describe"),
        (*B, "--describe"),  # no --group / --all-groups
        (*B, "--describe", "--group", "g", "--all-groups"),
        (*B, "--describe", "--group", "g", "--members", "--state"),
        (*B, "--describe", "--group", "g", "--state", "Stable"),
        (*B, "--describe", "--group", "g", "--topic", "t"),
        (*B, "--list", "--group", "g"),
        (*B, "--list", "--members"),
        (*B, "--list", "--state", "Sleepy"),
        (*B, "--delete"),
        (*B, "--delete", "--group", "g", "--topic", "t"),
        (*B, "--delete-offsets", "--group", "g"),  # no --topic
        (*B, "--delete-offsets", "--topic", "t"),  # no --group
        (*B, "--delete-offsets", "--group", "g", "--group", "h", "--topic", "t"),
        (*B, "--reset-offsets", "--group", "g", "--topic", "t"),  # no scenario
        (*B, "--reset-offsets", "--group", "g", "--to-earliest"),  # no scope
        (*B, "--reset-offsets", "--group", "g", "--topic", "t", "--to-earliest", "--to-latest"),
        (*B, "--reset-offsets", "--group", "g", "--topic", "t", "--to-earliest", "--execute", "--dry-run"),
        (*B, "--reset-offsets", "--group", "g", "--topic", "t", "--to-offset", "x"),
        (*B, "--reset-offsets", "--group", "g", "--topic", "t", "--shift-by"),  # missing value
        (*B, "--reset-offsets", "--group", "g", "--topic", "t:x", "--to-earliest"),
        (*B, "--reset-offsets", "--group", "g", "--topic", "t", "--to-datetime", "2021-01-01"),
        (*B, "--reset-offsets", "--group", "g", "--topic", "t", "--to-datetime", "2021-02-30T00:00:00.000"),
        (*B, "--reset-offsets", "--group", "g", "--topic", "t", "--by-duration", "1 hour"),
        (*B, "--describe", "--group", "g", "--to-earliest"),  # a scenario without --reset-offsets
        (*B, "--list", "--timeout", "soon"),
        (*B, "--list", "--bogus"),
    ],
)
def test_bad_usage_exits_2(args):
    cp = cafka(*args)
    assert cp.returncode == 2, f"{args} -> {cp.returncode}\nstdout: {cp.stdout}\nstderr: {cp.stderr}"
    assert cp.stdout == ""
    lines = cp.stderr.splitlines()
    assert lines and lines[0].startswith("Error: "), cp.stderr
    assert any(line.startswith("usage: cafka groups ") for line in lines), cp.stderr


def test_usage_messages_are_kafkas():
    def first_line(*args):
        return cafka(*args).stderr.splitlines()[0]

    assert first_line(*B) == ("Error: Command must include exactly one action: --list, --describe, --delete, "
                              "--reset-offsets, --delete-offsets")
    assert first_line("groups", "--list") == 'Error: Missing required argument "[bootstrap-server]"'
    assert first_line(*B, "--reset-offsets", "--group", "g", "--to-earliest") == (
        "Error: One of the reset scopes should be defined: --all-topics, --topic.")
    assert first_line(*B, "--list", "--state", "Sleepy") == (
        "Error: Invalid state list 'Sleepy'. Valid states are: PreparingRebalance, CompletingRebalance, Stable, "
        "Dead, Empty")


def test_help_and_connection_refused():
    out = ok("groups", "--help")
    assert out.startswith("usage: cafka groups ")
    for flag in ("--reset-offsets", "--to-datetime", "--delete-offsets", "--members", "--timeout"):
        assert flag in out
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    cp = run("groups", "--bootstrap-server", f"127.0.0.1:{port}", "--list", rc=1)
    assert time.monotonic() - t0 < scaled(15)
    assert cp.stdout == ""
    assert cp.stderr.startswith("Error: Executing consumer group command failed due to "), cp.stderr
    assert f"127.0.0.1:{port}" in cp.stderr and "refused" in cp.stderr, cp.stderr
    assert len(cp.stderr.splitlines()) == 1, cp.stderr


# ---------------------------------------------------------------------------------------------
# --list and --describe


def test_describe_offsets_members_state(broker):
    group = "cli-g-describe"
    m, positions = setup_group(broker, group)
    try:
        # the coordinator's own view: one Stable member with every partition
        raw = describe_group({1: broker}, group)
        assert raw["state"] == "Stable" and len(raw["members"]) == 1, raw
        member_id, host = raw["members"][0]["member_id"], raw["members"][0]["client_host"]

        assert group in ok(*groups(broker, "--list")).split("\n")
        listed = ok(*groups(broker, "--list")).split("\n")
        assert listed[:-1] == sorted(listed[:-1]) and listed[-1] == ""

        out = ok(*groups(broker, "--describe", "--group", group))
        rows = offsets_rows(out)
        assert sorted(rows) == list(range(PARTITIONS))
        for p, r in rows.items():
            assert r == {
                "GROUP": group, "TOPIC": TOPIC, "PARTITION": str(p), "CURRENT-OFFSET": str(positions[p]),
                "LOG-END-OFFSET": str(PER_PARTITION), "LAG": str(PER_PARTITION - positions[p]),
                "CONSUMER-ID": member_id, "HOST": host, "CLIENT-ID": CLIENT_ID,
            }, r
        assert sum(int(r["LAG"]) for r in rows.values()) == 20
        # --offsets is the default sub-action; --all-groups covers this group too
        assert ok(*groups(broker, "--describe", "--group", group, "--offsets")) == out
        assert out in ok(*groups(broker, "--describe", "--all-groups"))

        members = table(ok(*groups(broker, "--describe", "--group", group, "--members")),
                        ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"])
        assert members == [[group, member_id, host, CLIENT_ID, str(PARTITIONS)]]
        verbose = table(ok(*groups(broker, "--describe", "--group", group, "--members", "--verbose")),
                        ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT"])
        assert verbose == [[group, member_id, host, CLIENT_ID, str(PARTITIONS), f"{TOPIC}(0,1,2)"]]

        st = state_row(ok(*groups(broker, "--describe", "--group", group, "--state")))
        assert st == {"GROUP": group, "COORDINATOR": f"127.0.0.1:{broker.plaintext_port} (1)",
                      "ASSIGNMENT-STRATEGY": raw["protocol"], "STATE": "Stable", "#MEMBERS": "1"}

        lines = ok(*groups(broker, "--list", "--state")).splitlines()
        assert lines[0].split() == ["GROUP", "STATE"] and [group, "Stable"] in [x.split() for x in lines[1:]]
        assert group not in ok(*groups(broker, "--list", "--state", "empty,dead"))
    finally:
        m.close()

    wait_state(broker, group, "Empty")
    # no member: the committed offsets remain, without consumer, host or client id
    cp = run(*groups(broker, "--describe", "--group", group))
    assert cp.stderr == f"Consumer group '{group}' has no active members.\n"
    rows = offsets_rows(cp.stdout)
    for p, r in rows.items():
        assert [r["CURRENT-OFFSET"], r["LOG-END-OFFSET"], r["LAG"]] == [
            str(positions[p]), str(PER_PARTITION), str(PER_PARTITION - positions[p])]
        assert [r["CONSUMER-ID"], r["HOST"], r["CLIENT-ID"]] == ["-", "-", "-"]
    cp = run(*groups(broker, "--describe", "--group", group, "--members"))
    assert cp.stdout == "" and cp.stderr == f"Consumer group '{group}' has no active members.\n"
    assert [group, "Empty"] in [x.split() for x in ok(*groups(broker, "--list", "--state", "Empty")).splitlines()]


def test_describe_lag_is_the_high_watermark(broker):
    """LOG-END-OFFSET is ListOffsets latest (the high watermark): records produced after the
    commit raise it, and with it the lag."""
    group = "cli-g-hw"
    m, positions = setup_group(broker, group)
    m.close()
    produce({1: broker}, TOPIC, {0: 5}, tag="more")
    rows = offsets_rows(run(*groups(broker, "--describe", "--group", group)).stdout)
    assert rows[0]["LOG-END-OFFSET"] == str(PER_PARTITION + 5)
    assert rows[0]["LAG"] == str(PER_PARTITION + 5 - positions[0])


def test_describe_missing_group(broker):
    create_topic(broker, TOPIC, partitions=1)
    for extra in ((), ("--members",), ("--state",)):
        cp = run(*groups(broker, "--describe", "--group", "cli-g-nobody", *extra), rc=1)
        assert cp.stdout == ""
        assert cp.stderr == "Error: Consumer group 'cli-g-nobody' does not exist.\n"


# ---------------------------------------------------------------------------------------------
# --reset-offsets


def reset(broker, group, *args, rc=0):
    return run(*groups(broker, "--reset-offsets", "--group", group, *args), rc=rc)


def test_reset_offsets(broker):
    group = "cli-g-reset"
    m, positions = setup_group(broker, group)
    try:
        # refused while the group has a member, and nothing changes
        cp = reset(broker, group, "--topic", TOPIC, "--to-earliest", "--execute", rc=1)
        assert cp.stderr == (f"Error: Assignments can only be reset if the group '{group}' is inactive, but the "
                             "current state is Stable.\n")
        assert cp.stdout == ""
        assert committed(broker, group) == positions
    finally:
        m.close()
    wait_state(broker, group, "Empty")

    # --dry-run shows the plan and changes nothing; no --execute at all is a dry run too
    out = ok(*groups(broker, "--reset-offsets", "--group", group, "--topic", TOPIC, "--to-earliest", "--dry-run"))
    assert reset_rows(out) == {p: 0 for p in range(PARTITIONS)}
    assert out.split("\n")[2].split()[:2] == [group, TOPIC]
    cp = reset(broker, group, "--all-topics", "--to-latest")
    assert cp.stderr.startswith("WARN: No action will be performed as the --execute option is missing.")
    assert reset_rows(cp.stdout) == {p: PER_PARTITION for p in range(PARTITIONS)}
    assert committed(broker, group) == positions

    # --to-earliest --execute, then a new member of the group reads all 30 records again
    out = ok(*groups(broker, "--reset-offsets", "--group", group, "--topic", TOPIC, "--to-earliest", "--execute"))
    assert reset_rows(out) == {p: 0 for p in range(PARTITIONS)}
    assert committed(broker, group) == {p: 0 for p in range(PARTITIONS)}
    again = member(broker, group, "again")
    try:
        poll_until([again], lambda: len(again.records) >= PARTITIONS * PER_PARTITION, 30, "all 30 records again")
        got = sorted((p, off) for p, off, _v, _s in again.records)
        assert got == [(p, o) for p in range(PARTITIONS) for o in range(PER_PARTITION)]
    finally:
        again.close()
    wait_state(broker, group, "Empty")

    # --to-offset, --shift-by (partitions named), clamped into [log start, log end] with a warning
    out = ok(*groups(broker, "--reset-offsets", "--group", group, "--topic", TOPIC, "--to-offset", "7", "--execute"))
    assert reset_rows(out) == {p: 7 for p in range(PARTITIONS)}
    out = ok(*groups(broker, "--reset-offsets", "--group", group, "--topic", f"{TOPIC}:0,2", "--shift-by", "-2",
                     "--execute"))
    assert reset_rows(out) == {0: 5, 2: 5}
    assert committed(broker, group) == {0: 5, 1: 7, 2: 5}
    cp = reset(broker, group, "--topic", f"{TOPIC}:1", "--shift-by", "100", "--execute")
    assert reset_rows(cp.stdout) == {1: PER_PARTITION}
    assert cp.stderr == (f"WARN: New offset (107) is higher than latest offset for topic partition {TOPIC}-1. "
                         f"Value will be set to {PER_PARTITION}\n")
    cp = reset(broker, group, "--topic", f"{TOPIC}:2", "--to-offset", "-3", "--execute")
    assert reset_rows(cp.stdout) == {2: 0}
    assert "is lower than earliest offset" in cp.stderr
    assert committed(broker, group) == {0: 5, 1: PER_PARTITION, 2: 0}

    # --to-current keeps the commits; --to-datetime far in the past is the start, in the future
    # the log end; --by-duration of a day is the start too (every record is younger)
    out = ok(*groups(broker, "--reset-offsets", "--group", group, "--all-topics", "--to-current", "--dry-run"))
    assert reset_rows(out) == {0: 5, 1: PER_PARTITION, 2: 0}
    out = ok(*groups(broker, "--reset-offsets", "--group", group, "--all-topics", "--to-datetime",
                     "2001-01-01T00:00:00.000", "--dry-run"))
    assert reset_rows(out) == {p: 0 for p in range(PARTITIONS)}
    out = ok(*groups(broker, "--reset-offsets", "--group", group, "--all-topics", "--to-datetime",
                     "2200-01-01T00:00:00.000+02:00", "--dry-run"))
    assert reset_rows(out) == {p: PER_PARTITION for p in range(PARTITIONS)}
    out = ok(*groups(broker, "--reset-offsets", "--group", group, "--all-topics", "--by-duration", "P1D",
                     "--dry-run"))
    assert reset_rows(out) == {p: 0 for p in range(PARTITIONS)}
    out = ok(*groups(broker, "--reset-offsets", "--group", group, "--topic", f"{TOPIC}:0", "--to-earliest",
                     "--dry-run", "--export"))
    assert out == f"{TOPIC},0,0\n\n"
    assert committed(broker, group) == {0: 5, 1: PER_PARTITION, 2: 0}

    # the describe table agrees with the coordinator
    rows = offsets_rows(run(*groups(broker, "--describe", "--group", group)).stdout)
    assert {p: int(r["CURRENT-OFFSET"]) for p, r in rows.items()} == {0: 5, 1: PER_PARTITION, 2: 0}

    # an unknown topic fails, and a group that does not exist yet (Dead) can be given offsets
    cp = reset(broker, group, "--topic", "cli-no-such-topic", "--to-earliest", "--execute", rc=1)
    assert cp.stderr.startswith("Error: ") and "cli-no-such-topic" in cp.stderr, cp.stderr
    out = ok(*groups(broker, "--reset-offsets", "--group", "cli-g-fresh", "--topic", TOPIC, "--to-latest",
                     "--execute"))
    assert reset_rows(out) == {p: PER_PARTITION for p in range(PARTITIONS)}
    assert committed(broker, "cli-g-fresh") == {p: PER_PARTITION for p in range(PARTITIONS)}


# ---------------------------------------------------------------------------------------------
# --delete-offsets and --delete


def test_delete_offsets_and_delete_group(broker):
    group = "cli-g-delete"
    m, positions = setup_group(broker, group)
    try:
        # a group with a member keeps its offsets and itself
        cp = run(*groups(broker, "--delete-offsets", "--group", group, "--topic", TOPIC), rc=1)
        assert cp.stderr == "Error: Encounter some partition level error, see the follow-up details:\n", cp.stderr
        rows = table(cp.stdout, ["TOPIC", "PARTITION", "STATUS"])
        assert [r[:3] for r in rows] == [[TOPIC, str(p), "Error:"] for p in range(PARTITIONS)], rows
        assert committed(broker, group) == positions
        cp = run(*groups(broker, "--delete", "--group", group), rc=1)
        lines = cp.stderr.splitlines()
        assert lines[0] == "Error: Deletion of some consumer groups failed:", cp.stderr
        assert lines[1].startswith(f"* Group '{group}' could not be deleted due to: "), cp.stderr
        assert "not empty" in lines[1], cp.stderr
    finally:
        m.close()
    wait_state(broker, group, "Empty")

    out = ok(*groups(broker, "--delete-offsets", "--group", group, "--topic", f"{TOPIC}:1"))
    assert out.split("\n")[0] == f"Request succeed for deleting offsets with topic {TOPIC}:1 group {group}"
    assert table("\n".join(out.split("\n")[1:]), ["TOPIC", "PARTITION", "STATUS"]) == [[TOPIC, "1", "Successful"]]
    assert committed(broker, group) == {0: positions[0], 1: -1, 2: positions[2]}
    rows = offsets_rows(run(*groups(broker, "--describe", "--group", group)).stdout)
    assert sorted(rows) == [0, 2]

    # a topic that does not exist: Kafka's "Not Provided" row
    cp = run(*groups(broker, "--delete-offsets", "--group", group, "--topic", "cli-no-such-topic"), rc=1)
    assert cp.stderr == "Error: Encounter some partition level error, see the follow-up details:\n"
    rows = table(cp.stdout, ["TOPIC", "PARTITION", "STATUS"])
    assert rows[0][:4] == ["cli-no-such-topic", "Not", "Provided", "Error:"], rows

    other = "cli-g-keeper"
    ok(*groups(broker, "--reset-offsets", "--group", other, "--topic", TOPIC, "--to-earliest", "--execute"))
    assert ok(*groups(broker, "--delete", "--group", group)) == (
        f"Deletion of requested consumer groups ('{group}') was successful.\n")
    listed = ok(*groups(broker, "--list")).split()
    assert group not in listed and other in listed
    assert committed(broker, group) == {p: -1 for p in range(PARTITIONS)}
    cp = run(*groups(broker, "--describe", "--group", group), rc=1)
    assert cp.stderr == f"Error: Consumer group '{group}' does not exist.\n"
    cp = run(*groups(broker, "--delete", "--group", group), rc=1)
    assert cp.stderr.startswith(f"Error: Deletion of some consumer groups failed:\n* Group '{group}' could not "
                                "be deleted due to: "), cp.stderr
