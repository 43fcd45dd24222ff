# The platform service (API + core + read side + SIP signalling) for the production stack.
# Node 24 comes from the `node` devDependency, as everywhere else in the project.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY core/package.json core/
COPY projections/package.json projections/
COPY api/package.json api/
COPY gateway/package.json gateway/
COPY console/package.json console/
RUN npm ci --ignore-scripts=false
COPY . .
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 DATA_DIR=/data
EXPOSE 3000
VOLUME ["/data"]
CMD ["npx", "--no-install", "node", "--disable-warning=ExperimentalWarning", "scripts/start.ts"]
