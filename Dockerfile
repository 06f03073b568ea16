# pokt-p2p: one Pocket P2P node per container (`pokt-p2p node`), built from this repository.
#
#   docker build -t pokt-p2p .
#   pokt-p2p genesis --nodes 4 --unstaked 1 --compose deploy/ && (cd deploy && docker compose up)
#
# The image's entrypoint is the CLI; its default command runs the node of /etc/pokt/node.json (mount it read-only,
# with the genesis file it names) and serves its metrics on port 9000, which the healthcheck reads. The node stops
# cleanly on SIGTERM. Ports: 42069 (P2P, the config's p2p.port) and 9000 (metrics).

# ---- build: install the locked dependencies, build every package, then a standalone copy of the CLI with only its
# production dependencies (pnpm deploy)
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN bash scripts/pnpm.sh install --frozen-lockfile \
 && node scripts/build.mjs \
 && bash scripts/pnpm.sh --filter @pokt-p2p/cli deploy --prod --legacy /out

# ---- runtime: Node and the CLI only (about 56 MB over the base image), as the unprivileged `node` user (uid 1000)
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out /app
USER node
EXPOSE 42069 9000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9000/metrics').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/bin.js"]
CMD ["node", "--config", "/etc/pokt/node.json", "--metrics-port", "9000", "--metrics-host", "0.0.0.0"]
