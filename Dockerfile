# syntax=docker/dockerfile:1
# leadscore daemon image: `docker build -t leadscore .`, then see docs/operations.md for the run command.

# --- build: compile TypeScript and better-sqlite3's native addon -------------------------------------------
FROM node:20-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches this platform (node-gyp needs these).
# Build-stage only tools, not pinned: the image they build is what ships.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied; the one native addon is built next.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY connectors ./connectors
COPY bench ./bench
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: the compiled app, production dependencies, a non-root user ------------------------------------
FROM node:20-slim
ENV NODE_ENV=production \
    LEADSCORE_CONFIG=/config/leadscore.yaml \
    LEADSCORE_DAEMON_HOST=0.0.0.0 \
    LEADSCORE_DAEMON_PORT=9464
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
COPY docs ./docs
# The database lives on a volume owned by the image's unprivileged `node` user (uid 1000).
RUN mkdir -p /data /config && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 9464
# node:20-slim has no curl: ask Node itself. /healthz answers while the process is up (standby included).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.LEADSCORE_DAEMON_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself; the daemon stops within its 8 s grace period.
CMD ["node", "dist/src/cli/main.js", "daemon"]
