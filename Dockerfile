# syntax=docker/dockerfile:1
# Node 26 "Lithium" is the Active LTS (from 2026-10-28; end of life 2029-04-30).
# Move both FROM lines to the next LTS major together; test/ops/docker.test.ts
# checks they agree with package.json's engines.

# Build stage: compile TypeScript, then keep only production dependencies.
FROM node:26-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY schema ./schema
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime: user node (uid 1000), no capability at all, no setcap.
#
# Port 53 without a capability: Docker (20.10 and later), Podman and containerd 2
# set net.ipv4.ip_unprivileged_port_start=0 in a container's own network
# namespace, so any user may bind any port there. That works with the default
# capabilities, with --cap-drop=ALL, and with --cap-drop=ALL --cap-add=NET_BIND_SERVICE.
# The former design (setcap cap_net_bind_service=+ep on the node binary) broke
# --cap-drop=ALL: the kernel refuses to exec a binary whose file capabilities
# are not all in the bounding set, so no node command (serve, probe, the
# health check) could start at all. And --cap-add=NET_BIND_SERVICE alone does not
# help a non-root user: Docker puts it in the bounding and inheritable sets,
# not in the ambient set, so the process does not get it.
#
# Where the sysctl is not 0 (--network=host: it is the host's; CRI-O; Kubernetes
# without the pod sysctl), serve exits 1 with one line naming it. Then either
# run as root with that one capability (--user root --cap-drop=ALL
# --cap-add=NET_BIND_SERVICE), set the sysctl (--sysctl
# net.ipv4.ip_unprivileged_port_start=53; Kubernetes: securityContext.sysctls),
# or listen above 1023: docker run ... -p 53:5353/udp -p 53:5353/tcp IMAGE serve
# /zones --listen 0.0.0.0:5353, with --health-cmd asking --server 127.0.0.1:5353.
FROM node:26-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The state directory: the last serial of each zone, so serial: auto survives
# a restart (docs/replication-serials.md). Writable by node; a volume, so it
# outlives the container (-v mailns-state:/state).
RUN mkdir -p /state && chown node /state
USER node
VOLUME /state
EXPOSE 53/udp 53/tcp
# The image ships no zones: mount yours at /zones (-v ./zones:/zones:ro).
# Without them serve says so in one line and exits 1.
# The health check asks the server for the SOA of the first zone in /zones; it
# asks 127.0.0.1:53, so a CMD listening elsewhere needs its own --health-cmd.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "/app/dist/src/cli/main.js", "probe", "/zones", "--server", "127.0.0.1:53", "--timeout", "3"]
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["serve", "/zones", "--listen", "0.0.0.0:53", "--state-dir", "/state"]
