"""The whole ZooKeeper tree of a live cafka cluster against zk-schema/.

zk-schema/tree.json lists every znode cafka writes as a path pattern (relative to the chroot) with
its mode and payload schema; zk-schema/README.md is the same table for people. This file checks:

- without a cluster: every schema is a valid JSON Schema, its examples validate and its
  x-invalid-examples do not; tree.json and the README table agree; the path patterns classify
  sample paths as intended (exactly one pattern each, ZooKeeper's /zookeeper skipped);
- with a 3-broker cluster in one chroot: a walk of the whole tree under the chroot, where every
  znode must match exactly one pattern, with the right mode (E: an ephemeral owner; P and PS:
  none; PS: a 10-digit sequence suffix), no data where the table says "no data", and a payload
  that validates against its schema (/controller_epoch is a bare decimal string, parsed to an
  integer first; /kafka-acl-changes/acl_changes_<seq> is plain text, validated as a string).

test_live_tree_is_described needs only what the broker writes today (skeleton, registration,
cluster id, topic assignment and config). test_live_tree_with_control_plane also needs the
controller: /controller, /controller_epoch, a state znode per partition and, after an
AlterConfigs, a /config/changes/config_change_<seq> notification. The /kafka-acl* znodes (only with
an authorizer) are checked on a hand-made tree here and on a live one in test_cli_acls.py.
"""

import json
import re
import types

import jsonschema
import pytest
from kazoo.exceptions import NoNodeError

from helpers import REPO, admin_client, create_topic, scaled, wait_for

SCHEMA_DIR = REPO / "zk-schema"
TREE = json.loads((SCHEMA_DIR / "tree.json").read_text())
PLACEHOLDERS = TREE["placeholders"]
DECIMAL = re.compile(rb"0|[1-9][0-9]*")


def _compile(path):
    """tree.json path -> compiled regex (use fullmatch): placeholders become their regex,
    everything else is literal."""
    token = re.compile("|".join(re.escape(k) for k in PLACEHOLDERS))
    out, pos = [], 0
    for m in token.finditer(path):
        out.append(re.escape(path[pos : m.start()]))
        out.append(f"(?:{PLACEHOLDERS[m.group()]})")
        pos = m.end()
    out.append(re.escape(path[pos:]))
    return re.compile("".join(out))


ENTRIES = [dict(e, regex=_compile(e["path"])) for e in TREE["znodes"]]
BY_PATH = {e["path"]: e for e in ENTRIES}


def load_json(name):
    return json.loads((SCHEMA_DIR / name).read_text())


_validators = {}


def validator(name):
    if name not in _validators:
        schema = load_json(f"{name}.schema.json")
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _validators[name] = cls(schema)
    return _validators[name]


def errors(name, value):
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator(name).iter_errors(value)]


def is_foreign(rel):
    for f in TREE["foreign"]:
        if rel == f["path"] or (f.get("subtree") and rel.startswith(f["path"].rstrip("/") + "/")):
            return True
    return False


def classify(rel):
    return [e for e in ENTRIES if e["regex"].fullmatch(rel)]


def decode(entry, data):
    """The payload as the schema sees it: JSON, for decimal-text the parsed integer, for text the
    string. Raises ValueError when it cannot be decoded."""
    fmt = entry.get("format", "json")
    if fmt == "decimal-text":
        if not DECIMAL.fullmatch(data):
            raise ValueError(f"not a bare decimal string: {data!r}")
        return int(data)
    if fmt == "text":
        return data.decode("utf-8")
    return json.loads(data.decode("utf-8"))


def check_znode(rel, data, stat):
    """Problems (strings) of one znode at chroot-relative path rel; [] if it is as described.
    Undescribed or ambiguous paths are problems too."""
    matches = classify(rel)
    if len(matches) != 1:
        what = "undescribed" if not matches else f"matches {len(matches)} patterns {[e['path'] for e in matches]}"
        return [f"{rel}: {what} (data {data!r})"]
    e = matches[0]
    problems = []
    mode = e["mode"]
    if mode == "E" and stat.ephemeralOwner == 0:
        problems.append(f"{rel}: {e['path']} must be ephemeral, is persistent")
    if mode in ("P", "PS") and stat.ephemeralOwner != 0:
        problems.append(f"{rel}: {e['path']} must be persistent, is ephemeral (owner {stat.ephemeralOwner:#x})")
    if mode == "PS" and not re.search(r"[0-9]{10}$", rel):
        problems.append(f"{rel}: persistent-sequential name without a 10-digit sequence suffix")
    empty = data is None or data == b""
    if e["schema"] is None:
        if not empty:
            problems.append(f"{rel}: {e['path']} holds no data, has {data!r}")
        return problems
    if empty:
        if not e.get("empty_ok"):
            problems.append(f"{rel}: {e['path']} has no data, expected a {e['schema']} payload")
        return problems
    try:
        value = decode(e, data)
    except ValueError as exc:
        return problems + [f"{rel}: undecodable {e['schema']} payload: {exc}"]
    problems += [f"{rel}: {e['schema']}: {msg} (data {data!r})" for msg in errors(e["schema"], value)]
    return problems


