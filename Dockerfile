# postdesk gateway image (used by docker-compose.yml).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY bin ./bin
# `npm ci` runs the build (prepare script); then drop dev dependencies.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/var/lib/postdesk
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /var/lib/postdesk && chown node:node /var/lib/postdesk
USER node
EXPOSE 4000 2525
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:4000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The same memory settings as `npm start` (README, Operations: Memory).
ENV MALLOC_MMAP_THRESHOLD_=32768
CMD ["node", "--max-old-space-size=320", "--expose-gc", "dist/src/main.js"]
