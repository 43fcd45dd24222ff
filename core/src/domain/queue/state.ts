import type { QueueEvent, QueueSettings } from '../../events/queue-events.ts';

export interface QueueState {
  exists: boolean;
  removed: boolean;
  queueId: string | null;
  organisationId: string | null;
  /** null until the queue is created. */
  settings: QueueSettings | null;
}

export const initialState = (): QueueState => ({
  exists: false,
  removed: false,
  queueId: null,
  organisationId: null,
  settings: null,
});

export const evolve = (state: QueueState, { type, data }: QueueEvent): QueueState => {
  switch (type) {
    case 'QueueCreated':
      return { exists: true, removed: false, queueId: data.queueId, organisationId: data.organisationId, settings: data.settings };
    case 'QueueUpdated':
      return state.settings === null ? state : { ...state, settings: { ...state.settings, ...data.changes } };
    case 'QueueRemoved':
      return { ...state, removed: true };
  }
};