def walk(zk, root):
    """Yields (rel, data, stat) for every znode under root (root itself is "/"), skipping
    foreign subtrees and znodes deleted while walking."""
    todo = ["/"]
    while todo:
        rel = todo.pop()
        if is_foreign(rel):
            continue
        abs_path = root if rel == "/" else root.rstrip("/") + rel
        try:
            data, stat = zk.get(abs_path)
            children = zk.get_children(abs_path)
        except NoNodeError:
            continue
        yield rel, data, stat
        prefix = "" if rel == "/" else rel
        todo.extend(f"{prefix}/{c}" for c in sorted(children, reverse=True))


def check_tree(zk, root):
    """Walks the whole tree under root and fails listing every problem; returns
    {rel: (entry, data, stat)} of the walked znodes."""
    seen, problems = {}, []
    for rel, data, stat in walk(zk, root):
        problems += check_znode(rel, data, stat)
        m = classify(rel)
        if len(m) == 1:
            seen[rel] = (m[0], data, stat)
    undescribed = [p for p in problems if ": undescribed" in p]
    assert not problems, (
        f"{len(problems)} problem(s) in the tree under {root} "
        f"({len(undescribed)} undescribed znode(s)):\n  " + "\n  ".join(problems)
    )
    return seen


def covered(seen):
    return {entry["path"] for entry, _, _ in seen.values()}


# ---------------------------------------------------------------------------------------------
# Without a cluster


SCHEMA_NAMES = sorted(p.name[: -len(".schema.json")] for p in SCHEMA_DIR.glob("*.schema.json"))


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_and_its_examples(name):
    schema = load_json(f"{name}.schema.json")
    validator(name)  # check_schema
    example = SCHEMA_DIR / f"{name}.example.json"
    assert example.exists(), f"{name}.schema.json has no {name}.example.json"
    text = example.read_text()
    value = text.rstrip("\n") if schema.get("x-wire-format") == "text" else json.loads(text)
    assert errors(name, value) == []
    for i, ex in enumerate(schema.get("examples", [])):
        assert errors(name, ex) == [], f"examples[{i}] of {name}"
    for i, bad in enumerate(schema.get("x-invalid-examples", [])):
        assert errors(name, bad), f"x-invalid-examples[{i}] of {name} validates: {bad!r}"
    if schema.get("type") == "object":
        decoder = set(schema.get("x-kafka-decoder-requires", []))
        assert decoder <= set(schema.get("required", [])), f"{name}: decoder fields not required"
        assert decoder <= set(schema.get("properties", {})), name


def test_tree_json_examples_and_no_orphans():
    used_schemas, used_examples = set(), set()
    for e in ENTRIES:
        assert e["mode"] in ("P", "E", "PS"), e["path"]
        assert set(e) <= {"path", "mode", "schema", "format", "empty_ok", "example", "authorizer", "regex"}, e["path"]
        if e["schema"] is None:
            assert "example" not in e and "format" not in e and not e.get("empty_ok"), e["path"]
            continue
        used_schemas.add(e["schema"])
        wire = load_json(f"{e['schema']}.schema.json").get("x-wire-format", "json")
        assert e.get("format", "json") == wire, f"{e['path']}: format vs {e['schema']}'s x-wire-format"
        assert "example" in e, f"{e['path']}: no example"
        used_examples.add(e["example"])
        raw = (SCHEMA_DIR / f"{e['example']}.example.json").read_bytes().rstrip(b"\n")
        # the example file is the znode's bytes, decoded the way the walk decodes them
        value = decode(e, raw)
        assert errors(e["schema"], value) == [], f"{e['example']}.example.json against {e['schema']}"
    example_names = {p.name[: -len(".example.json")] for p in SCHEMA_DIR.glob("*.example.json")}
    assert set(SCHEMA_NAMES) <= used_schemas, f"schemas no tree.json path uses: {set(SCHEMA_NAMES) - used_schemas}"
    assert example_names <= used_examples | set(SCHEMA_NAMES), f"orphan examples: {example_names - used_examples}"
    assert len(BY_PATH) == len(ENTRIES), "duplicate paths in tree.json"


