/** A command: an intention with its data; the time it is decided at travels inside (`at`), never a clock read. */
export interface CommandOf<Type extends string, Data> {
  type: Type;
  data: Data;
}

/**
 * decide(command, state) -> events; evolve(state, event) -> state. Pure: no I/O, no clock.
 * decide throws DomainError for a refused command and returns [] when there is nothing to do
 * (an idempotent repeat such as a stale timer).
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}
