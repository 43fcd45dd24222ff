/** Queues of an organisation, and the queue a dialled number reaches. */
import type { DatabaseSync } from 'node:sqlite';
import type { QueueSettings } from '@cc/core';
import { statement } from '../framework/projection.ts';
import type { QueueListRow } from '../read-model-contract.ts';

interface Row {
  queue_id: string;
  organisation_id: string;
  settings: string;
  removed: number;
  created_at: string;
}

const toRow = (row: Row): QueueListRow => ({
  queueId: row.queue_id,
  organisationId: row.organisation_id,
  settings: JSON.parse(row.settings) as QueueSettings,
  removed: row.removed === 1,
  createdAt: row.created_at,
});

/** Every queue, removed ones included (flagged), by name. */
export const queueList = (db: DatabaseSync, organisationId: string): QueueListRow[] =>
  (statement(db, 'SELECT queue_id, organisation_id, settings, removed, created_at FROM dir_queues WHERE organisation_id = ? ORDER BY name COLLATE NOCASE, queue_id').all(organisationId) as unknown as Row[]).map(toRow);

/** The live (not removed) queue with this number, whatever its organisation: used to route an inbound call. */
export const queueByNumber = (db: DatabaseSync, number: string): QueueListRow | null => {
  const row = statement(
    db,
    'SELECT queue_id, organisation_id, settings, removed, created_at FROM dir_queues WHERE number = ? AND removed = 0 ORDER BY created_at DESC, queue_id LIMIT 1',
  ).get(number) as Row | undefined;
  return row === undefined ? null : toRow(row);
};
