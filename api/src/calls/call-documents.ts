/**
 * Documents attached to a call (an ID card photo, a signed form, a screenshot), stored as files
 * under `<data dir>/documents/<organisationId>/<callId>/`: `<documentId>` holds the bytes and
 * `<documentId>.json` what the console lists. Files, not events: the bytes do not belong in the log,
 * and a document is never changed once stored.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Services } from '../services.ts';

/** The largest document a call may take: a phone photo or a scanned page, not a video. */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
const MAX_NAME_LENGTH = 200;
/** Ids become folder names: only these characters, so no id can climb out of the documents folder. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,100}$/;

export interface CallDocument {
  id: string;
  name: string;
  size: number;
  contentType: string;
  uploadedAt: string;
  /** The user who uploaded it. */
  uploadedBy: string;
}

/** Why a document was not stored or found; `status` is the HTTP answer. */
export class DocumentError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'DocumentError';
    this.code = code;
    this.status = status;
  }
}

/** A file name a person gave, kept readable but without folders, control characters or a leading dot. */
export const cleanDocumentName = (raw: string): string => {
  const base = raw.replaceAll('\\', '/').split('/').pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().replace(/^\.+/, '');
  if (cleaned === '') throw new DocumentError('DOCUMENT_NAME_REQUIRED', 400, 'Give the document a file name (the X-Filename header, URL-encoded).');
  return cleaned.length > MAX_NAME_LENGTH ? cleaned.slice(0, MAX_NAME_LENGTH) : cleaned;
};

export const documentsDirOf = (services: Services): string => path.join(services.dataDir ?? process.env.DATA_DIR ?? './data', 'documents');

export class CallDocuments {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  async store(organisationId: string, callId: string, input: { name: string; contentType: string; bytes: Buffer; uploadedBy: string; at: string }): Promise<CallDocument> {
    if (input.bytes.length === 0) throw new DocumentError('DOCUMENT_EMPTY', 400, 'The document is empty: choose a file with something in it.');
    if (input.bytes.length > MAX_DOCUMENT_BYTES) throw tooLarge();
    const folder = this.#folder(organisationId, callId);
    await fs.mkdir(folder, { recursive: true });
    const document: CallDocument = {
      id: randomUUID(),
      name: cleanDocumentName(input.name),
      size: input.bytes.length,
      contentType: input.contentType,
      uploadedAt: input.at,
      uploadedBy: input.uploadedBy,
    };
    await fs.writeFile(path.join(folder, document.id), input.bytes);
    // The description last: a document is listed only once its bytes are all there.
    await fs.writeFile(path.join(folder, `${document.id}.json`), JSON.stringify(document));
    return document;
  }

  /** The call's documents, oldest first. */
  async list(organisationId: string, callId: string): Promise<CallDocument[]> {
    const folder = this.#folder(organisationId, callId);
    let names: string[];
    try {
      names = await fs.readdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const documents = await Promise.all(names.filter((name) => name.endsWith('.json')).map(async (name) => JSON.parse(await fs.readFile(path.join(folder, name), 'utf8')) as CallDocument));
    return documents.sort((a, b) => a.uploadedAt.localeCompare(b.uploadedAt) || a.name.localeCompare(b.name));
  }

  /** The document and its bytes, or DOCUMENT_NOT_FOUND. */
  async read(organisationId: string, callId: string, documentId: string): Promise<{ document: CallDocument; bytes: Buffer }> {
    if (!SAFE_ID.test(documentId)) throw notFound(documentId);
    const folder = this.#folder(organisationId, callId);
    try {
      const document = JSON.parse(await fs.readFile(path.join(folder, `${documentId}.json`), 'utf8')) as CallDocument;
      return { document, bytes: await fs.readFile(path.join(folder, documentId)) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(documentId);
      throw error;
    }
  }

  #folder(organisationId: string, callId: string): string {
    if (!SAFE_ID.test(organisationId) || !SAFE_ID.test(callId)) throw new DocumentError('CALL_NOT_FOUND', 404, `There is no call ${callId} in your organisation.`);
    return path.join(this.#root, organisationId, callId);
  }
}

export const tooLarge = (): DocumentError =>
  new DocumentError('DOCUMENT_TOO_LARGE', 413, `The document is larger than ${MAX_DOCUMENT_BYTES / (1024 * 1024)} MB: send a smaller file (a photo or a PDF of the page).`);

const notFound = (documentId: string): DocumentError => new DocumentError('DOCUMENT_NOT_FOUND', 404, `This call has no document ${documentId}.`);
