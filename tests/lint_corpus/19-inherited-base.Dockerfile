FROM node:22-slim AS base
WORKDIR /app
USER node
EXPOSE 3000
HEALTHCHECK CMD ["node", "healthcheck.js"]

FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM base
COPY --from=deps /app/node_modules ./node_modules
COPY server.js ./
CMD ["node", "server.js"]
