import type { ApiContext } from './context.ts';

/** Resolver maps: argument shapes are checked by the schema; each resolver narrows its own args. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resolver args differ per field; each resolver declares its own.
export type Resolver = (parent: any, args: any, context: ApiContext, info: unknown) => unknown;
export type Resolvers = Record<string, Record<string, Resolver | { subscribe: Resolver; resolve?: Resolver }>>;
