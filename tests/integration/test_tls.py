"""The SSL listener: server authentication against the test CA (hostname 127.0.0.1 checked
against the certificate's IP SAN by librdkafka), and mutual TLS with ssl.client.auth=required."""

import subprocess

import pytest

from helpers import create_topic, kcat, kcat_args, rdkafka_conf, scaled


@pytest.fixture
def mtls_broker(broker_factory):
    return broker_factory(overrides={"ssl.client.auth": "required"})


def metadata_ok(broker, client_cert):
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(rdkafka_conf(broker, "SSL", client_cert=client_cert))
    md = admin.list_topics(timeout=scaled(5))
    return {b.id for b in md.brokers.values()}


def test_required_client_auth_rejects_ca_only_client(mtls_broker):
    from confluent_kafka import KafkaException

    with pytest.raises(KafkaException):
        metadata_ok(mtls_broker, client_cert=False)
    cp = kcat(kcat_args(mtls_broker, "SSL") + ["-L", "-m", "5"], timeout=30, check=False)
    assert cp.returncode != 0, f"kcat got metadata without a client certificate:\n{cp.stdout[:500]!r}"
    assert mtls_broker.running


def test_required_client_auth_accepts_client_cert(mtls_broker):
    assert metadata_ok(mtls_broker, client_cert=True) == {1}
    cp = kcat(kcat_args(mtls_broker, "SSL", client_cert=True) + ["-L", "-m", "10"], timeout=30)
    assert f"broker 1 at 127.0.0.1:{mtls_broker.ssl_port}" in cp.stdout.decode()

    # A produce/consume round trip over mutual TLS.
    topic = "mtls-topic"
    create_topic(mtls_broker, topic, partitions=1)
    conn = kcat_args(mtls_broker, "SSL", client_cert=True)
    lines = b"".join(f"tls-{i}\n".encode() for i in range(100))
    kcat(conn + ["-P", "-t", topic, "-m", "10"], input=lines)
    cp = kcat(conn + ["-C", "-t", topic, "-o", "beginning", "-e", "-q", "-m", "10"])
    assert cp.stdout == lines


def test_plaintext_listener_unaffected_by_client_auth(mtls_broker):
    cp = kcat(kcat_args(mtls_broker, "PLAINTEXT") + ["-L", "-m", "10"], timeout=30)
    assert f"broker 1 at 127.0.0.1:{mtls_broker.plaintext_port}" in cp.stdout.decode()


def test_untrusted_server_certificate_is_rejected(broker, tmp_path):
    """A client trusting a different CA must not get metadata (the broker's certificate is
    really checked, so the positive tests mean something)."""
    other = tmp_path / "other-ca"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other CA",
         "-keyout", str(other) + ".key", "-out", str(other) + ".pem"],
        check=True, capture_output=True, timeout=60,
    )
    args = ["-b", broker.ssl_bootstrap, "-X", "security.protocol=ssl", "-X", f"ssl.ca.location={other}.pem"]
    cp = kcat(args + ["-L", "-m", "5"], timeout=30, check=False)
    assert cp.returncode != 0
    # ... while the right CA works on the same listener.
    cp = kcat(kcat_args(broker, "SSL") + ["-L", "-m", "10"], timeout=30)
    assert f"broker 1 at 127.0.0.1:{broker.ssl_port}" in cp.stdout.decode()