def _readme_rows():
    rows = {}
    for line in (SCHEMA_DIR / "README.md").read_text().splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 6, f"README row without 6 cells: {line}"
        path = re.match(r"`([^`]+)`", cells[0]).group(1)
        assert path not in rows, f"README lists {path} twice"
        rows[path] = dict(zip(("path", "mode", "writer", "readers", "schema", "example"), cells))
    return rows


def test_readme_table_matches_tree_json():
    rows = _readme_rows()
    foreign = {f["path"] for f in TREE["foreign"]}
    assert set(rows) == set(BY_PATH) | foreign, (
        f"only in README: {sorted(set(rows) - set(BY_PATH) - foreign)}; "
        f"only in tree.json: {sorted(set(BY_PATH) | foreign - set(rows))}"
    )
    for path in foreign:
        assert rows[path]["mode"] == "—" and "not ours" in rows[path]["schema"], path
    for path, e in BY_PATH.items():
        r = rows[path]
        assert r["mode"] == e["mode"], f"{path}: README mode {r['mode']}, tree.json {e['mode']}"
        assert r["writer"] not in ("", "—"), f"{path}: no writer in README"
        if e["schema"] is None:
            assert r["schema"] == "no data", f"{path}: README says {r['schema']!r}, tree.json no data"
            assert r["example"] == "—", path
            continue
        named = re.search(r"`([^`]+)`", r["schema"])
        assert named and named.group(1) == e["schema"], f"{path}: README schema {r['schema']!r}, tree.json {e['schema']}"
        assert ("no data" in r["schema"]) == bool(e.get("empty_ok")), path
        assert ("not JSON" in r["schema"]) == (e.get("format", "json") != "json"), path
        assert r["example"] == f"`{e['example']}.example.json`", f"{path}: README example {r['example']!r}"


SAMPLES = [
    {"<id>": "1", "<topic>": "my-topic.v2_x", "<partition>": "5", "<seq>": "0000000042", "<user>": "alice",
     "<ResourceType>": "Topic", "<name>": "orders"},
    {"<id>": "0", "<topic>": "partitions", "<partition>": "0", "<seq>": "0000000000", "<user>": "CN%3Dbob%2COU%3Dx",
     "<ResourceType>": "Cluster", "<name>": "kafka-cluster"},
    {"<id>": "1000", "<topic>": "state", "<partition>": "10", "<seq>": "2147483647", "<user>": "a.b-c_d",
     "<ResourceType>": "TransactionalId", "<name>": "tx 1:*"},
]

NOT_OURS = [
    "/feature",
    "/admin/reassign_partitions",
    "/admin/preferred_replica_election",
    "/isr_change_notification/isr_change_0000000000",
    "/log_dir_event_notification/log_dir_event_0000000000",
    "/config/users/alice/clients/app",
    "/config/users/a b",
    "/brokers/ids/01",
    "/brokers/ids/-1",
    "/brokers/topics/.",
    "/brokers/topics/..",
    "/brokers/topics/a b",
    "/brokers/topics/t/partitions/01",
    "/brokers/topics/t/partitions/0/state/x",
    "/config/changes/config_change_123",
    "/config/changes/config_change_00000000001",
    "/config/changes/config_change_",
    "/config/brokers/default",
    "/controller/x",
    "/kafka-acl/User/alice",
    "/kafka-acl/Topic/..",
    "/kafka-acl/Topic/a/b",
    "/kafka-acl/topic/a",
    "/kafka-acl-extended/literal",
    "/kafka-acl-extended/prefixed/Topic/",
    "/kafka-acl-changes/acl_changes_1",
    "/kafka-acl-extended-changes/acl_change_0000000001",
    "/zookeeperx",
    "",
]


