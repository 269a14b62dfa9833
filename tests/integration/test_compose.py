"""docker-compose.yml is valid and describes the cluster the README promises: a 3-node ZooKeeper
ensemble (official image, ZOO_MY_ID 1..3, one ZOO_SERVERS list) and three cafka brokers built from
the Dockerfile with distinct broker ids, each advertising an in-network INTERNAL listener (the
inter-broker one) and an EXTERNAL one published on the host.

Needs only docker-compose (scripts/install-deps.sh), no Docker engine: `docker-compose config`
validates and resolves the file offline. Starts no ZooKeeper and no broker.
"""

import os
import re
import shutil
import subprocess

import pytest
import yaml

import helpers

COMPOSE = shutil.which("docker-compose")


@pytest.fixture(scope="module", autouse=True)
def _session_lock():
    """Replaces conftest's lock for this file: it uses no port, so it need not wait for (nor clean
    up after) the sessions that run ZooKeeper ensembles."""
    yield


def compose(*args):
    assert COMPOSE, "docker-compose is not installed (scripts/install-deps.sh installs it)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    return subprocess.run(
        [COMPOSE, "-f", str(helpers.REPO / "docker-compose.yml"), *args],
        cwd=helpers.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def config():
    r = compose("config")
    assert r.returncode == 0, r.stderr
    return yaml.safe_load(r.stdout)


def overrides(service):
    """The `--override key=value` pairs of a broker service's command, as a dict."""
    cmd = service.get("command") or []
    if isinstance(cmd, str):
        cmd = cmd.split()
    out = {}
    for flag, kv in zip(cmd[::2], cmd[1::2]):
        assert flag == "--override", cmd
        key, _, value = kv.partition("=")
        assert key not in out, f"{key} overridden twice"
        out[key] = value
    return out


def listeners(value):
    """'NAME://host:port,...' -> {NAME: (host, port)}"""
    out = {}
    for item in value.split(","):
        m = re.fullmatch(r"([A-Za-z0-9_]+)://([^:]*):(\d+)", item.strip())
        assert m, f"malformed listener {item!r}"
        out[m.group(1).upper()] = (m.group(2), int(m.group(3)))
    return out


def zookeepers(cfg):
    return {n: s for n, s in cfg["services"].items() if s.get("image", "").startswith("zookeeper")}


def brokers(cfg):
    return {n: s for n, s in cfg["services"].items() if "build" in s}


def test_config_quiet_passes():
    r = compose("config", "-q")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""


def test_zookeeper_ensemble(config):
    zks = zookeepers(config)
    assert len(zks) == 3, sorted(config["services"])
    ids = {}
    for name, s in zks.items():
        env = s["environment"]
        ids[int(env["ZOO_MY_ID"])] = name
    assert sorted(ids) == [1, 2, 3]
    # Every node has the same ZOO_SERVERS: server.N=<service with ZOO_MY_ID N>:2888:3888;2181.
    expected = " ".join(f"server.{i}={ids[i]}:2888:3888;2181" for i in (1, 2, 3))
    for s in zks.values():
        assert " ".join(s["environment"]["ZOO_SERVERS"].split()) == expected
        assert s.get("volumes"), "ZooKeeper data must live on a volume"


def test_brokers(config):
    zks = zookeepers(config)
    bs = brokers(config)
    assert len(bs) == 3, sorted(config["services"])
    named_volumes = set(config.get("volumes") or {})
    ids = set()
    host_ports = set()
    for name, s in bs.items():
        o = overrides(s)
        ids.add(int(o["broker.id"]))
        assert s["build"]["context"] == str(helpers.REPO)
        # ZooKeeper: the compose ensemble, every node, and started (healthy) before the broker.
        assert sorted(h.split(":")[0] for h in o["zookeeper.connect"].split("/")[0].split(",")) == sorted(zks)
        assert set(s["depends_on"]) == set(zks)
        # Listeners: the names the broker binds are the names it advertises, each mapped to a
        # protocol cafka supports; the inter-broker one is reachable in the network by service name.
        bound = listeners(o["listeners"])
        adv = listeners(o["advertised.listeners"])
        assert set(bound) == set(adv)
        proto = dict(kv.split(":") for kv in o["listener.security.protocol.map"].split(","))
        assert {proto[n] for n in adv} <= {"PLAINTEXT", "SSL"}
        inter = o["inter.broker.listener.name"]
        assert inter in adv and adv[inter][0] == name
        # EXTERNAL: advertised as localhost:<port>, that port published on the host.
        host, port = adv["EXTERNAL"]
        assert host == "localhost" and bound["EXTERNAL"][1] == port
        published = {(int(p["published"]), int(p["target"])) for p in s.get("ports", [])}
        assert (port, port) in published, s.get("ports")
        host_ports.add(port)
        # Data on a named volume at the image's log.dirs.
        vols = [
            (v["source"], v["target"]) if isinstance(v, dict) else tuple(v.split(":")[:2])
            for v in s.get("volumes", [])
        ]
        assert any(src in named_volumes and dst == "/var/lib/cafka/data" for src, dst in vols), vols
    assert ids == {1, 2, 3}
    assert len(host_ports) == 3
