/**
 * Errors a person sees: a GraphQL error with a stable `extensions.code` and an actionable message.
 * DomainError codes become UPPER_SNAKE_CASE (AgentNotAvailable -> AGENT_NOT_AVAILABLE).
 */
import { GraphQLError } from 'graphql';
import { isDomainError } from '@cc/core';

export type ApiErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'RATE_LIMITED' | 'NOT_FOUND' | 'INTERNAL_SERVER_ERROR';

export const upperSnake = (code: string): string =>
  code.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toUpperCase();

export const apiError = (code: ApiErrorCode | string, message: string, details: Record<string, unknown> = {}): GraphQLError =>
  new GraphQLError(message, { extensions: { code, ...details } });

export const unauthenticated = (): GraphQLError => apiError('UNAUTHENTICATED', 'Sign in first: this needs a valid session.');
export const forbidden = (what: string): GraphQLError => apiError('FORBIDDEN', `Your role does not allow you to ${what}.`);
export const badInput = (message: string, field?: string): GraphQLError => apiError('BAD_USER_INPUT', message, field === undefined ? {} : { field });

// graphql ships both CJS and ESM builds and yoga may load the other one, so GraphQLError is recognised by shape, not instanceof.
interface GraphQLErrorLike extends Error {
  extensions: Record<string, unknown>;
  originalError?: Error | null;
  path?: ReadonlyArray<string | number>;
  nodes?: GraphQLError['nodes'];
  positions?: ReadonlyArray<number>;
}
const isGraphQLError = (error: unknown): error is GraphQLErrorLike => error instanceof Error && error.name === 'GraphQLError';

/** Turns anything thrown by a resolver into what the client sees; unknown errors say nothing of the server. */
export const toClientError = (error: unknown, log: (error: unknown) => void): GraphQLError => {
  const outer = isGraphQLError(error) ? error : null;
  const original = outer?.originalError ?? error;
  const path = outer?.path;
  if (isDomainError(original)) return new GraphQLError(original.message, { path, extensions: { code: upperSnake(original.code) } });
  if (isGraphQLError(original)) {
    const code = original.extensions['code'];
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return new GraphQLError(original.message, { path, extensions: { ...original.extensions } });
  }
  if (outer !== null && (outer.originalError === undefined || outer.originalError === null)) {
    // Parse and validation errors: the client's query is wrong.
    return new GraphQLError(outer.message, { nodes: outer.nodes ?? null, positions: outer.positions, path, extensions: { code: outer.extensions['code'] ?? 'GRAPHQL_VALIDATION_FAILED' } });
  }
  log(original);
  return new GraphQLError('Something went wrong on the server; the request was not completed. Try again, and report it if it persists.', {
    path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
};
