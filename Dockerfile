# tern's exporters in one image: tern-node, tern-container, tern-shipper, tern-mail,
# tern-haproxy, tern-dnscheck and tern-alerts (the alert processor) in
# /usr/local/bin, run as the non-root user tern (65532). No ENTRYPOINT: the
# command names the binary, e.g.
#   docker build -t tern:local .
#   docker run --rm tern:local tern-node --version
# compose/edge.yml runs them with the host mounted read-only at /host.
#
# Stages:
#   build     Debian bookworm, scripts/install-deps --build-only, a Release
#             build of the binaries, installed stripped into /usr/local/bin.
#   runtime   Debian bookworm-slim with only what the binaries load at run time:
#             tern-node, tern-container, tern-haproxy and tern-dnscheck are
#             static (the last two speak HTTPS through libs/http1);
#             tern-shipper, tern-mail and tern-alerts open libcurl when they
#             first talk HTTP(S) (Loki, Mailcow's API, Twilio/ntfy/Appwrite),
#             which brings its own libraries. All need the CA certificates;
#             tern-alerts carries SQLite statically. /var/lib/tern-alerts (owned by tern) holds its database.
#
# Build arguments:
#   BINARIES          where the binaries come from: the build stage (default), or
#                     any image holding
#                     /usr/local/bin/tern-{node,container,shipper,mail,haproxy,dnscheck,alerts}
#                     (binaries built on a bookworm host; tests/integration/
#                     docker_build_test.py builds only the runtime stage this way,
#                     with BuildKit, which skips stages the target does not need)
#   BUILD_IMAGE       base of the build stage (default debian:bookworm)
#   RUNTIME_IMAGE     base of the runtime stage (default debian:bookworm-slim)
#   RUNTIME_PACKAGES  Debian packages installed into the runtime stage; empty when
#                     RUNTIME_IMAGE already has them (the test's offline base)
#   JOBS              parallel compile jobs (default 2)
#   VERSION, REVISION version and git revision for the OCI labels and the
#                     binaries' *_build_info (the context carries no .git):
#                     --build-arg REVISION=$(git rev-parse --short=12 HEAD)

ARG BINARIES=build
ARG BUILD_IMAGE=debian:bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
ARG JOBS=2
ARG REVISION=
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# The dependency layer first, so a source change does not reinstall packages.
COPY scripts/install-deps scripts/install-deps
RUN ./scripts/install-deps --build-only && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
COPY libs libs
COPY exporters exporters
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
          -DTERN_REVISION="${REVISION}" -DTERN_BRANCH=docker \
 && cmake --build /build -j"${JOBS}" --target tern-node tern-container tern-shipper tern-mail \
      tern-haproxy tern-dnscheck tern-alerts \
 && cmake --install /build --prefix /usr/local --strip \
 && /usr/local/bin/tern-node --version

FROM ${BINARIES} AS binaries

FROM ${RUNTIME_IMAGE} AS runtime
ARG RUNTIME_IMAGE
ARG RUNTIME_PACKAGES="ca-certificates libcurl4"
ARG VERSION=0.1.0
ARG REVISION=
# The user is written into /etc/passwd directly (uid and gid 65532, the
# distroless "nonroot" numbers): no useradd needed, so any base works.
# /var/lib/tern-shipper holds the shipper's positions; group tern may write it
# and root keeps ownership, so the shipper can also run as root with every
# capability dropped (compose/edge.yml: reading Docker's logs needs root).
RUN set -e; \
    if [ -n "${RUNTIME_PACKAGES}" ]; then \
      apt-get update; \
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${RUNTIME_PACKAGES}; \
      rm -rf /var/lib/apt/lists/*; \
    fi; \
    echo 'tern:x:65532:65532:tern exporters:/nonexistent:/usr/sbin/nologin' >> /etc/passwd; \
    echo 'tern:x:65532:' >> /etc/group; \
    mkdir -p /var/lib/tern-shipper; \
    chown 0:65532 /var/lib/tern-shipper; \
    chmod 0775 /var/lib/tern-shipper; \
    mkdir -p /var/lib/tern-alerts; \
    chown 65532:65532 /var/lib/tern-alerts; \
    chmod 0750 /var/lib/tern-alerts
COPY --from=binaries /usr/local/bin/tern-node /usr/local/bin/tern-container /usr/local/bin/tern-shipper \
     /usr/local/bin/tern-mail /usr/local/bin/tern-haproxy /usr/local/bin/tern-dnscheck \
     /usr/local/bin/tern-alerts /usr/local/bin/
USER 65532:65532
WORKDIR /
# tern-node, tern-container, tern-shipper, tern-mail, tern-haproxy, tern-dnscheck, tern-alerts
EXPOSE 9100 9338 9080 9154 9101 9115 9097
LABEL org.opencontainers.image.title="tern" \
      org.opencontainers.image.description="Prometheus exporters for small fleets: tern-node (node_exporter names), tern-container (cAdvisor names), tern-shipper (Promtail-compatible log shipper), tern-mail (Postfix, Dovecot, Mailcow; postfix_exporter names), tern-haproxy (haproxy_exporter names), tern-dnscheck (DNS records, Route53, blackbox_exporter probe names), tern-alerts (alert history and paging)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
