# cafka broker image: build on Debian 12, run on debian:12-slim with the runtime libraries only.
#
#   docker build -t cafka:local .
#   docker run -p 9092:9092 cafka:local --override zookeeper.connect=zkhost:2181 --override broker.id=1
#
# The entrypoint is `cafka-server /etc/cafka/server.properties` (config/docker.properties);
# arguments after the image name are appended, so each `--override key=value` replaces one key
# of that file (Kafka names). docker-compose.yml runs three of these beside a ZooKeeper ensemble.
# The image also carries `cafka` (the admin CLI) and scripts/gen-certs.sh with openssl, which the
# compose file's one-shot services run (`gen-certs.sh /etc/cafka/certs` writes the test CA and
# the broker key store into the volume mounted there; /etc/cafka/certs belongs to the user cafka
# so that a fresh named volume mounted there does too).

FROM debian:12 AS build
# The build dependencies of scripts/install-deps.sh (libcriterion-dev: tests/unit is configured
# with the rest, though only the two programs are built here; librdkafka-dev: the admin CLI).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config python3 \
        libzookeeper-mt-dev libevent-dev libssl-dev libjansson-dev libcriterion-dev \
        zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev librdkafka-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Preset "dev" (RelWithDebInfo: -O2 -g, -Werror), the build every test runs against; the
# programs are stripped of their debug information for the runtime image.
RUN cmake --preset dev \
    && cmake --build --preset dev --target cafka-server cafka -j "$(nproc)" \
    && strip build/dev/bin/cafka-server build/dev/bin/cafka

FROM debian:12-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libevent-core-2.1-7 libevent-openssl-2.1-7 libevent-pthreads-2.1-7 \
        libjansson4 libssl3 libzookeeper-mt2 \
        zlib1g libsnappy1v5 liblz4-1 libzstd1 librdkafka1 \
        openssl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system cafka \
    && useradd --system --gid cafka --home-dir /var/lib/cafka --shell /usr/sbin/nologin cafka \
    && mkdir -p /etc/cafka/certs /var/lib/cafka/data \
    && chown -R cafka:cafka /var/lib/cafka /etc/cafka/certs
COPY --from=build /src/build/dev/bin/cafka-server /src/build/dev/bin/cafka /usr/local/bin/
COPY scripts/gen-certs.sh /usr/local/bin/gen-certs.sh
COPY config/docker.properties /etc/cafka/server.properties
USER cafka
WORKDIR /var/lib/cafka
VOLUME ["/var/lib/cafka/data"]
EXPOSE 9092
# exec form: cafka-server is PID 1 and gets SIGTERM from `docker stop` (clean shutdown).
ENTRYPOINT ["cafka-server", "/etc/cafka/server.properties"]
CMD []