def test_patterns_classify_sample_paths():
    assert len(PLACEHOLDERS) == 7 and all(k.startswith("<") for k in PLACEHOLDERS)
    for sample in SAMPLES:
        for e in ENTRIES:
            path = e["path"]
            for k, v in sample.items():
                path = path.replace(k, v)
            assert [m["path"] for m in classify(path)] == [e["path"]], path
            assert not is_foreign(path), path
    for path in NOT_OURS:
        assert classify(path) == [], path
    assert is_foreign("/zookeeper") and is_foreign("/zookeeper/quota") and is_foreign("/zookeeper/config")
    assert not is_foreign("/zookeeperx")


def _stat(owner=0):
    return types.SimpleNamespace(ephemeralOwner=owner)


def test_znode_checks_on_hand_made_znodes():
    ok = [
        ("/", None, _stat()),
        ("/consumers", b"", _stat()),
        ("/controller_epoch", b"7", _stat()),
        ("/controller", b'{"version":1,"brokerid":2,"timestamp":"1700000000000"}', _stat(0x1234)),
        ("/config/changes/config_change_0000000003", b'{"version":2,"entity_path":"topics/t"}', _stat()),
        ("/latest_producer_id_block", None, _stat()),
        ("/latest_producer_id_block", b'{"version":1,"broker":1,"block_start":"0","block_end":"999"}', _stat()),
        ("/config/brokers/<default>", b'{"version":1,"config":{}}', _stat()),
        ("/kafka-acl/Cluster/kafka-cluster",
         b'{"version":1,"acls":[{"principal":"User:a","permissionType":"Allow","operation":"ClusterAction","host":"*"}]}',
         _stat()),
        ("/kafka-acl-extended/prefixed/Topic", None, _stat()),
        ("/kafka-acl-changes/acl_changes_0000000000", b"TOPIC:orders", _stat()),
        ("/kafka-acl-extended-changes/acl_changes_0000000001",
         b'{"version":1,"resourceType":"GROUP","name":"app-","patternType":"PREFIXED"}', _stat()),
    ]
    for rel, data, stat in ok:
        assert check_znode(rel, data, stat) == [], rel
    bad = [
        ("/controller_epoch", b"07", _stat()),
        ("/controller_epoch", b"-1", _stat()),
        ("/controller_epoch", b'{"epoch":1}', _stat()),
        ("/controller_epoch", None, _stat()),
        ("/controller", b'{"version":1,"brokerid":2,"timestamp":"1700000000000"}', _stat()),  # persistent
        ("/brokers/ids/1", b"{}", _stat(0x1)),
        ("/consumers", b"x", _stat()),
        ("/consumers", None, _stat(0x1)),
        ("/config/topics/t", b"not json", _stat()),
        ("/config/changes/config_change_0000000003", b'{"version":2,"entity_path":"topics/t"}', _stat(0x1)),
        ("/feature", b'{"version":1,"status":1,"features":{}}', _stat()),
        ("/kafka-acl/Topic/t", b'{"version":1,"acls":[]}', _stat()),
        ("/kafka-acl-changes/acl_changes_0000000000", b"Topic:orders", _stat()),
        ("/kafka-acl-changes/acl_changes_0000000000", b"\xff\xfe", _stat()),
        ("/kafka-acl-extended-changes/acl_changes_0000000001", b"TOPIC:pay-", _stat()),
    ]
    for rel, data, stat in bad:
        assert check_znode(rel, data, stat), f"{rel} {data!r} passed"


# ---------------------------------------------------------------------------------------------
# A hand-written Kafka tree on the real ensemble (no broker): the walk and tree.json accept the
# whole layout, control-plane znodes included, and report what is not described.


