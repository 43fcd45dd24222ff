/**
 * Queries and mutations against the platform's /graphql on the same origin. The session travels in
 * the httpOnly `cc_session` cookie that `login` sets, so the console never stores a token itself.
 */

export interface GraphqlErrorShape {
  message: string;
  extensions?: { code?: string; field?: string };
}

/** A GraphQL error for people: its message is shown as is; `code` is the API's stable code. */
export class ApiError extends Error {
  readonly code: string;
  readonly field: string | null;

  constructor(message: string, code: string, field: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = field;
  }
}

/** Called when any request finds the session gone, so the layout can send the user to sign in. */
let onUnauthenticated: () => void = () => {};
export const whenUnauthenticated = (handler: () => void): void => {
  onUnauthenticated = handler;
};

export const graphql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('The platform cannot be reached. Check your connection and try again.', 'NETWORK');
  }
  let body: { data?: T | null; errors?: GraphqlErrorShape[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ApiError(`The platform answered ${response.status} without a GraphQL result.`, 'NETWORK');
  }
  const first = body.errors?.[0];
  if (first !== undefined) {
    const code = first.extensions?.code ?? 'INTERNAL';
    if (code === 'UNAUTHENTICATED') onUnauthenticated();
    throw new ApiError(first.message, code, first.extensions?.field ?? null);
  }
  if (body.data == null) throw new ApiError('The platform answered without data.', 'INTERNAL');
  return body.data;
};

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
export const codeOf = (error: unknown): string | null => (error instanceof ApiError ? error.code : null);
