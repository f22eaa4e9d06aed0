# syntax=docker/dockerfile:1
# hms-sync: connectors from /etc/hms-sync/connectors.d (mount a ConfigMap or a checkout there),
# data in the /var/lib/hms-sync volume, HTTP on 0.0.0.0:8080 (set HMS_SYNC_API_TOKEN: without it
# the engine refuses to listen beyond loopback). `docker run IMAGE validate` checks the connectors;
# `hms-sync` is on PATH and git is installed, so CI jobs can run `hms-sync diff` in the image.

FROM node:24-trixie-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY schemas ./schemas
COPY engine ./engine
RUN npx tsc -p tsconfig.json && chmod +x dist/engine/cli/main.js && npm prune --omit=dev

FROM node:24-trixie-slim
ENV NODE_ENV=production \
    HMS_SYNC_CONNECTORS=/etc/hms-sync/connectors.d \
    HMS_SYNC_DATA=/var/lib/hms-sync \
    HMS_SYNC_HOST=0.0.0.0 \
    HMS_SYNC_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/schemas ./schemas
COPY --from=build /app/dist/engine ./dist/engine
COPY connectors.d /etc/hms-sync/connectors.d
# git (and the CA certificates its https fetches need) for `hms-sync diff --base REF` in CI jobs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /app/dist/engine/cli/main.js /usr/local/bin/hms-sync \
 && mkdir -p /var/lib/hms-sync && chown node:node /var/lib/hms-sync
USER node
VOLUME /var/lib/hms-sync
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HMS_SYNC_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# A 512 MB old-space limit keeps V8 from ballooning under bursts (see engine/cli/node-flags.ts).
ENTRYPOINT ["node", "--max-old-space-size=512", "/app/dist/engine/cli/main.js"]
CMD ["run"]
