/**
 * The admin agents table: the agent shape it reads, the columns an admin may show or hide, and the
 * filters, both kept in localStorage so the table looks the same after a reload.
 */
import type { AgentStatus } from '$lib/api/types';

export interface AdminAgent {
  id: string;
  fullName: string;
  username: string;
  email: string | null;
  extension: string;
  typology: string;
  status: AgentStatus;
  statusReason: string | null;
  disabled: boolean;
  locked: boolean;
  queueIds: string[];
  teams: Array<{ id: string; name: string }>;
}

export const ADMIN_AGENT_FIELDS = 'id fullName username email extension typology status statusReason disabled locked queueIds teams { id name }';

export type ColumnKey = 'username' | 'email' | 'extension' | 'typology' | 'queues' | 'teams' | 'status';

/** Optional columns in table order; the name column is always shown. */
export const COLUMNS: ReadonlyArray<{ key: ColumnKey; label: string }> = [
  { key: 'username', label: 'Username' },
  { key: 'email', label: 'Email' },
  { key: 'extension', label: 'Ext.' },
  { key: 'typology', label: 'Phone' },
  { key: 'queues', label: 'Queues' },
  { key: 'teams', label: 'Teams' },
  { key: 'status', label: 'Status' },
];

export const DEFAULT_COLUMNS: ColumnKey[] = ['username', 'extension', 'queues', 'status'];

export const TYPOLOGY_LABELS: Record<string, string> = { WEBRTC: 'Browser (WebRTC)', PHONEBAR: 'Phone bar', EXTERNAL: 'External SIP phone', MOBILE: 'Mobile' };

export interface AgentFilters {
  status: string;
  typology: string;
  queueId: string;
  teamId: string;
}

export const NO_FILTERS: AgentFilters = { status: '', typology: '', queueId: '', teamId: '' };

const COLUMNS_KEY = 'cc.admin.agents.columns';
const FILTERS_KEY = 'cc.admin.agents.filters';

const read = (key: string): unknown => {
  try {
    const text = localStorage.getItem(key);
    return text === null ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
};

const write = (key: string, value: unknown): void => {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // No storage (private mode): the choice lasts for this page only.
  }
};

export const storedColumns = (): ColumnKey[] => {
  const value = read(COLUMNS_KEY);
  if (!Array.isArray(value)) return [...DEFAULT_COLUMNS];
  const known = new Set<string>(COLUMNS.map((c) => c.key));
  return value.filter((v): v is ColumnKey => typeof v === 'string' && known.has(v));
};

export const storeColumns = (columns: ColumnKey[]): void => write(COLUMNS_KEY, columns);

export const storedFilters = (): AgentFilters => {
  const value = read(FILTERS_KEY);
  if (value === null || typeof value !== 'object') return { ...NO_FILTERS };
  const record = value as Record<string, unknown>;
  const text = (key: keyof AgentFilters): string => (typeof record[key] === 'string' ? (record[key] as string) : '');
  return { status: text('status'), typology: text('typology'), queueId: text('queueId'), teamId: text('teamId') };
};

export const storeFilters = (filters: AgentFilters): void => write(FILTERS_KEY, filters);

/** Saves a text as a file through the browser's download. */
export const download = (fileName: string, text: string, type: string): void => {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the blob to the download; freeing it on the next turn is safe.
  setTimeout(() => URL.revokeObjectURL(url), 0);
};
