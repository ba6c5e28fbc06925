// The console's JSON API as the UI uses it (docs/console.md "The API"): typed answers, errors
// with their issues and the current value of a conflict, the CSRF header on every write, and
// server-sent event streams that reconnect by themselves (EventSource).

import type { Grant } from './logic.ts';

export interface Issue {
  path: string;
  message: string;
}

export interface Me {
  user: string | null;
  roles: Grant[];
  csrf?: string;
  readOnly: boolean;
  /** The console has users and this request is not signed in. */
  needLogin?: boolean;
}

export interface Live {
  nodes: number;
  eventsPerSec: number;
  lagBytes: number;
  errors: number;
  lostBytes: number;
}

export interface CollectionRow {
  name: string;
  origin: string;
  key: string;
  modRevision: number;
  topic?: string;
  index?: string;
  source?: unknown;
  entry?: Record<string, unknown>;
  valid: boolean;
  /** Why the stored value does not validate. */
  error?: string;
  readOnly: boolean;
  kubectl?: string;
  live: Live;
}

export interface RolloutAgent {
  node: string;
  modRevision: number;
  state: 'current' | 'stale' | 'failing' | 'offline';
  errors: string[];
  updatedAt?: string;
}

export interface Rollout {
  rows: RolloutAgent[];
  counts: Partial<Record<RolloutAgent['state'], number>>;
  staleAfterSec: number;
}

export interface CollectionDetail extends CollectionRow {
  raw?: string;
  rollout?: Rollout;
}

export interface Version {
  modRevision: number;
  version: number;
  value: string;
  entry?: unknown;
  issues?: Issue[];
}

export interface NodeRecord {
  name: string;
  state: 'online' | 'stale' | 'offline';
  updatedAt?: string;
  /** When its lease ended (offline only). */
  offlineSince?: string;
  /** The last status record it wrote, parsed. */
  status?: Record<string, unknown>;
  /** The record did not parse: what was wrong. */
  error?: string;
}

export interface Hit {
  id: string;
  timestamp: string;
  message: string;
  node?: string;
  file?: string;
  offset?: number;
  fields?: Record<string, unknown>;
}

export interface AuditRecord {
  id: string;
  time: string;
  user: string;
  client: string;
  action: string;
  key: string;
  before: string | null;
  after: string | null;
  modRevision: number;
  detail?: Record<string, unknown>;
}

export interface TrashItem {
  id: string;
  key: string;
  name: string;
  deletedAt: string;
  deletedBy: string;
  value: string;
  modRevision: number;
}

export interface KeyRow {
  key: string;
  modRevision: number;
  version: number;
  lease: boolean;
  kind: string;
}

export interface DlqRecord {
  partition: number;
  offset: string;
  reason: string;
  event: unknown;
}

/** An answer other than 2xx: the server's reason, the fields it names, a conflict's current value. */
export class ApiError extends Error {
  status: number;
  issues: Issue[];
  current: unknown;
  constructor(status: number, message: string, issues: Issue[] = [], current?: unknown) {
    super(message);
    this.status = status;
    this.issues = issues;
    this.current = current;
  }
}

let csrf = '';
let onUnauthorized: (() => void) | undefined;

export function setCsrf(token: string): void {
  csrf = token;
}

/** Called when an answer is 401 (the session ended): the app shows the login form. */
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['x-lcs-csrf'] = csrf;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ApiError(0, `the console server did not answer (${(err as Error).message})`);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { error: text.slice(0, 500) };
  }
  if (!res.ok) {
    if (res.status === 401 && !path.endsWith('/api/login') && !path.endsWith('/api/me')) onUnauthorized?.();
    const message = typeof json.error === 'string' ? json.error : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message, (json.issues as Issue[] | undefined) ?? [], json.current);
  }
  return json as T;
}

export const get = <T>(path: string): Promise<T> => api<T>('GET', path);

/** A query string from the set values (empty strings and undefined left out). */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** `/api/collections/adhoc%2Fweb`: a collection name is one URL segment. */
export const collectionPath = (name: string, rest = ''): string =>
  `/api/collections/${encodeURIComponent(name)}${rest}`;

export type StreamState = 'connecting' | 'open' | 'error';

/**
 * A server-sent event stream: `handlers` by event name get the parsed data. EventSource
 * reconnects by itself after an error; `onState` tells the page so it can say so.
 */
export function stream(
  path: string,
  handlers: Record<string, (data: unknown) => void>,
  onState?: (s: StreamState) => void,
): () => void {
  const es = new EventSource(path, { withCredentials: true });
  onState?.('connecting');
  es.onopen = () => onState?.('open');
  es.onerror = () => onState?.(es.readyState === EventSource.CLOSED ? 'error' : 'connecting');
  for (const [name, fn] of Object.entries(handlers)) {
    es.addEventListener(name, (ev) => {
      let data: unknown;
      try {
        data = JSON.parse((ev as MessageEvent<string>).data);
      } catch {
        data = (ev as MessageEvent<string>).data;
      }
      fn(data);
    });
  }
  return () => es.close();
}
