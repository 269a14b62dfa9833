"""docker-compose.yml is valid and describes the cluster the README promises: a 3-node ZooKeeper
ensemble (official image, ZOO_MY_ID 1..3, one ZOO_SERVERS list) and three cafka brokers built from
the Dockerfile with distinct broker ids, each advertising an in-network INTERNAL listener (the
inter-broker one) and EXTERNAL (PLAINTEXT), SSL and SASL_SSL listeners published on the host; a
one-shot `certs` service that runs scripts/gen-certs.sh into the volume the brokers read their
key store and CA from, and that every broker waits for (service_completed_successfully); the
admin user, PLAIN in the SASL_SSL listener's JAAS line and SCRAM through a one-shot `admin-user`.

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


def built(cfg):
    """Services that run the image built from the Dockerfile."""
    return {n: s for n, s in cfg["services"].items() if "build" in s}


def brokers(cfg):
    """Built services that run the image's entrypoint (cafka-server), not a one-shot command."""
    return {n: s for n, s in built(cfg).items() if "entrypoint" not in s}


def mounts(service):
    """[(source, target, read_only)] of a service's volumes."""
    out = []
    for v in service.get("volumes", []):
        if isinstance(v, dict):
            out.append((v["source"], v["target"], bool(v.get("read_only"))))
        else:
            parts = v.split(":")
            out.append((parts[0], parts[1], len(parts) > 2 and "ro" in parts[2].split(",")))
    return out


def certs_service(cfg):
    """(name, service, volume, directory) of the one-shot service that runs gen-certs.sh."""
    found = [(n, s) for n, s in built(cfg).items()
             if os.path.basename((s.get("entrypoint") or [""])[0]) == "gen-certs.sh"]
    assert len(found) == 1, sorted(built(cfg))
    name, s = found[0]
    entrypoint = s["entrypoint"]
    assert len(entrypoint) == 2, entrypoint  # gen-certs.sh DIR
    directory = entrypoint[1]
    volume = [src for src, dst, ro in mounts(s) if dst == directory and not ro]
    assert len(volume) == 1 and volume[0] in (cfg.get("volumes") or {}), mounts(s)
    return name, s, volume[0], directory


def jaas_options(line):
    """'...LoginModule required k="v" ...;' -> {k: v}"""
    assert line.rstrip().endswith(";"), line
    return dict(re.findall(r'(\w+)="([^"]*)"', line))


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
        assert set(s["depends_on"]) == set(zks) | {certs_service(config)[0]}
        assert all(s["depends_on"][z] == {"condition": "service_healthy"} for z in zks)
        # Listeners: the names the broker binds are the names it advertises, each mapped to a
        # protocol cafka supports; the inter-broker one is reachable in the network by service name.
        bound = listeners(o["listeners"])
        adv = listeners(o["advertised.listeners"])
        assert set(bound) == set(adv)
        proto = dict(kv.split(":") for kv in o["listener.security.protocol.map"].split(","))
        assert {proto[n] for n in adv} <= {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}
        inter = o["inter.broker.listener.name"]
        assert inter in adv and adv[inter][0] == name
        # EXTERNAL: advertised as localhost:<port>, that port published on the host.
        host, port = adv["EXTERNAL"]
        assert host == "localhost" and bound["EXTERNAL"][1] == port
        published = {(int(p["published"]), int(p["target"])) for p in s.get("ports", [])}
        assert (port, port) in published, s.get("ports")
        host_ports.add(port)
        # SSL and SASL_SSL as the design card wants: each advertised as localhost:<port> (the
        # broker certificate's name, see test_gen_certs_into_a_directory), that port published.
        for protocol in ("SSL", "SASL_SSL"):
            names = [n for n in adv if proto[n] == protocol]
            assert len(names) == 1, (name, protocol, adv)
            host, port = adv[names[0]]
            assert host == "localhost" and bound[names[0]][1] == port, (name, protocol)
            assert (port, port) in published, (name, protocol, s.get("ports"))
            assert port not in host_ports, f"host port {port} published twice"
            host_ports.add(port)
        # Data on a named volume at the image's log.dirs.
        vols = [
            (v["source"], v["target"]) if isinstance(v, dict) else tuple(v.split(":")[:2])
            for v in s.get("volumes", [])
        ]
        assert any(src in named_volumes and dst == "/var/lib/cafka/data" for src, dst in vols), vols
    assert ids == {1, 2, 3}
    assert len(host_ports) == 9


def test_certs_service_feeds_the_brokers(config):
    """The certificates come from a one-shot run of gen-certs.sh into a named volume; every
    broker starts only after that run succeeded, mounts the volume read-only at the same path and
    takes its PEM key store and trust store from there (Kafka's names, as config/broker-N does)."""
    name, s, volume, directory = certs_service(config)
    assert s.get("restart", "no") == "no", "a one-shot service must not be restarted"
    for bname, b in brokers(config).items():
        assert b["depends_on"][name] == {"condition": "service_completed_successfully"}, bname
        assert (volume, directory, True) in mounts(b), (bname, mounts(b))
        o = overrides(b)
        assert o["ssl.keystore.type"] == "PEM"
        assert o["ssl.keystore.location"] == f"{directory}/broker-keystore.pem"
        assert o.get("ssl.truststore.type", "PEM") == "PEM"
        assert o["ssl.truststore.location"] == f"{directory}/ca.pem"
        assert o.get("ssl.client.auth", "none") in ("none", "requested", "required")


