// Keys: the raw etcd keyspace under a prefix, one server-side page (an etcd range with a
// limit) at a time, and one key's value with its revision and lease; admins can write it,
// and a collect entry is validated as the form validates it.

import { ApiError, api, get, query, type Issue, type KeyRow } from './api.ts';
import type { Ctx } from './app.ts';
import { button, field, h, replace, table } from './dom.ts';
import { route } from './logic.ts';

export function keysPage(main: HTMLElement, params: string[], ctx: Ctx): void {
  if (params[0]) return keyView(main, params[0], ctx);
  const wanted = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const prefix = h('input', {
    name: 'prefix',
    id: 'keys-prefix',
    spellcheck: 'false',
    value: wanted.get('prefix') ?? '/lcs/v1/',
  });
  const limit = h(
    'select',
    { name: 'limit' },
    ['50', '100', '500'].map((n) => h('option', { value: n }, n)),
  );
  limit.value = '100';
  const body = h('div', { id: 'keys', 'aria-live': 'polite' });
  const more = h('div', { class: 'actions' });
  let shown = 0;

  const load = async (after?: string) => {
    try {
      const res = await get<{ keys: KeyRow[]; next?: string }>(
        `/api/keys${query({ prefix: prefix.value, after, limit: limit.value })}`,
      );
      const rows = res.keys.map((k) => [
        h('a', { href: route('keys', k.key) }, k.key),
        k.kind,
        String(k.modRevision),
        String(k.version),
        k.lease ? 'yes' : '',
      ]);
      if (!after) {
        shown = rows.length;
        replace(
          body,
          table(
            `Keys under ${prefix.value}`,
            ['key', 'kind', 'revision', 'version', 'lease'],
            rows,
            'No keys.',
          ),
        );
      } else {
        shown += rows.length;
        body.querySelector('tbody')?.append(
          ...rows.map((r) =>
            h(
              'tr',
              null,
              r.map((c) => h('td', null, c)),
            ),
          ),
        );
      }
      replace(
        more,
        res.next ? button('Next page', () => void load(res.next), { id: 'keys-next' }) : null,
        h('span', { class: 'muted' }, ` ${shown} key(s) shown${res.next ? ', more after' : ''}`),
      );
    } catch (err) {
      ctx.fail(err, 'list the keys');
    }
  };

  replace(
    main,
    h('h1', null, 'Keys'),
    h(
      'form',
      {
        class: 'search',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void load();
        },
      },
      field('Prefix', prefix),
      field('Page size', limit),
      h('button', { type: 'submit', id: 'keys-list' }, 'List'),
    ),
    body,
    more,
  );
  void load();
}

function keyView(main: HTMLElement, key: string, ctx: Ctx): void {
  const why = ctx.whyNot(key, 'admin');
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: route('keys') }, 'Keys'), ' / ', key),
    h('h1', null, key),
    h('p', null, 'Loading…'),
  );
  void (async () => {
    let k: {
      key: string;
      value: string;
      modRevision: number;
      version?: number;
      lease?: boolean;
      issues?: Issue[];
    };
    try {
      k = await get(`/api/key${query({ key })}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404)
        replace(main, h('h1', null, key), h('p', null, 'No such key.'));
      else ctx.fail(err, `read ${key}`);
      return;
    }
    let revision = k.modRevision;
    const value = h('textarea', {
      id: 'key-value',
      name: 'value',
      rows: 20,
      spellcheck: 'false',
      class: 'json',
      readonly: Boolean(why),
    });
    value.value = prettyIfJson(k.value);
    const issues = h('div', { class: 'issues-box', 'aria-live': 'polite' });
    const showIssues = (list: Issue[] | undefined) =>
      replace(
        issues,
        list?.length
          ? [
              h('p', null, 'As a collect entry this does not validate:'),
              h(
                'ul',
                { class: 'issues' },
                list.map((i) => h('li', null, h('code', null, i.path || '(root)'), ' ', i.message)),
              ),
            ]
          : null,
      );
    showIssues(k.issues);
    const facts = h('p', { class: 'muted' });
    const showFacts = () =>
      (facts.textContent = `revision ${revision}${k.version ? `, version ${k.version}` : ''}${k.lease ? ', under a lease (a status record: it goes when its writer stops)' : ''}`);
    showFacts();
    const save = async () => {
      try {
        const res = await api<{ modRevision: number }>('PUT', '/api/key', {
          key,
          value: value.value,
          revision,
        });
        revision = res.modRevision;
        showFacts();
        showIssues([]);
        ctx.say(`Wrote ${key} at revision ${revision}.`, 'ok');
      } catch (err) {
        if (err instanceof ApiError && err.issues.length) showIssues(err.issues);
        if (err instanceof ApiError && err.status === 409) {
          const cur = (err.current ?? {}) as { value?: string; modRevision?: number };
          ctx.say(`${key} changed meanwhile (now revision ${cur.modRevision ?? '?'}): not written.`, 'error');
          return;
        }
        ctx.fail(err, `write ${key}`);
      }
    };
    replace(
      main,
      h('p', { class: 'crumbs' }, h('a', { href: route('keys') }, 'Keys'), ' / ', key),
      h('h1', null, key),
      facts,
      why ? h('p', { class: 'notice', id: 'key-why' }, why) : null,
      field('Value', value),
      issues,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            disabled: Boolean(why),
            'aria-describedby': why ? 'key-why' : undefined,
            onclick: () => void save(),
          },
          'Save',
        ),
      ),
    );
  })();
}

function prettyIfJson(v: string): string {
  try {
    return JSON.stringify(JSON.parse(v), null, 2);
  } catch {
    return v;
  }
}
