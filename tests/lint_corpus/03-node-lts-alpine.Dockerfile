FROM node:lts-alpine
RUN apk add git python3 make g++
WORKDIR /app
COPY . .
RUN npm ci --omit=dev
USER node
EXPOSE 3000
CMD ["node", "server.js"]
