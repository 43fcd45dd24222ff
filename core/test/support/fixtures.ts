/**
 * Valid inputs for tests, shared by every engineer: start from a known-good value and override
 * only the field the test is about, so a test names exactly what it varies.
 */
import type { AgentProfile } from '../../src/events/agent-events.ts';
import type { QueueSettings } from '../../src/events/queue-events.ts';
import { defaultQueueSettings } from '../../src/domain/queue/default-settings.ts';

export const aQueueSettings = (overrides: Partial<QueueSettings> = {}): QueueSettings =>
  defaultQueueSettings('Support', { number: '+3225551234', ...overrides });

export const anAgentProfile = (overrides: Partial<AgentProfile> = {}): AgentProfile => ({
  fullName: 'Ada Lovelace',
  username: 'ada.lovelace',
  alias: null,
  email: 'ada@example.com',
  extension: '1001',
  typology: 'webrtc',
  externalUri: null,
  wrapUpSeconds: null,
  description: null,
  voicemail: false,
  ...overrides,
});
