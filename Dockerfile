# maestro-bun server image: one container running `maestro server` on the official Bun image.
# Data: embedded PGlite in /app/data (mount a volume) unless DATABASE_URL points at PostgreSQL.
FROM oven/bun:1.4.5 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; install scripts are not needed by the server.
RUN bun install --production --ignore-scripts

FROM oven/bun:1.4.5
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json bunfig.toml tsconfig.json ./
COPY src ./src
COPY drizzle ./drizzle
COPY proto ./proto
RUN mkdir -p /app/data && chown bun:bun /app/data
USER bun
VOLUME ["/app/data"]
# REST, source gRPC, agent gRPC broker, metrics, health.
EXPOSE 8000 8090 8091 8080 8083
HEALTHCHECK --interval=15s --timeout=3s CMD bun -e "const r = await fetch('http://127.0.0.1:8083/livez'); process.exit(r.ok ? 0 : 1)"
ENTRYPOINT ["bun", "src/cli.ts"]
# An empty --server-hostname binds every interface, as Maestro's Helm chart does.
CMD ["server", "--server-hostname=", "--db-data-dir=/app/data"]