def test_walk_accepts_a_kafka_shaped_tree(zk, chroot):
    from kazoo.exceptions import NotEmptyError

    def put(rel, data=None, **kw):
        return zk.create(chroot + rel, data, makepath=True, **kw)

    try:
        for rel in ["/consumers", "/brokers/ids", "/brokers/topics", "/brokers/seqid", "/config/changes",
                    "/config/topics", "/config/clients", "/config/users", "/config/brokers", "/config/ips",
                    "/admin/delete_topics", "/isr_change_notification", "/log_dir_event_notification",
                    "/latest_producer_id_block"]:
            put(rel)
        put("/cluster/id", b'{"version":"1","id":"rZhUg7C2Jn8mxyOJ1GMLhQ"}')
        put("/brokers/ids/1", (SCHEMA_DIR / "broker-registration.example.json").read_bytes().strip(), ephemeral=True)
        put("/controller_epoch", b"1")
        put("/controller", b'{"version":1,"brokerid":1,"timestamp":"1700000000000"}', ephemeral=True)
        put("/config/topics/t", b'{"version":1,"config":{}}')
        put("/brokers/topics/t", b'{"version":3,"partitions":{"0":[1]},"adding_replicas":{},"removing_replicas":{}}')
        put("/brokers/topics/t/partitions/0/state",
            b'{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1]}')
        put("/config/brokers/<default>", b'{"version":1,"config":{"log.cleaner.threads":"2"}}')
        put("/config/brokers/1", b'{"version":1,"config":{}}')
        put("/config/users/alice", (SCHEMA_DIR / "user-config.example.json").read_bytes().strip())
        put("/config/changes/config_change_", b'{"version":2,"entity_path":"brokers/<default>"}', sequence=True)
        put("/admin/delete_topics/t")
        # the authorizer's: makepath creates the folders (no data) as createAclPaths does
        put("/kafka-acl/Topic/orders", (SCHEMA_DIR / "acl.example.json").read_bytes().strip())
        put("/kafka-acl/Group")
        put("/kafka-acl-extended/prefixed/Topic/pay-",
            b'{"version":1,"acls":[{"principal":"User:*","permissionType":"Deny","operation":"Write","host":"10.0.0.7"}]}')
        put("/kafka-acl-changes/acl_changes_", b"TOPIC:orders", sequence=True)
        put("/kafka-acl-extended-changes/acl_changes_",
            b'{"version":1,"resourceType":"TOPIC","name":"pay-","patternType":"PREFIXED"}', sequence=True)
        seen = check_tree(zk, chroot)
        assert covered(seen) == set(BY_PATH), f"not covered: {set(BY_PATH) - covered(seen)}"

        put("/feature", b'{"version":1,"status":1,"features":{}}')
        zk.set(chroot + "/controller_epoch", b'"1"')
        with pytest.raises(AssertionError) as exc:
            check_tree(zk, chroot)
        assert "/feature: undescribed" in str(exc.value) and "/controller_epoch: undecodable" in str(exc.value)
    finally:
        try:
            zk.delete(chroot, recursive=True)
        except (NoNodeError, NotEmptyError):
            pass


# ---------------------------------------------------------------------------------------------
# A live cluster: brokers 1, 2 and 3 in the test's chroot

TOPIC = "tree-topic"
PARTITIONS = 6
REPLICATION = 3


def _cluster(broker_factory, zk):
    brokers = [broker_factory(i) for i in (1, 2, 3)]
    root = brokers[0].chroot
    assert all(b.chroot == root for b in brokers)
    wait_for(
        lambda: sorted(zk.get_children(f"{root}/brokers/ids")) == ["1", "2", "3"],
        scaled(10),
        "brokers 1, 2, 3 registered",
    )
    create_topic(brokers[0], TOPIC, partitions=PARTITIONS, replication_factor=REPLICATION)
    return brokers, root


# Without an authorizer (as in these clusters) the /kafka-acl* znodes are never written.
AUTHORIZER_PATHS = {e["path"] for e in ENTRIES if e.get("authorizer")}
STARTUP_PATHS = {e["path"] for e in ENTRIES if "<" not in e["path"] and e["schema"] is None} - AUTHORIZER_PATHS | {
    "/latest_producer_id_block",
    "/cluster/id",
    "/brokers/ids/<id>",
}
TOPIC_PATHS = {"/brokers/topics/<topic>", "/config/topics/<topic>"}


def test_live_tree_is_described(broker_factory, zk):
    """What the brokers write today (no controller needed): all of it described and valid."""
    brokers, root = _cluster(broker_factory, zk)
    seen = check_tree(zk, root)
    missing = (STARTUP_PATHS | TOPIC_PATHS) - covered(seen)
    assert not missing, f"expected znodes absent from the tree: {sorted(missing)}"
    assert sorted(r for r in seen if r.startswith("/brokers/ids/")) == ["/brokers/ids/1", "/brokers/ids/2", "/brokers/ids/3"]
    assignment = json.loads(zk.get(f"{root}/brokers/topics/{TOPIC}")[0])
    assert sorted(assignment["partitions"], key=int) == [str(p) for p in range(PARTITIONS)]
    assert all(sorted(r) == [1, 2, 3] for r in assignment["partitions"].values()), assignment


# Patterns the control-plane scenario below does not produce.
NOT_EXERCISED = {"/config/brokers/<id>", "/config/brokers/<default>", "/admin/delete_topics/<topic>"} | AUTHORIZER_PATHS


