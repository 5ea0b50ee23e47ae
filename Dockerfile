# The Hexlight app image: one image, every service (`hexlight ingest|poc|rewards|maps|migrate|sim`).
# Sources are TypeScript run through tsx: there is no build step.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY packages ./packages
COPY services ./services
COPY maps ./maps
COPY hotspot-sim ./hotspot-sim
COPY bench ./bench
RUN npm ci --omit=dev && npm cache clean --force
USER node
EXPOSE 8080
# docker-compose.yml picks the service per container; alone, the image runs everything in one process.
CMD ["node", "packages/cli/bin/hexlight.js", "up", "--no-sim"]
