// Search: a collection's documents in Elasticsearch by time range and text, paged on the
// server (search_after), and a live tail of its newest lines over server-sent events with a
// server-side filter.

import { get, query, stream, type CollectionRow, type Hit } from './api.ts';
import type { Ctx } from './app.ts';
import { button, field, h, replace, table } from './dom.ts';

const TAIL_KEEP = 500;

export function searchPage(main: HTMLElement, _params: string[], ctx: Ctx): () => void {
  const collection = h(
    'select',
    { name: 'collection', id: 'search-collection' },
    h('option', { value: '' }, 'Loading…'),
  );
  const from = h('input', { type: 'datetime-local', name: 'from', step: 1 });
  const to = h('input', { type: 'datetime-local', name: 'to', step: 1 });
  const q = h('input', { type: 'search', name: 'q', id: 'search-q', spellcheck: 'false' });
  const size = h(
    'select',
    { name: 'size' },
    ['20', '50', '100', '500'].map((n) => h('option', { value: n }, n)),
  );
  size.value = '50';
  const results = h('div', { id: 'search-results', 'aria-live': 'polite' });
  const more = h('div', { class: 'actions' });
  // The server's `next` is the sort values of the last hit (search_after), sent back as JSON.
  let next: unknown[] | undefined;
  let shown = 0;

  const iso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

  const run = async (page: 'first' | 'next') => {
    if (!collection.value) {
      ctx.say('Choose a collection to search.', 'error');
      collection.focus();
      return;
    }
    try {
      const res = await get<{ hits: Hit[]; total: number; next?: unknown[] }>(
        `/api/search${query({
          collection: collection.value,
          q: q.value,
          from: iso(from.value),
          to: iso(to.value),
          size: size.value,
          after: page === 'next' && next ? JSON.stringify(next) : undefined,
        })}`,
      );
      next = res.next;
      const rows = res.hits.map(hitRow);
      if (page === 'first') {
        shown = res.hits.length;
        replace(
          results,
          h('p', { id: 'search-total' }, `${res.total} matching line(s)`),
          table(
            'Matching lines, newest first',
            ['time', 'message', 'node', 'file', 'offset'],
            rows,
            'No lines match.',
          ),
        );
      } else {
        shown += res.hits.length;
        results.querySelector('tbody')?.append(
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
        next ? button(`Next ${size.value}`, () => void run('next'), { id: 'search-next' }) : null,
        h('span', { class: 'muted' }, ` showing ${shown} of ${res.total}`),
      );
    } catch (err) {
      ctx.fail(err, 'search');
    }
  };

  const tailList = h('ol', {
    class: 'tail',
    id: 'tail',
    role: 'log',
    'aria-live': 'polite',
    'aria-label': 'Live tail',
  });
  const tailState = h('span', { class: 'live', id: 'tail-state' }, 'stopped');
  const tailQ = h('input', { type: 'search', name: 'tail-q', spellcheck: 'false' });
  let stopTail: (() => void) | undefined;
  const tailButton = button('Start the live tail', () => toggleTail(), { id: 'tail-toggle' });
  const toggleTail = () => {
    if (stopTail) {
      stopTail();
      stopTail = undefined;
      tailState.textContent = 'stopped';
      tailButton.textContent = 'Start the live tail';
      return;
    }
    if (!collection.value) {
      ctx.say('Choose a collection to tail.', 'error');
      collection.focus();
      return;
    }
    tailList.replaceChildren();
    stopTail = stream(
      `/api/tail${query({ collection: collection.value, q: tailQ.value })}`,
      {
        line: (d) => {
          const hit = d as Hit;
          tailList.append(
            h(
              'li',
              null,
              h('time', { datetime: hit.timestamp }, hit.timestamp),
              ' ',
              hit.node ? h('span', { class: 'muted' }, `${hit.node} `) : null,
              h('span', { class: 'msg' }, hit.message),
            ),
          );
          while (tailList.childElementCount > TAIL_KEEP) tailList.firstElementChild?.remove();
          tailList.lastElementChild?.scrollIntoView({ block: 'nearest' });
        },
        problem: (d) =>
          ctx.say(`The live tail could not read: ${(d as { error?: string }).error ?? String(d)}`, 'error'),
      },
      (s) => {
        tailState.textContent =
          s === 'open'
            ? `tailing ${collection.value}`
            : s === 'connecting'
              ? 'connecting…'
              : 'stopped (error)';
        tailState.className = `live ${s}`;
      },
    );
    tailButton.textContent = 'Stop the live tail';
  };

  replace(
    main,
    h('h1', null, 'Search'),
    h(
      'form',
      {
        class: 'search',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void run('first');
        },
      },
      field('Collection', collection),
      field('From', from),
      field('To', to),
      field(
        'Text',
        q,
        'words that must all be in the line (simple query string: "a phrase", -not, prefix*); empty finds everything',
      ),
      field('Page size', size),
      h('button', { type: 'submit', id: 'search-run', class: 'primary' }, 'Search'),
    ),
    results,
    more,
    h(
      'section',
      { class: 'tail-panel', 'aria-labelledby': 'tail-h' },
      h('h2', { id: 'tail-h' }, 'Live tail'),
      h('div', { class: 'row' }, field('Filter', tailQ, 'applied by the server'), tailButton, tailState),
      tailList,
    ),
  );

  void (async () => {
    try {
      const res = await get<{ collections: CollectionRow[] }>('/api/collections?limit=5000');
      const wanted = new URLSearchParams(location.hash.split('?')[1] ?? '').get('collection');
      replace(
        collection,
        h('option', { value: '' }, res.collections.length ? '(choose)' : '(no collections)'),
        res.collections.map((c) => h('option', { value: c.name }, `${c.name} → ${c.index ?? '?'}`)),
      );
      if (wanted) collection.value = wanted;
    } catch (err) {
      ctx.fail(err, 'load the collections');
    }
  })();

  return () => stopTail?.();
}

const hitRow = (x: Hit) => [
  h('time', { datetime: x.timestamp }, x.timestamp),
  h('span', { class: 'msg' }, x.message),
  x.node ?? '',
  x.file ? h('code', null, x.file) : '',
  x.offset === undefined ? '' : String(x.offset),
];
