// Audit: every write the console made (who, from where, when, before and after), newest
// first, paged by the server; and the recycle bin of deleted entries with restore.

import { ApiError, api, get, query, type AuditRecord, type TrashItem } from './api.ts';
import type { Ctx } from './app.ts';
import { button, field, h, replace, table } from './dom.ts';
import { diffLines, pretty, route } from './logic.ts';

export function auditPage(main: HTMLElement, _params: string[], ctx: Ctx): void {
  const key = h('input', { name: 'key', id: 'audit-key', spellcheck: 'false' });
  const body = h('div', { id: 'audit', 'aria-live': 'polite' });
  const more = h('div', { class: 'actions' });

  const load = async (before?: string) => {
    try {
      const res = await get<{ records: AuditRecord[]; next?: string }>(
        `/api/audit${query({ key: key.value, limit: 50, before })}`,
      );
      const rows = res.records.map((r) => [
        h('time', { datetime: r.time }, r.time),
        r.user,
        r.client,
        r.action,
        h('code', null, r.key),
        r.modRevision === undefined ? '' : String(r.modRevision),
        change(r),
      ]);
      if (!before)
        replace(
          body,
          table(
            'Audit records, newest first',
            ['time', 'user', 'client', 'action', 'key', 'revision', 'change'],
            rows,
            'No writes yet.',
          ),
        );
      else
        body.querySelector('tbody')?.append(
          ...rows.map((r) =>
            h(
              'tr',
              null,
              r.map((c) => h('td', null, c)),
            ),
          ),
        );
      replace(
        more,
        res.next ? button('Older records', () => void load(res.next), { id: 'audit-next' }) : null,
      );
    } catch (err) {
      ctx.fail(err, 'read the audit');
    }
  };

  replace(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'Audit'),
      h('a', { href: route('trash') }, 'Trash (recycle bin)'),
    ),
    h(
      'form',
      {
        class: 'search',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void load();
        },
      },
      field('Key', key, 'only the writes of this key; empty for all'),
      h('button', { type: 'submit' }, 'Show'),
    ),
    body,
    more,
  );
  void load();
}

function change(r: AuditRecord): HTMLElement {
  const text = (v: unknown): string => (v === null ? '' : typeof v === 'string' ? tryPretty(v) : pretty(v));
  return h(
    'details',
    null,
    h('summary', null, 'before / after'),
    h(
      'pre',
      { class: 'diff' },
      diffLines(text(r.before), text(r.after)).map((d) =>
        h('span', { class: d.op === '+' ? 'add' : d.op === '-' ? 'del' : 'same' }, `${d.op} ${d.text}\n`),
      ),
    ),
  );
}

function tryPretty(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return s;
  }
}

export function trashPage(main: HTMLElement, _params: string[], ctx: Ctx): void {
  const body = h('div', { id: 'trash' }, h('p', null, 'Loading…'));
  const load = async () => {
    try {
      const res = await get<{ items: TrashItem[] }>('/api/trash');
      replace(
        body,
        table(
          'Deleted entries',
          ['name', 'deleted', 'by', 'value', ''],
          res.items.map((t) => {
            const why = ctx.whyNot(t.key, 'editor');
            return [
              t.name,
              h('time', { datetime: t.deletedAt }, t.deletedAt),
              t.deletedBy,
              h(
                'details',
                null,
                h('summary', null, 'value'),
                h(
                  'pre',
                  { class: 'json' },
                  typeof t.value === 'string' ? tryPretty(t.value) : pretty(t.value),
                ),
              ),
              h(
                'button',
                { type: 'button', disabled: Boolean(why), title: why, onclick: () => void restore(t) },
                `Restore ${t.name}`,
              ),
            ];
          }),
          'The recycle bin is empty.',
        ),
      );
    } catch (err) {
      ctx.fail(err, 'read the recycle bin');
    }
  };
  const restore = async (t: TrashItem) => {
    try {
      const res = await api<{ name: string; modRevision: number }>(
        'POST',
        `/api/trash/${encodeURIComponent(t.id)}/restore`,
      );
      ctx.say(`Restored ${res.name} at revision ${res.modRevision}.`, 'ok');
      void load();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409)
        ctx.say(`${t.name} exists again: delete or rename it before restoring this one.`, 'error');
      else ctx.fail(err, `restore ${t.name}`);
    }
  };
  replace(
    main,
    h('div', { class: 'page-head' }, h('h1', null, 'Trash'), h('a', { href: route('audit') }, 'Audit')),
    body,
  );
  void load();
}
