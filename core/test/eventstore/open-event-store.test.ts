import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEventStore, SqliteEventStore } from '../../src/eventstore/index.ts';

describe('openEventStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens the embedded store at <dataDir>/events.sqlite, creating the directory', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-open-'));
    dirs.push(root);
    const dataDir = path.join(root, 'nested', 'data');
    const store = await openEventStore({ dataDir });
    expect(store).toBeInstanceOf(SqliteEventStore);
    await store.append('agent-1', [], { expectedRevision: 'any' });
    await store.close();
    expect(fs.existsSync(path.join(dataDir, 'events.sqlite'))).toBe(true);
  });

  it('never loads the gRPC client for the embedded default', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-open-'));
    dirs.push(root);
    const index = new URL('../../src/eventstore/index.ts', import.meta.url).href;
    const script = `
      import { createRequire } from 'node:module';
      const { openEventStore } = await import(${JSON.stringify(index)});
      const store = await openEventStore({ dataDir: ${JSON.stringify(root)} });
      await store.close();
      const loaded = Object.keys(createRequire(${JSON.stringify(index)}).cache);
      console.log(JSON.stringify(loaded.filter((file) => file.includes('@grpc') || file.includes('@eventstore'))));
    `;
    const child = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout.trim())).toEqual([]);
  });

  it('picks EventStoreDB when a connection string is set', async () => {
    const store = await openEventStore({ dataDir: '/nonexistent-never-created', eventStoreConnectionString: 'esdb://127.0.0.1:1?tls=false' });
    const { EventStoreDbEventStore } = await import('../../src/eventstore/eventstoredb-event-store.ts');
    expect(store).toBeInstanceOf(EventStoreDbEventStore);
    await store.close();
    expect(fs.existsSync('/nonexistent-never-created')).toBe(false);
  });
});
