/**
 * Given/when/then for deciders: given past events, when a command, then these events (or this error,
 * or nothing). Built once per decider: `const spec = DeciderSpec.for(callDecider)`.
 */
import { expect } from 'vitest';
import type { Decider } from '../../src/domain/decider.ts';
import { DomainError, type DomainErrorCode } from '../../src/domain/errors.ts';

export interface WhenClause<Event> {
  then(expected: Event[]): void;
  thenNothingHappened(): void;
  thenThrows(code: DomainErrorCode, messageIncludes?: string): void;
  /** For assertions that do not fit `then`: returns the events decided. */
  events(): Event[];
}

export const DeciderSpec = {
  for<Command, Event, State>(decider: Decider<Command, Event, State>) {
    return {
      given(history: Event[]) {
        return {
          when(command: Command): WhenClause<Event> {
            const decide = (): Event[] => decider.decide(command, history.reduce(decider.evolve, decider.initialState()));
            return {
              then(expected) {
                expect(decide()).toEqual(expected);
              },
              thenNothingHappened() {
                expect(decide()).toEqual([]);
              },
              thenThrows(code, messageIncludes) {
                let thrown: unknown;
                try {
                  decide();
                } catch (error) {
                  thrown = error;
                }
                expect(thrown, `expected ${code} to be thrown`).toBeInstanceOf(DomainError);
                const domainError = thrown as DomainError;
                expect(domainError.code).toBe(code);
                expect(domainError.message.length).toBeGreaterThan(10);
                if (messageIncludes !== undefined) expect(domainError.message).toContain(messageIncludes);
              },
              events: decide,
            };
          },
        };
      },
    };
  },
};
