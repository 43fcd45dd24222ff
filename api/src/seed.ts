/**
 * First start on an empty log: an organisation and its owner from CC_ADMIN_EMAIL/CC_ADMIN_PASSWORD,
 * or else a demo organisation whose generated passwords are printed once. Never a fixed password.
 */
import { randomUUID } from 'node:crypto';
import type { AgentProfile, CommandContext } from '@cc/core';
import { generatePassword } from './auth/password.ts';
import { queueSettingsDefaults } from './management/queue-admin.ts';
import type { Platform } from './platform.ts';

export interface SeedOptions {
  adminEmail?: string | undefined;
  adminPassword?: string | undefined;
  organisationName?: string | undefined;
  timeZone?: string | undefined;
  /** Where generated demo credentials are written, once. */
  print: (text: string) => void;
}

export interface SeedResult {
  kind: 'none' | 'admin' | 'demo';
  organisationId: string | null;
  credentials: Array<{ role: string; username: string; email: string; password: string }>;
}

const seedContext = (organisationId: string): CommandContext => ({ organisationId, actor: { kind: 'system', component: 'seed' }, correlationId: randomUUID() });

const createOrganisation = async (platform: Platform, name: string, timeZone: string): Promise<string> => {
  const organisationId = randomUUID();
  await platform.core.execute('organisation', organisationId, { type: 'CreateOrganisation', data: { organisationId, name, timeZone, maxMissedOffersInRow: 3, at: platform.core.now() } }, seedContext(organisationId));
  return organisationId;
};

const usernameFrom = (email: string): string => (email.split('@')[0] ?? 'owner').replace(/[^A-Za-z0-9._]/g, '_') || 'owner';

export const seedIfEmpty = async (platform: Platform, options: SeedOptions): Promise<SeedResult> => {
  const existing = await platform.store.readAll({ after: 0n, maxCount: 1 });
  if (existing.length > 0) return { kind: 'none', organisationId: null, credentials: [] };
  const timeZone = options.timeZone ?? 'UTC';

  if (options.adminEmail !== undefined && options.adminEmail !== '' && options.adminPassword !== undefined && options.adminPassword !== '') {
    // Checked before anything is written, so a refused password leaves the log empty for the next try.
    await platform.users.assertRegistrable({ email: options.adminEmail, username: usernameFrom(options.adminEmail), password: options.adminPassword });
    const organisationId = await createOrganisation(platform, options.organisationName ?? 'My contact center', timeZone);
    await platform.users.register(
      { email: options.adminEmail, username: usernameFrom(options.adminEmail), displayName: 'Owner', password: options.adminPassword, memberships: [{ organisationId, role: 'owner', agentId: null }] },
      seedContext(organisationId),
    );
    return { kind: 'admin', organisationId, credentials: [] };
  }

  const organisationId = await createOrganisation(platform, options.organisationName ?? 'Demo contact center', timeZone);
  const context = seedContext(organisationId);
  const { core, users } = platform;
  const queueIds: string[] = [];
  for (const name of ['Support', 'Sales', 'Billing']) {
    const queueId = randomUUID();
    await core.execute('queue', queueId, { type: 'CreateQueue', data: { queueId, organisationId, settings: queueSettingsDefaults(name), at: core.now() } }, context);
    queueIds.push(queueId);
  }
  const credentials: SeedResult['credentials'] = [];
  const person = async (role: 'owner' | 'supervisor' | 'agent', fullName: string, username: string, extension: string | null): Promise<void> => {
    const password = generatePassword();
    const email = `${username.replace(/_/g, '.')}@demo.example`;
    const agentId = extension === null ? null : randomUUID();
    if (agentId !== null && extension !== null) {
      const profile: AgentProfile = { fullName, username, alias: null, email, extension, typology: 'webrtc', externalUri: null, wrapUpSeconds: null, description: 'Demo agent', voicemail: false };
      await core.execute('agent', agentId, { type: 'RegisterAgent', data: { agentId, organisationId, profile, at: core.now() } }, context);
      for (const queueId of queueIds.slice(0, 2)) await core.execute('agent', agentId, { type: 'JoinQueue', data: { queueId, penalty: 0, skills: [], at: core.now() } }, context);
    }
    await users.register({ ...(agentId === null ? {} : { userId: agentId }), email, username, displayName: fullName, password, memberships: [{ organisationId, role, agentId }] }, context);
    credentials.push({ role, username, email, password });
  };
  await person('owner', 'Demo Owner', 'owner', null);
  await person('supervisor', 'Sam Supervisor', 'supervisor', null);
  await person('agent', 'Ada Lovelace', 'ada', '1001');
  await person('agent', 'Grace Hopper', 'grace', '1002');
  await person('agent', 'Alan Turing', 'alan', '1003');
  options.print(
    [
      '',
      'Demo organisation created. These generated passwords are shown only this once:',
      ...credentials.map((c) => `  ${c.role.padEnd(10)} ${c.username.padEnd(10)} ${c.email.padEnd(28)} ${c.password}`),
      'Set CC_ADMIN_EMAIL and CC_ADMIN_PASSWORD on an empty DATA_DIR to start with your own owner instead.',
      '',
    ].join('\n'),
  );
  return { kind: 'demo', organisationId, credentials };
};
