/**
 * HTTP for call documents (bytes do not travel well through GraphQL):
 *   POST /calls/:callId/documents               the body is the file, its name in X-Filename (URL-encoded);
 *                                               needs the uploadDocuments capability; 201 with the document
 *   GET  /calls/:callId/documents/:documentId   the file, as an attachment
 * Both need a session (cookie or bearer) that may see the call: its organisation, and for agents a
 * call they were offered or handled. Listing is GraphQL's `call.documents`.
 * Errors answer `{ error: { code, message } }` with the HTTP status that fits.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, type Viewer } from '../auth/viewer.ts';
import { tokenOf, viewerOf } from '../graphql/yoga-plugin.ts';
import type { Services } from '../services.ts';
import { CallDocuments, DocumentError, documentsDirOf, MAX_DOCUMENT_BYTES, tooLarge } from './call-documents.ts';

/** May this viewer see this call? The same rule as GraphQL's `call(id)`. */
export const viewerMaySeeCall = (services: Services, viewer: Viewer, callId: string): boolean => {
  const entry = services.readSide.call(viewer.organisationId, callId);
  if (entry === null) throw new DocumentError('CALL_NOT_FOUND', 404, `There is no call ${callId} in your organisation.`);
  if (can(viewer, 'readAllCalls')) return true;
  const me = viewer.agentId;
  return can(viewer, 'readOwnCalls') && me !== null && (entry.firstAgentId === me || entry.lastAgentId === me || entry.timeline.some((t) => t.agentId === me));
};

const sendError = (reply: FastifyReply, error: DocumentError): FastifyReply => reply.status(error.status).send({ error: { code: error.code, message: error.message } });

/** The signed-in viewer allowed to see the call, or a DocumentError to answer with. */
const authorise = async (services: Services, request: FastifyRequest, callId: string): Promise<Viewer> => {
  const viewer = await viewerOf(services, tokenOf(request));
  if (viewer === null) throw new DocumentError('UNAUTHENTICATED', 401, 'Sign in first: documents need a valid session.');
  if (!viewerMaySeeCall(services, viewer, callId)) throw new DocumentError('FORBIDDEN', 403, "Your role does not allow you to see other agents' calls or their documents.");
  return viewer;
};

/** RFC 6266 / 5987: an ASCII fallback name and the exact name in UTF-8. */
const attachment = (name: string): string => `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

export const documentsRoutes = async (app: FastifyInstance, options: { services: Services }): Promise<void> => {
  const { services } = options;
  const documents = new CallDocuments(documentsDirOf(services));

  // In this plugin only: every body is the file itself, whatever its type (a JSON file stays bytes).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_DOCUMENT_BYTES }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: { code?: string; statusCode?: number; message: string }, request, reply) => {
    if (error instanceof DocumentError) return sendError(reply, error);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, tooLarge());
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, new DocumentError('DOCUMENT_EMPTY', 400, 'Send the file as the request body.'));
    }
    request.log.error({ err: error.message }, 'document request failed');
    return sendError(reply, new DocumentError('INTERNAL_SERVER_ERROR', 500, 'The document could not be handled on the server; try again.'));
  });

  app.post<{ Params: { callId: string } }>('/calls/:callId/documents', { bodyLimit: MAX_DOCUMENT_BYTES }, async (request, reply) => {
    const { callId } = request.params;
    const viewer = await authorise(services, request, callId);
    if (!can(viewer, 'uploadDocuments')) throw new DocumentError('FORBIDDEN', 403, 'Your role does not allow you to upload documents.');
    const header = request.headers['x-filename'];
    let name: string;
    try {
      name = decodeURIComponent(typeof header === 'string' ? header : '');
    } catch {
      throw new DocumentError('DOCUMENT_NAME_INVALID', 400, 'X-Filename must be URL-encoded (encodeURIComponent).');
    }
    const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const contentType = (request.headers['content-type'] ?? 'application/octet-stream').split(';')[0]?.trim() || 'application/octet-stream';
    const document = await documents.store(viewer.organisationId, callId, { name, contentType, bytes, uploadedBy: viewer.userId, at: services.now() });
    return reply.status(201).send({ document: { ...document, url: documentUrl(callId, document.id) } });
  });

  app.get<{ Params: { callId: string; documentId: string } }>('/calls/:callId/documents/:documentId', async (request, reply) => {
    const { callId, documentId } = request.params;
    const viewer = await authorise(services, request, callId);
    const { document, bytes } = await documents.read(viewer.organisationId, callId, documentId);
    // Someone else's file from our origin: never rendered or sniffed here, only saved.
    return reply
      .header('content-type', document.contentType)
      .header('content-disposition', attachment(document.name))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, no-store')
      .send(bytes);
  });
};

export const documentUrl = (callId: string, documentId: string): string => `/calls/${encodeURIComponent(callId)}/documents/${encodeURIComponent(documentId)}`;
