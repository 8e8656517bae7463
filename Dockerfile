# syntax=docker/dockerfile:1
# Build stage: compile TypeScript, then keep only production dependencies.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY schema ./schema
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime: non-root, port 53 through cap_net_bind_service on the node binary.
FROM node:20-slim
RUN apt-get update && apt-get install -y --no-install-recommends libcap2-bin \
 && setcap cap_net_bind_service=+ep /usr/local/bin/node \
 && apt-get purge -y libcap2-bin && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY zones /zones
USER node
EXPOSE 53/udp 53/tcp
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["serve", "/zones", "--listen", "0.0.0.0:53"]
