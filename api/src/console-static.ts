/**
 * Serves the built console (console/build, a SvelteKit static SPA) on the API's own port: files as
 * they are, index.html for every other GET that asks for a page. /graphql, /healthz and /metrics are
 * registered as their own routes and win over this catch-all.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface ConsoleStaticOptions {
  /** The build output; defaults to CONSOLE_DIR or console/build next to the api folder. */
  root?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
};

const defaultRoot = (): string => process.env.CONSOLE_DIR ?? fileURLToPath(new URL('../../console/build/', import.meta.url));

const fileAt = async (file: string): Promise<number | null> => {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
};

const sendFile = (reply: FastifyReply, file: string, size: number, cache: string): FastifyReply =>
  reply
    .type(TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream')
    .header('content-length', size)
    .header('cache-control', cache)
    .header('x-content-type-options', 'nosniff')
    .send(createReadStream(file));

export const consoleStatic = async (app: FastifyInstance, options: ConsoleStaticOptions): Promise<void> => {
  const root = path.resolve(options.root ?? defaultRoot());
  const index = path.join(root, 'index.html');

  app.get('/*', async (request, reply) => {
    const pathname = decodeURIComponent(request.url.split('?')[0] ?? '/');
    const file = path.resolve(root, '.' + pathname);
    // Never leave the build folder ("/../../etc/passwd").
    if (file !== root && !file.startsWith(root + path.sep)) return reply.status(404).send({ error: 'not found' });
    const size = await fileAt(file);
    if (size !== null) {
      // SvelteKit fingerprints everything under _app/immutable: cache it for good.
      const immutable = pathname.startsWith('/_app/immutable/');
      return sendFile(reply, file, size, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    // A missing asset is a 404; a page path is the SPA's to route.
    if (path.extname(pathname) !== '' && !pathname.endsWith('.html')) return reply.status(404).send({ error: 'not found' });
    const indexSize = await fileAt(index);
    if (indexSize === null) {
      return reply.status(503).type('text/plain; charset=utf-8').send('The console is not built yet: run `npm run build -w console` (npm start does it for you).\n');
    }
    return sendFile(reply, index, indexSize, 'no-cache');
  });
};
