# syntax=docker/dockerfile:1
# The bot's production image. test/ship/image.test.ts runs this file's npm commands and CMD on a clean copy of the
# repository (no Docker engine runs in CI): keep each RUN that installs or builds a plain `npm …` command.
#   docker build -t chime-account .
#   docker run --init -p 3000:3000 -v chime-data:/data -v ./policy.yml:/config/policy.yml:ro --env-file .env chime-account
# or `docker compose up` (compose.yaml: the bot and PostgreSQL). README.md, "Deployment", says what it needs.

ARG NODE_IMAGE=node:24-slim

# ── build: dev dependencies, esbuild bundle in dist/ ─────────────────────────────────────────────────────────────
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the image brings Node 24 itself, so the node@24 devDependency's download is not needed.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# ── runtime: production dependencies, the bundle, a non-root user ───────────────────────────────────────────────
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
# The only place the bot writes: the SQLite file (and its -wal/-shm) on a volume, so the root filesystem can be
# read-only. With PostgreSQL (DATABASE_URL=postgres://…) nothing is written at all.
RUN mkdir -p /data /config && chown node:node /data
VOLUME ["/data"]
USER node
ENV PORT=3000 \
    DATABASE_URL=sqlite:/data/chime-account.db \
    POLICY_FILE=/config/policy.yml
EXPOSE 3000
# slim has no curl: ask /healthz with Node's own fetch. 503 (Slack, the store or Chime's credentials broken) fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
# node runs directly (not npm, whose `sh -c` does not pass SIGTERM on): on SIGTERM the bot stops taking requests,
# finishes the work in flight (Bolt's 3 s ack window, then the change being applied) and exits 0. Give it a grace
# period of at least 10 s (`docker stop -t 10`, compose stop_grace_period, Kubernetes terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
# The same Node flags as `npm start` (package.json); test/ship/image.test.ts checks they agree.
CMD ["node", "--max-semi-space-size=8", "--optimize-for-size", "dist/main.js"]
