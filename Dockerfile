# Leadtime: multi-stage build on Debian bookworm, slim non-root runtime.
#   docker build -t leadtime .
#   docker run -p 8080:8080 -v leadtime-data:/var/lib/leadtime leadtime
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        build-essential pkg-config libmicrohttpd-dev libsqlite3-dev libjansson-dev \
        libsystemd-dev zlib1g-dev libcmocka-dev python3 nodejs npm gzip ca-certificates \
        libxlsxwriter-dev libexpat1-dev nettle-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY Makefile config.ini ./
COPY scripts scripts
COPY server server
COPY sql sql
COPY web web
# the packages above are all `make` needs (the test tools, chromium and
# clang are checked only by the test targets)
RUN make build/leadtimed

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libmicrohttpd12 libsqlite3-0 libjansson4 libsystemd0 zlib1g curl \
        libxlsxwriter4 libexpat1 libnettle8 tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/leadtime --shell /usr/sbin/nologin leadtime \
    && mkdir -p /var/lib/leadtime /etc/leadtime && chown leadtime:leadtime /var/lib/leadtime
COPY --from=build /src/build/leadtimed /usr/local/bin/leadtimed
COPY config.ini /etc/leadtime/config.ini
# listen on every interface inside the container; the db on the volume;
# requests in flight get 8 s on SIGTERM, within `docker stop`'s 10 s
RUN sed -i 's/^listen = .*/listen = 0.0.0.0\nstop_timeout = 8/' /etc/leadtime/config.ini
USER leadtime
VOLUME /var/lib/leadtime
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/leadtimed", "serve", "--config", "/etc/leadtime/config.ini", \
            "--db", "/var/lib/leadtime/leadtime.db"]
