/**
 * Integration with a real drachtio-server: runs only when DRACHTIO_HOST is set (the production
 * stack in docker-compose.yml; this machine has no Docker engine). It connects with drachtio-srf
 * and checks that the adapter reaches the server; otherwise it says why it did not run.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '@cc/core';
import { DrachtioSignalling } from '../src/drachtio/drachtio-signalling.ts';
import type { SrfLike } from '../src/drachtio/srf-types.ts';

const host = process.env.DRACHTIO_HOST;

if (host === undefined || host === '') {
  process.stdout.write('drachtio integration test skipped: DRACHTIO_HOST is not set (needs drachtio-server, see docker-compose.yml)\n');
}

describe.skipIf(host === undefined || host === '')('drachtio-server integration', () => {
  test('connects to drachtio-server and serves the signalling port', async () => {
    const require = createRequire(import.meta.url);
    const Srf = require('drachtio-srf') as new () => SrfLike;
    const srf = new Srf();
    const hostport = await DrachtioSignalling.connect(srf, { host: host as string, port: Number(process.env.DRACHTIO_PORT ?? 9022), secret: process.env.DRACHTIO_SECRET ?? 'cymru' }, silentLogger);
    expect(hostport).not.toBe('');
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    expect(port.stats()).toEqual({ outboundLegs: 0, registrations: 0 });
    await port.close();
  });
});
