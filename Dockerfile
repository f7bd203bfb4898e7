# syntax=docker/dockerfile:1
# The worker image, and beside it the AEP emulator's (demo only: `--target emulator`).
#   build    – every dependency; compiles src/ to dist/ and prebuilds the workflow bundle;
#              compiles emulator/ to dist-emulator/ (never copied into the worker image)
#   deps     – production dependencies only (npm ci --omit=dev)
#   emulator – the AEP emulator (docker-compose.yml's `emulator` profile builds this target)
#   runtime  – the worker: dist/ + production node_modules, non-root, no compiler, no emulator,
#              no webpack work at start. The last stage, so a plain `docker build` builds it.
# Configuration comes from the environment, with the names of .env.example (src/config.ts).

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.emulator.json ./
COPY src ./src
COPY scripts/build-workflow-bundle.ts ./scripts/
RUN npm run build
RUN npm run build:workflow-bundle -- --out dist/workflow-bundle.js
COPY emulator ./emulator
RUN npm run build:emulator

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. No lifecycle scripts: the native modules ship prebuilt
# (@temporalio/core-bridge, @swc/core's platform package) and nothing else needs one.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The emulator runs on the build stage's dependencies (fastify is a development dependency).
FROM ${NODE_IMAGE} AS emulator
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist-emulator ./dist-emulator
COPY --chown=root:root package.json ./
USER node
EXPOSE 8090
CMD ["node", "dist-emulator/main.js", "--host", "0.0.0.0", "--port", "8090"]

FROM ${NODE_IMAGE} AS runtime
# Worker Deployment Versioning (docs/versioning.md): each image is one build of the deployment,
# WORKER_BUILD_ID (set it per release, e.g. <version>+<git commit>; unset: the package version).
# NODE_OPTIONS and MALLOC_ARENA_MAX: the memory settings the benchmark measures
# (bench/worker-memory.ts, docs/benchmark.md, "Worker memory"). Uncapped, Node sizes the heap from
# the host's memory and a worker grows to 400-470 MB; glibc's per-thread arenas keep 20-60 MB
# more. Raise the heap with WORKER_MAX_CACHED_WORKFLOWS (docs/operating.md).
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=128 --max-semi-space-size=4" \
    MALLOC_ARENA_MAX=2 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    WORKER_DEPLOYMENT_NAME=aep-streaming-provisioner
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# Request examples, for `docker compose exec worker node dist/cli.js provision examples/…`.
COPY --chown=root:root examples ./examples
# The image's files belong to root and are read-only for the process, which runs as `node`.
USER node
EXPOSE 9464
# Node handles SIGTERM itself: Worker.run() drains in-flight tasks, then the process exits.
CMD ["node", "dist/worker.js"]
