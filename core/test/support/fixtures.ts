/**
 * Valid inputs for tests, shared by every engineer: start from a known-good value and override
 * only the field the test is about, so a test names exactly what it varies.
 */
import type { AgentProfile } from '../../src/events/agent-events.ts';
import type { QueueSettings } from '../../src/events/queue-events.ts';

export const aQueueSettings = (overrides: Partial<QueueSettings> = {}): QueueSettings => ({
  name: 'Support',
  number: '+3225551234',
  strategy: 'longest-idle',
  ringTimeoutSeconds: 20,
  wrapUpSeconds: 30,
  maxWaitSeconds: null,
  overflowQueueId: null,
  priority: 0,
  serviceLevelSeconds: 20,
  businessHours: null,
  maskCallerName: false,
  video: false,
  announcement: null,
  musicOnHold: null,
  ...overrides,
});

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