def test_live_tree_with_control_plane(broker_factory, zk):
    """Needs the controller: election, partition state znodes, AlterConfigs with its
    config_change notification. Then the whole tree must be described, valid and complete."""
    from confluent_kafka.admin import ConfigResource

    brokers, root = _cluster(broker_factory, zk)
    ids = {b.id for b in brokers}

    # 1. the controller
    wait_for(lambda: zk.exists(f"{root}/controller"), scaled(30), f"{root}/controller (controller election)")
    wait_for(lambda: zk.exists(f"{root}/controller_epoch"), scaled(10), f"{root}/controller_epoch")

    # 2. a state znode for every partition
    def states():
        return all(zk.exists(f"{root}/brokers/topics/{TOPIC}/partitions/{p}/state") for p in range(PARTITIONS))

    wait_for(states, scaled(30), f"state znodes of all {PARTITIONS} partitions of {TOPIC}")

    # 3. one config change: AlterConfigs rewrites /config/topics/<t> and notifies
    admin = admin_client(brokers[1])
    futures = admin.alter_configs(
        [ConfigResource("topic", TOPIC, set_config={"retention.ms": "3600000"})], request_timeout=scaled(20)
    )
    for f in futures.values():
        f.result(timeout=scaled(30))

    def notification():
        for c in zk.get_children(f"{root}/config/changes"):
            data, _ = zk.get(f"{root}/config/changes/{c}")
            if data and json.loads(data).get("entity_path") == f"topics/{TOPIC}":
                return c
        return None

    wait_for(notification, scaled(10), f"a config_change_<seq> with entity_path topics/{TOPIC}")

    # 3b. a SCRAM credential: AlterUserScramCredentials on the controller writes /config/users/<user>
    import hashlib

    import kafka_wire as kw

    md = kw.metadata(brokers[0].plaintext_port, topics=[])
    ctl = next(b for b in brokers if b.id == md["controller"])
    salt = b"tree-salt"
    salted = hashlib.pbkdf2_hmac("sha256", b"tree-secret", salt, 4096)
    with kw.Conn("127.0.0.1", ctl.plaintext_port, timeout=scaled(20)) as c:
        res = kw.parse_alter_user_scram_credentials(
            c.roundtrip(kw.alter_user_scram_credentials_req(1, upsertions=[("tree user", 1, 4096, salt, salted)])))
    assert res["results"] == {"tree user": (0, None)}, res
    assert zk.exists(f"{root}/config/users/tree%20user"), "the user name is sanitized as Kafka does"

    # 4. the whole tree
    seen = check_tree(zk, root)
    missing = {e["path"] for e in ENTRIES} - NOT_EXERCISED - covered(seen)
    assert not missing, f"described znodes absent after the scenario: {sorted(missing)}"

    # 5. cross-checks between znodes (Kafka's semantics, not expressible in a schema)
    cfg = json.loads(zk.get(f"{root}/config/topics/{TOPIC}")[0])
    assert cfg["config"].get("retention.ms") == "3600000", cfg

    ctrl_raw, ctrl_stat = zk.get(f"{root}/controller")
    ctrl = json.loads(ctrl_raw)
    assert ctrl["brokerid"] in ids, ctrl
    reg = zk.exists(f"{root}/brokers/ids/{ctrl['brokerid']}")
    assert reg is not None and ctrl_stat.ephemeralOwner == reg.ephemeralOwner, (
        "/controller must be owned by the session of the controller's own /brokers/ids/<id>"
    )
    epoch = int(zk.get(f"{root}/controller_epoch")[0])
    assert epoch >= 1

    assignment = json.loads(zk.get(f"{root}/brokers/topics/{TOPIC}")[0])["partitions"]
    for p in range(PARTITIONS):
        state = json.loads(zk.get(f"{root}/brokers/topics/{TOPIC}/partitions/{p}/state")[0])
        replicas = assignment[str(p)]
        assert state["leader"] == replicas[0], f"partition {p}: new partitions elect the first live replica: {state}"
        assert state["leader"] in state["isr"], f"partition {p}: {state}"
        assert set(state["isr"]) <= set(replicas), f"partition {p}: ISR outside the replicas {replicas}: {state}"
        assert 1 <= state["controller_epoch"] <= epoch, f"partition {p}: {state} (controller epoch {epoch})"
