/**
 * GET /recordings/<callId>.wav: a call's recording, as the gateway stored it under
 * `<DATA_DIR>/recordings/<organisationId>/<callId>.wav`, for the signed-in users who may read the
 * call (supervisors, admins, analysts, and the agents who were on it). Everyone else, another
 * organisation included, gets the same 404 as for a call with no recording: the answer never says
 * whether a call exists. The session comes as for /graphql (bearer header or the session cookie, so
 * an <audio> element can play it). Byte ranges (one range) are served for seeking.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { can } from '../auth/viewer.ts';
import { involves } from '../graphql/calls-schema.ts';
import { tokenOf, viewerOf } from '../graphql/yoga-plugin.ts';
import type { Services } from '../services.ts';

export interface RecordingRouteOptions {
  services: Services;
  /** `<DATA_DIR>/recordings`. */
  recordingsDir: string;
}

/** Call ids as the platform makes them (uuids, test ids): nothing that could walk out of the folder. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/** One `bytes=` range (RFC 9110 14.1.2) of a file of `size` bytes; several ranges are served whole (null). */
export const byteRangeOf = (header: string | undefined, size: number): ByteRange => {
  if (header === undefined) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
};

const notFound = (reply: FastifyReply) => reply.status(404).send({ error: 'no such recording' });

export const recordingRoute = async (app: FastifyInstance, options: RecordingRouteOptions): Promise<void> => {
  const { services, recordingsDir } = options;
  app.get<{ Params: { file: string } }>('/recordings/:file', async (request, reply) => {
    const viewer = await viewerOf(services, tokenOf(request));
    if (viewer === null) return reply.status(401).send({ error: 'sign in to listen to recordings' });
    const file = request.params.file;
    if (!file.endsWith('.wav')) return notFound(reply);
    const callId = file.slice(0, -'.wav'.length);
    if (!SAFE_ID.test(callId)) return notFound(reply);
    const entry = services.readSide.call(viewer.organisationId, callId);
    if (entry === null || entry.recording === null || entry.recording.format !== 'wav') return notFound(reply);
    if (!can(viewer, 'readAllCalls') && !(can(viewer, 'readOwnCalls') && involves(entry, viewer.agentId))) return notFound(reply);
    const filePath = path.join(recordingsDir, entry.organisationId, `${callId}.wav`);
    let size: number;
    try {
      size = (await fs.promises.stat(filePath)).size;
    } catch {
      request.log.warn({ callId, filePath }, 'recording in the history but not on disk');
      return notFound(reply);
    }
    void reply.header('Content-Type', 'audio/wav').header('Accept-Ranges', 'bytes').header('Cache-Control', 'private, no-store').header('Content-Disposition', `inline; filename="${callId}.wav"`);
    const range = byteRangeOf(request.headers.range, size);
    if (range === 'unsatisfiable') return reply.status(416).header('Content-Range', `bytes */${size}`).send();
    if (range === null) return reply.status(200).header('Content-Length', String(size)).send(fs.createReadStream(filePath));
    return reply
      .status(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
      .header('Content-Length', String(range.end - range.start + 1))
      .send(fs.createReadStream(filePath, { start: range.start, end: range.end }));
  });
};
