# syntax=docker/dockerfile:1
# The API image (serve, migrate): docker build -t ghcr.io/tuneforge/api:VERSION .
# Runs as the image's "node" user (uid 1000), with only production dependencies. The trainer image
# is Dockerfile.trainer; both build from the same source.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---- build: TypeScript to dist/, and the web console to static assets
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: compiling needs none of the native downloads (libtensorflow, embedded Postgres).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
# Assumption (issue 8): the console under src/console/ is built by `npm run build` or, if the
# console adds one, by `npm run console:build`, into dist/ (dist/console/) where serve finds it.
# If it builds elsewhere, copy that folder into the runtime stage below as well.
RUN npm run build && npm run console:build --if-present

# ---- production dependencies only (no dev, no optional native backends: the API infers with the
# wasm backend; the GPU backend lives in the trainer image)
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts && npm cache clean --force

# ---- runtime
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
USER 1000:1000
EXPOSE 4000
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["serve"]
