// Dead letters: the records of a collection's `<topic>.dlq` with the reason each was not
// indexed, and a replay of the selected ones (admin) once the mapping is fixed.

import { api, get, query, type CollectionRow, type DlqRecord } from './api.ts';
import type { Ctx } from './app.ts';
import { field, h, replace, table } from './dom.ts';

export function dlqPage(main: HTMLElement, _params: string[], ctx: Ctx): void {
  const collection = h(
    'select',
    { name: 'collection', id: 'dlq-collection' },
    h('option', { value: '' }, 'Loading…'),
  );
  const limit = h('input', { type: 'number', name: 'limit', min: 1, max: 1000, value: '100' });
  const body = h('div', { id: 'dlq' });
  const why = ctx.whyNot('/', 'admin');
  let records: DlqRecord[] = [];

  const load = async () => {
    if (!collection.value) return ctx.say('Choose a collection.', 'error');
    try {
      const res = await get<{ records: DlqRecord[] }>(
        `/api/dlq${query({ collection: collection.value, limit: limit.value })}`,
      );
      records = res.records;
      const boxes = records.map((r, i) =>
        h('input', {
          type: 'checkbox',
          name: 'pick',
          value: String(i),
          'aria-label': `select ${r.partition}/${r.offset}`,
        }),
      );
      const replayBtn = h(
        'button',
        {
          type: 'button',
          class: 'primary',
          id: 'dlq-replay',
          disabled: Boolean(why) || records.length === 0,
          'aria-describedby': why ? 'dlq-why' : undefined,
          onclick: () => void replay(boxes.filter((b) => b.checked).map((b) => records[Number(b.value)]!)),
        },
        'Replay the selected records',
      );
      replace(
        body,
        table(
          `${records.length} dead letter(s) of ${collection.value}`,
          ['', 'partition', 'offset', 'reason', 'event'],
          records.map((r, i) => [
            boxes[i]!,
            String(r.partition),
            String(r.offset),
            h('span', { class: 'bad' }, r.reason),
            h(
              'details',
              null,
              h('summary', null, 'event'),
              h('pre', { class: 'json' }, JSON.stringify(r.event, null, 2)),
            ),
          ]),
          'No dead letters: every event was indexed.',
        ),
        h(
          'div',
          { class: 'actions' },
          replayBtn,
          why ? h('span', { class: 'muted', id: 'dlq-why' }, why) : null,
        ),
      );
    } catch (err) {
      ctx.fail(err, 'read the dead letters');
    }
  };

  const replay = async (picked: DlqRecord[]) => {
    if (!picked.length) return ctx.say('Select the records to replay first.', 'error');
    try {
      await api('POST', '/api/dlq/replay', {
        collection: collection.value,
        records: picked.map((r) => ({ partition: r.partition, offset: r.offset })),
      });
      ctx.say(`Replayed ${picked.length} record(s) to the topic of ${collection.value}.`, 'ok');
    } catch (err) {
      ctx.fail(err, 'replay the records');
    }
  };

  replace(
    main,
    h('h1', null, 'Dead letters'),
    h(
      'form',
      {
        class: 'search',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void load();
        },
      },
      field('Collection', collection),
      field('At most', limit),
      h('button', { type: 'submit' }, 'Show'),
    ),
    body,
  );
  void (async () => {
    try {
      const res = await get<{ collections: CollectionRow[] }>('/api/collections?limit=5000');
      replace(
        collection,
        h('option', { value: '' }, '(choose)'),
        res.collections.map((c) => h('option', { value: c.name }, `${c.name} → ${c.topic}.dlq`)),
      );
    } catch (err) {
      ctx.fail(err, 'load the collections');
    }
  })();
}