def test_admin_user(config):
    """SASL_SSL serves PLAIN and SCRAM; the admin user is a PLAIN user of the listener's JAAS line
    on every broker (one password) and gets SCRAM credentials with that password from a one-shot
    service that talks to the brokers' in-network listeners."""
    passwords = set()
    for bname, b in brokers(config).items():
        o = overrides(b)
        mechanisms = o["sasl.enabled.mechanisms"].split(",")
        assert {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} <= set(mechanisms), bname
        proto = dict(kv.split(":") for kv in o["listener.security.protocol.map"].split(","))
        for listener in (n for n in listeners(o["listeners"]) if proto[n] == "SASL_SSL"):
            line = o[f"listener.name.{listener.lower()}.plain.sasl.jaas.config"]
            assert line.startswith("org.apache.kafka.common.security.plain.PlainLoginModule required ")
            opts = jaas_options(line)
            assert opts["username"] == "admin" and opts["user_admin"] == opts["password"], bname
            passwords.add(opts["password"])
    assert len(passwords) == 1 and "" not in passwords, "one admin password on every broker"
    password = passwords.pop()

    found = [(n, s) for n, s in built(config).items()
             if n not in brokers(config) and "cafka configs" in " ".join(s.get("command") or [])]
    assert len(found) == 1, sorted(built(config))
    name, s = found[0]
    assert set(s["depends_on"]) == set(brokers(config))
    script = " ".join(s["command"])
    assert "--entity-type users --entity-name admin --alter" in script
    internal = {f"{n}:{listeners(overrides(b)['advertised.listeners'])[overrides(b)['inter.broker.listener.name']][1]}"
                for n, b in brokers(config).items()}
    boot = re.search(r"--bootstrap-server (\S+)", script).group(1)
    assert set(boot.split(",")) <= internal and boot, boot
    # `docker-compose config` prints $$ for the shell's $: the password comes from the environment
    assert s["environment"]["CAFKA_ADMIN_PASSWORD"] == password
    for mech in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
        assert f"{mech}=[password=$$CAFKA_ADMIN_PASSWORD]" in script, mech


def test_dockerfile_ships_gen_certs():
    """The runtime image can run the certs service: openssl installed, gen-certs.sh on PATH,
    and the certificate directory owned by the image's user (a fresh named volume takes it)."""
    text = (helpers.REPO / "Dockerfile").read_text()
    runtime = text[text.rindex("\nFROM "):].replace("\\\n", " ")
    assert re.search(r"apt-get install [^\n]*\bopenssl\b", runtime), "openssl not installed"
    assert re.search(r"^COPY scripts/gen-certs\.sh /usr/local/bin/gen-certs\.sh$", runtime, re.M)
    r = compose("config")
    _, _, _, directory = certs_service(yaml.safe_load(r.stdout))
    assert re.search(rf"mkdir -p [^\n]*{re.escape(directory)}\b", runtime)
    assert re.search(rf"chown -R cafka:cafka [^\n]*{re.escape(directory)}\b", runtime)
    assert re.search(r"^USER cafka$", runtime, re.M)


def test_gen_certs_into_a_directory(config, tmp_path):
    """gen-certs.sh DIR (the certs service's command) writes a complete set into DIR, whose broker
    certificate names the host every TLS listener advertises, and leaves an existing set alone
    (a kept volume on the next `up`)."""
    out = tmp_path / "certs"
    r = subprocess.run([str(helpers.REPO / "scripts" / "gen-certs.sh"), str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    names = ["ca.pem", "ca.key", "broker.pem", "broker.key", "broker-keystore.pem", "client.pem", "client.key"]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    text = subprocess.run(["openssl", "x509", "-in", str(out / "broker.pem"), "-noout", "-ext", "subjectAltName"],
                          capture_output=True, text=True, check=True).stdout
    sans = set(re.findall(r"DNS:([^,\s]+)", text))
    for bname, b in brokers(config).items():
        o = overrides(b)
        proto = dict(kv.split(":") for kv in o["listener.security.protocol.map"].split(","))
        for n, (host, _) in listeners(o["advertised.listeners"]).items():
            if proto[n] in ("SSL", "SASL_SSL"):
                assert host in sans, (bname, n, host, sans)
    r = subprocess.run(["openssl", "verify", "-CAfile", str(out / "ca.pem"), str(out / "broker.pem")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    before = {n: (out / n).read_bytes() for n in names}
    r = subprocess.run([str(helpers.REPO / "scripts" / "gen-certs.sh"), str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert {n: (out / n).read_bytes() for n in names} == before
